import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import type { AthenaClient, QueryExecution } from '@aws-sdk/client-athena';
import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';
import { stagingTableName } from '@ddb-athena-sync/schemas/render-ddl';

import type { MaintenanceResult, MergeBatch, MergeEngine, MergeResult } from '../merge/engine.js';
import { athenaDialect } from '../sql/dialect.js';
import { renderMerge } from '../sql/render-merge.js';
import { renderCreate, renderOptimize, renderStaging, renderVacuum } from '../sql/render-statements.js';
import { AthenaQueryCancelledError, AthenaQueryError } from './athena-errors.js';

export interface AthenaEngineOptions {
  readonly athena: AthenaClient;
  readonly workGroup: string;
  /** Glue database of the Iceberg and staging tables. */
  readonly database: string;
  /** Iceberg table location, `s3://lake/tables/<table>/`. */
  readonly tableLocation: string;
  /** The table's staging prefix as a URI, `s3://lake/staging/<table>/`. */
  readonly stagingLocation: string;
  /** Attempts per query for retryable failures (default 5). */
  readonly maxAttempts?: number;
  /** First retry delay; doubles per attempt up to 20 s (default 1 s). */
  readonly retryBaseMs?: number;
  /** First poll delay; grows by half per poll up to 5 s (default 200 ms). */
  readonly pollBaseMs?: number;
  /** Injected for tests; resolves early (and harmlessly) when the signal aborts. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface QueryOutcome {
  readonly queryId: string;
  readonly execution: QueryExecution;
}

const defaultSleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/** SDK errors that mean "too many requests now" (Athena API reference, "Common Errors"). */
const THROTTLING = new Set([
  'TooManyRequestsException',
  'ThrottlingException',
  'ThrottlingError',
  'SlowDown',
]);

/**
 * Query failures worth retrying: concurrent Iceberg commits (ICEBERG_COMMIT_ERROR: another writer
 * committed first; the MERGE is idempotent thanks to its `_seq` guard) and throttling
 * (https://docs.aws.amazon.com/athena/latest/ug/troubleshooting-athena.html). Anything else fails
 * the batch, which stays staged for the next run.
 */
function isRetryableFailure(reason: string): boolean {
  return /ICEBERG_COMMIT_ERROR|TooManyRequestsException|ThrottlingException|Rate exceeded/i.test(reason);
}

/** MergeEngine on Amazon Athena (engine v3) in one workgroup. */
export class AthenaEngine implements MergeEngine {
  readonly dialect = 'athena' as const;
  private readonly options: AthenaEngineOptions;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;

  constructor(options: AthenaEngineOptions) {
    this.options = options;
    this.sleep = options.sleep ?? defaultSleep;
  }

  private get target() {
    return {
      database: this.options.database,
      tableLocation: this.options.tableLocation,
      stagingLocation: this.options.stagingLocation,
    };
  }

  async ensureTable(table: TableDeclaration): Promise<void> {
    // DDL is free in Athena; both statements are IF NOT EXISTS.
    for (const sql of [
      ...renderCreate(table, athenaDialect, this.target),
      ...renderStaging(table, athenaDialect, this.target, []),
    ])
      await this.execute(sql);
  }

  async merge(batch: MergeBatch, signal?: AbortSignal): Promise<MergeResult> {
    const sql = renderMerge(
      {
        table: batch.table,
        target: { database: this.options.database, name: batch.table.name },
        stagingTable: { database: this.options.database, name: stagingTableName(batch.table) },
        // Sorted, so that a replay of the batch renders the very same statement (see below).
        files: batch.objects.map((o) => `s3://${batch.bucket}/${o.key}`).sort(),
      },
      athenaDialect,
    );
    // A merger killed mid-query (Lambda timeout) leaves its MERGE running; the next run replays the
    // journal's batch. With the batch id as ClientRequestToken, Athena returns the query already
    // started instead of creating a second one ("If another StartQueryExecution request is received,
    // the same response is returned and another query is not created", StartQueryExecution API
    // reference), so the replay waits for the orphan instead of racing it.
    const { queryId, execution } = await this.execute(sql, signal, batch.batchId);
    return {
      queryId,
      ...(execution.Statistics?.DataScannedInBytes === undefined
        ? {}
        : { bytesScanned: execution.Statistics.DataScannedInBytes }),
    };
  }

  async maintain(
    table: TableDeclaration,
    _options: unknown,
    signal?: AbortSignal,
  ): Promise<MaintenanceResult> {
    // Snapshot age and retention are table properties set at creation
    // (vacuum_max_snapshot_age_seconds, vacuum_min_snapshots_to_keep): VACUUM takes no arguments.
    const optimize = await this.execute(renderOptimize(table, athenaDialect, this.target), signal);
    const vacuum = await this.execute(renderVacuum(table, athenaDialect, this.target), signal);
    return { optimized: true, queryIds: [optimize.queryId, vacuum.queryId] };
  }

  /** Runs a SELECT and returns every row, following GetQueryResults' NextToken. */
  async queryRows(
    sql: string,
    signal?: AbortSignal,
  ): Promise<{ columns: string[]; rows: (string | undefined)[][] }> {
    const { queryId } = await this.execute(sql, signal);
    const rows: (string | undefined)[][] = [];
    let columns: string[] = [];
    let token: string | undefined;
    let first = true;
    do {
      const page = await this.options.athena.send(
        new GetQueryResultsCommand({ QueryExecutionId: queryId, NextToken: token }),
      );
      if (first) columns = (page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? []).map((c) => c.Name ?? '');
      const data = (page.ResultSet?.Rows ?? []).map((r) => (r.Data ?? []).map((d) => d.VarCharValue));
      // For a SELECT, the first row of the first page holds the column names.
      rows.push(...(first ? data.slice(1) : data));
      first = false;
      token = page.NextToken;
    } while (token !== undefined);
    return { columns, rows };
  }

  /** StartQueryExecution, poll with backoff, retry retryable failures, stop the query on abort. */
  async execute(sql: string, signal?: AbortSignal, idempotencyKey?: string): Promise<QueryOutcome> {
    const maxAttempts = this.options.maxAttempts ?? 5;
    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted) throw new AthenaQueryCancelledError(undefined, { cause: signal.reason });
      let queryId: string | undefined;
      try {
        // One token per attempt: the token of a failed attempt would return that failure again.
        // Tokens are 32-128 characters (StartQueryExecution API reference).
        const token =
          idempotencyKey === undefined
            ? undefined
            : `${idempotencyKey}-attempt-${attempt}`.padEnd(32, '0').slice(0, 128);
        const started = await this.options.athena.send(
          new StartQueryExecutionCommand({
            QueryString: sql,
            WorkGroup: this.options.workGroup,
            QueryExecutionContext: { Database: this.options.database },
            ...(token === undefined ? {} : { ClientRequestToken: token }),
          }),
        );
        queryId = started.QueryExecutionId;
      } catch (error) {
        const name = (error as { name?: string }).name ?? '';
        if (!THROTTLING.has(name))
          throw new AthenaQueryError(
            { errorType: name, reason: (error as Error).message, retryable: false, attempts: attempt },
            { cause: error },
          );
        if (attempt >= maxAttempts)
          throw new AthenaQueryError(
            { errorType: name, reason: (error as Error).message, retryable: true, attempts: attempt },
            { cause: error },
          );
        await this.backoff(attempt, signal);
        continue;
      }
      if (queryId === undefined)
        throw new AthenaQueryError({
          reason: 'StartQueryExecution returned no QueryExecutionId',
          retryable: false,
          attempts: attempt,
        });
      const execution = await this.waitFor(queryId, signal);
      const state = execution.Status?.State;
      if (state === 'SUCCEEDED') return { queryId, execution };
      const reason =
        execution.Status?.StateChangeReason ??
        execution.Status?.AthenaError?.ErrorMessage ??
        'no reason given';
      const retryable = isRetryableFailure(reason);
      const details = {
        queryId,
        state,
        errorType: /^[A-Z_]+/.exec(reason)?.[0],
        reason,
        retryable,
        attempts: attempt,
      };
      if (!retryable || attempt >= maxAttempts) throw new AthenaQueryError(details);
      await this.backoff(attempt, signal);
    }
  }

  private async backoff(attempt: number, signal?: AbortSignal): Promise<void> {
    await this.sleep(Math.min(20_000, (this.options.retryBaseMs ?? 1000) * 2 ** (attempt - 1)), signal);
  }

  private async waitFor(queryId: string, signal?: AbortSignal): Promise<QueryExecution> {
    let delay = this.options.pollBaseMs ?? 200;
    for (;;) {
      if (signal?.aborted) {
        // The Lambda is about to run out of time: stop the query so it cannot commit after we are
        // gone (https://docs.aws.amazon.com/athena/latest/APIReference/API_StopQueryExecution.html).
        await this.options.athena.send(new StopQueryExecutionCommand({ QueryExecutionId: queryId }));
        throw new AthenaQueryCancelledError(queryId, { cause: signal.reason });
      }
      let execution: QueryExecution | undefined;
      try {
        execution = (
          await this.options.athena.send(new GetQueryExecutionCommand({ QueryExecutionId: queryId }))
        ).QueryExecution;
      } catch (error) {
        // A throttled poll is just a longer wait.
        if (!THROTTLING.has((error as { name?: string }).name ?? ''))
          throw new AthenaQueryError(
            { queryId, reason: (error as Error).message, retryable: false, attempts: 1 },
            { cause: error },
          );
      }
      const state = execution?.Status?.State;
      if (execution !== undefined && (state === 'SUCCEEDED' || state === 'FAILED' || state === 'CANCELLED'))
        return execution;
      await this.sleep(delay, signal);
      delay = Math.min(5000, Math.ceil(delay * 1.5));
    }
  }
}
