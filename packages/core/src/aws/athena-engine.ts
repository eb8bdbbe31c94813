import { createHash, randomUUID } from 'node:crypto';

import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import type { AthenaClient, QueryExecution } from '@aws-sdk/client-athena';
import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';
import { stagingTableName } from '@ddb-athena-sync/schemas/render-ddl';

import type {
  MaintenanceOptions,
  MaintenanceResult,
  MergeAttempt,
  MergeBatch,
  MergeEngine,
  MergeResult,
} from '../merge/engine.js';
import { athenaDialect } from '../sql/dialect.js';
import { renderAppend } from '../sql/render-append.js';
import { renderMerge } from '../sql/render-merge.js';
import {
  DEFAULT_TOMBSTONE_RETENTION_MS,
  renderTombstoneCreate,
  renderTombstoneExpiry,
  renderTombstoneMerge,
  tombstoneTableName,
} from '../sql/render-tombstones.js';
import {
  recentPartitions,
  renderCreate,
  renderOptimize,
  renderStaging,
  renderVacuum,
} from '../sql/render-statements.js';
import { AthenaQueryCancelledError, AthenaQueryError } from './athena-errors.js';
import { ensureColumns } from './ensure-columns.js';
import type { TableColumnSource } from './glue-table-columns.js';

export interface AthenaEngineOptions {
  readonly athena: AthenaClient;
  readonly workGroup: string;
  /** Glue database of the Iceberg and staging tables. */
  readonly database: string;
  /** Iceberg table location, `s3://lake/tables/<table>/`. */
  readonly tableLocation: string;
  /** The table's staging prefix as a URI, `s3://lake/staging/<table>/`. */
  readonly stagingLocation: string;
  /**
   * Location of the tombstone table (default: next to the table's, `<tableLocation
   * without its last "/">__tombstones/`).
   */
  readonly tombstoneLocation?: string;
  /** Attempts per query for retryable failures (default 5). */
  readonly maxAttempts?: number;
  /** First retry delay; doubles per attempt up to 20 s (default 1 s). */
  readonly retryBaseMs?: number;
  /** First poll delay; grows by half per poll up to 5 s (default 200 ms). */
  readonly pollBaseMs?: number;
  /** Wall clock, compared with Athena's SubmissionDateTime (default: Date). */
  readonly now?: () => Date;
  /** Injected for tests; resolves early (and harmlessly) when the signal aborts. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /**
   * Where the tables' current columns are read (GlueTableColumns in AWS). When given, every merge
   * first adds the declared columns the tables lack (aws/ensure-columns.ts) or refuses the change;
   * without it the engine cannot see the tables' columns and merges as it is.
   */
  readonly columns?: TableColumnSource;
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

const UNREADABLE_DATA = new Set([
  'HIVE_BAD_DATA',
  'HIVE_CURSOR_ERROR',
  'INVALID_CAST_ARGUMENT',
  'INVALID_FUNCTION_ARGUMENT',
  'NUMERIC_VALUE_OUT_OF_RANGE',
]);

/** Errors after which a StartQueryExecution may or may not have created its query. */
const TRANSIENT = new Set([
  'TimeoutError',
  'RequestTimeout',
  'InternalServerException',
  'ECONNRESET',
  'EPIPE',
]);

/** Identity of a query that must run at most once per attempt (see `execute`). */
export interface QueryIdentity {
  /** The batch id (the journal's). */
  readonly key: string;
  /** The journal's attempt counter; absent: counted in memory for this call only. */
  readonly attempt?: MergeAttempt;
}

/**
 * The ClientRequestToken of one statement of one attempt of one batch: a SHA-256 in hex, 64
 * characters, inside the 32-128 the API reference allows.
 */
export function queryToken(key: string, attempt: number, sql: string): string {
  return createHash('sha256').update(`${key}\n${attempt}\n${sql}`).digest('hex');
}

/** An attempt counter kept in memory, for queries outside the journal. */
function localAttempt(): MergeAttempt {
  let current = 1;
  return {
    get current() {
      return current;
    },
    next: () => Promise.resolve(++current),
  };
}

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
  private readonly options: AthenaEngineOptions;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Declarations whose columns the tables were seen to have: checked once per warm container. */
  private readonly columnsChecked = new Set<string>();

  constructor(options: AthenaEngineOptions) {
    this.options = options;
    this.sleep = options.sleep ?? defaultSleep;
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  private get target() {
    return {
      database: this.options.database,
      tableLocation: this.options.tableLocation,
      stagingLocation: this.options.stagingLocation,
    };
  }

  private get tombstoneLocation(): string {
    return this.options.tombstoneLocation ?? `${this.options.tableLocation.replace(/\/+$/, '')}__tombstones/`;
  }

  async ensureTable(table: TableDeclaration): Promise<void> {
    // DDL is free in Athena; every statement is IF NOT EXISTS.
    for (const sql of [
      ...renderCreate(table, athenaDialect, this.target),
      // An append table has no deletes, so no tombstones (DESIGN.md, "Mode append").
      ...(table.mode === 'append'
        ? []
        : [
            renderTombstoneCreate(table, athenaDialect, {
              database: this.options.database,
              location: this.tombstoneLocation,
            }),
          ]),
      ...renderStaging(table, athenaDialect, this.target, []),
    ])
      await this.execute(sql);
  }

  /** Schema evolution before a merge (aws/ensure-columns.ts), once per declaration and engine. */
  private async ensureDeclaredColumns(table: TableDeclaration, signal?: AbortSignal): Promise<void> {
    const source = this.options.columns;
    if (source === undefined) return;
    const key = JSON.stringify([table.name, table.columns, table.unknownAttributes]);
    if (this.columnsChecked.has(key)) return;
    await ensureColumns(table, {
      columns: source,
      dialect: athenaDialect,
      database: this.options.database,
      run: (sql) => this.execute(sql, signal),
    });
    this.columnsChecked.add(key);
  }

  async merge(batch: MergeBatch, signal?: AbortSignal): Promise<MergeResult> {
    await this.ensureDeclaredColumns(batch.table, signal);
    const plan = {
      table: batch.table,
      target: { database: this.options.database, name: batch.table.name },
      stagingTable: { database: this.options.database, name: stagingTableName(batch.table) },
      tombstones: { database: this.options.database, name: tombstoneTableName(batch.table) },
      // Sorted, so that a replay of the batch renders the very same statements (see below).
      files: batch.objects.map((o) => `s3://${batch.bucket}/${o.key}`).sort(),
      // The ON clause then reads only the partitions the batch touches (sql/partition-bounds.ts).
      ...(batch.partitionBounds === undefined ? {} : { bounds: batch.partitionBounds }),
    };
    // A merger killed mid-query (Lambda timeout) leaves its query running; the next run replays the
    // journal's batch with the same id and attempt, so the same token returns the orphan and the
    // replay waits for it instead of racing it (see `execute` for the token scheme). Each statement
    // has its own token (the SQL text is part of it).
    const identity =
      batch.batchId === undefined
        ? undefined
        : { key: batch.batchId, ...(batch.attempt === undefined ? {} : { attempt: batch.attempt }) };
    if (batch.table.mode === 'append') {
      // One insert-only statement, idempotent under replay (sql/render-append.ts), with its token.
      const { queryId, execution } = await this.execute(renderAppend(plan, athenaDialect), signal, identity);
      const scanned = execution.Statistics?.DataScannedInBytes;
      return { queryId, ...(scanned === undefined ? {} : { bytesScanned: scanned }) };
    }
    // Statement 1: the batch's tombstones, so that statement 2 can drop every change older than a
    // merged delete (sql/render-tombstones.ts). Both are idempotent under replay.
    const tombstones = await this.execute(renderTombstoneMerge(plan, athenaDialect), signal, identity);
    const { queryId, execution } = await this.execute(renderMerge(plan, athenaDialect), signal, identity);
    const scanned =
      (tombstones.execution.Statistics?.DataScannedInBytes ?? 0) +
      (execution.Statistics?.DataScannedInBytes ?? 0);
    return {
      queryId,
      ...(execution.Statistics?.DataScannedInBytes === undefined ? {} : { bytesScanned: scanned }),
    };
  }

  async maintain(
    table: TableDeclaration,
    options: MaintenanceOptions,
    signal?: AbortSignal,
  ): Promise<MaintenanceResult> {
    // Snapshot age and retention are table properties set at creation
    // (vacuum_max_snapshot_age_seconds, vacuum_min_snapshots_to_keep): VACUUM takes no arguments.
    // Only the recently written partitions: "The REWRITE DATA action uses predicates to select for
    // files that contain matching rows", and only partition columns may appear in the predicate
    // (Athena user guide, OPTIMIZE, https://docs.aws.amazon.com/athena/latest/ug/optimize-statement.html).
    // recentPartitions gives a window only for a year/month/day/hour partitioning.
    const window =
      options.compactSince === undefined ? undefined : recentPartitions(table, options.compactSince);
    const optimize = await this.execute(renderOptimize(table, athenaDialect, this.target, window), signal);
    const vacuum = await this.execute(renderVacuum(table, athenaDialect, this.target), signal);
    if (table.mode === 'append') return { optimized: true, queryIds: [optimize.queryId, vacuum.queryId] };
    // Tombstones older than any possible redelivery are dropped (Athena DELETE on Iceberg:
    // https://docs.aws.amazon.com/athena/latest/ug/querying-iceberg-delete.html).
    const retention = options.tombstoneRetentionMs ?? DEFAULT_TOMBSTONE_RETENTION_MS;
    const expiry = await this.execute(
      renderTombstoneExpiry(
        table,
        athenaDialect,
        this.options.database,
        new Date(options.now.getTime() - retention),
      ),
      signal,
    );
    return { optimized: true, queryIds: [optimize.queryId, vacuum.queryId, expiry.queryId] };
  }

  /**
   * Data errors of a failed query: the staged JSON could not be read (HIVE_BAD_DATA,
   * HIVE_CURSOR_ERROR) or a staged value does not convert to its column type
   * (INVALID_CAST_ARGUMENT, INVALID_FUNCTION_ARGUMENT, NUMERIC_VALUE_OUT_OF_RANGE)
   * (https://docs.aws.amazon.com/athena/latest/ug/troubleshooting-athena.html; the Trino codes are
   * io.trino.spi.StandardErrorCode, the Hive ones io.trino.plugin.hive.HiveErrorCode).
   */
  isUnreadableData(error: unknown): boolean {
    return (
      error instanceof AthenaQueryError &&
      error.state === 'FAILED' &&
      error.errorType !== undefined &&
      UNREADABLE_DATA.has(error.errorType)
    );
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

  /**
   * StartQueryExecution, poll with backoff, retry retryable failures, stop the query on abort.
   *
   * Tokens (StartQueryExecution API reference, ClientRequestToken,
   * https://docs.aws.amazon.com/athena/latest/APIReference/API_StartQueryExecution.html): a repeated
   * token returns the query it first created, in whatever state it is now, and creates no new one;
   * the same token with another QueryString is an error. So the token of a query is
   * `queryToken(batch id, attempt, SQL text)`:
   *
   * - a StartQueryExecution retried after a lost response or throttling sends the same token: at
   *   most one query per attempt, and a replay after a killed merger waits for the orphan;
   * - the attempt is the journal's (MergeAttempt): once a query of the attempt is seen CANCELLED or
   *   FAILED, the attempt is raised in the journal BEFORE another query starts, so a dead query's
   *   token is never sent again and a cancelled MERGE cannot come back on every later run;
   * - the SQL text is in the hash, so a replay whose statement changed (a deploy between the crash
   *   and the replay) gets a new token instead of Athena's parameter-mismatch error.
   *
   * Without an identity (DDL, maintenance) the call draws a random key: its own retries of
   * StartQueryExecution stay idempotent and nothing outlives the call.
   */
  async execute(sql: string, signal?: AbortSignal, identity?: QueryIdentity): Promise<QueryOutcome> {
    const maxAttempts = this.options.maxAttempts ?? 5;
    const key = identity?.key ?? randomUUID();
    const counter: MergeAttempt = identity?.attempt ?? localAttempt();
    const callStarted = this.now();
    let inheritedSeen = false;
    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted) throw new AthenaQueryCancelledError(undefined, { cause: signal.reason });
      const queryId = await this.start(sql, queryToken(key, counter.current, sql), signal);
      const execution = await this.waitFor(queryId, signal);
      const state = execution.Status?.State;
      if (state === 'SUCCEEDED') return { queryId, execution };
      // This token's query is dead for ever: raise the attempt before any other query starts.
      await counter.next();
      const submitted = execution.Status?.SubmissionDateTime;
      if (!inheritedSeen && submitted !== undefined && submitted.getTime() < callStarted.getTime()) {
        // A query an earlier run started and that ended before this call (our own deadline stop,
        // the workgroup's cutoff): not a failure of this call, so it neither counts nor fails it.
        // Once per call, so a clock skew between us and Athena cannot loop.
        inheritedSeen = true;
        attempt--;
        continue;
      }
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

  /**
   * StartQueryExecution with the given token, retried on throttling and on transient errors (a
   * lost response, a 5xx): the token makes the retry return the query the first request may have
   * created instead of creating a second one.
   */
  private async start(sql: string, token: string, signal?: AbortSignal): Promise<string> {
    const maxAttempts = this.options.maxAttempts ?? 5;
    for (let attempt = 1; ; attempt++) {
      let queryId: string | undefined;
      try {
        const started = await this.options.athena.send(
          new StartQueryExecutionCommand({
            QueryString: sql,
            WorkGroup: this.options.workGroup,
            QueryExecutionContext: { Database: this.options.database },
            ClientRequestToken: token,
          }),
        );
        queryId = started.QueryExecutionId;
      } catch (error) {
        const name = (error as { name?: string }).name ?? '';
        const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        const transient =
          THROTTLING.has(name) || TRANSIENT.has(name) || (status !== undefined && status >= 500);
        if (!transient || attempt >= maxAttempts)
          throw new AthenaQueryError(
            { errorType: name, reason: (error as Error).message, retryable: transient, attempts: attempt },
            { cause: error },
          );
        await this.backoff(attempt, signal);
        if (signal?.aborted) throw new AthenaQueryCancelledError(undefined, { cause: signal.reason });
        continue;
      }
      if (queryId === undefined)
        throw new AthenaQueryError({
          reason: 'StartQueryExecution returned no QueryExecutionId',
          retryable: false,
          attempts: attempt,
        });
      return queryId;
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
