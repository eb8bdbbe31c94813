// Longer than 500 lines on purpose: the four Athena operations share one query table and its
// state machine (token map, states, cutoff, DML concurrency); split, each part would reach into the
// others' state. The DDL mapping, the Trino client and the process are already their own modules.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';

import { assertIdentifier } from '@ddb-athena-sync/schemas/sql-safety';

import { parseAthenaStatement, vacuumStatements } from './athena-ddl.js';
import type { AthenaStatement } from './athena-ddl.js';
import { AthenaDdlError, TrinoQueryError } from './errors.js';
import type { TrinoClient, TrinoColumn, TrinoResult, TrinoStatement } from './trino-client.js';

/**
 * A local stand-in for the Athena query API in front of Trino (Athena engine v3 is Trino). It speaks
 * the AWS JSON 1.1 protocol that @aws-sdk/client-athena uses (POST /, `X-Amz-Target:
 * AmazonAthena.<Operation>`, errors as `{"__type": ..., "Message": ...}`) for the four operations the
 * merger calls, with the semantics of the Athena API reference:
 *
 * - StartQueryExecution (https://docs.aws.amazon.com/athena/latest/APIReference/API_StartQueryExecution.html):
 *   ClientRequestToken makes the call idempotent: "If another StartQueryExecution request is
 *   received, the same response is returned and another query is not created. An error is returned
 *   if a parameter, such as QueryString, has changed." So a token of a FAILED or CANCELLED query
 *   returns that query, for ever. The token is 32-128 characters and required outside the SDKs
 *   (which generate one). QueryString is 1-262,144 bytes
 *   (https://docs.aws.amazon.com/athena/latest/ug/service-limits.html, "Query string length").
 *   Active DML queries beyond the quota get TooManyRequestsException (same page: "query 26 will
 *   result in a TooManyRequestsException error"); so does a second concurrent write to one table,
 *   which this stand-in serialises (see `activeWriter`).
 * - GetQueryExecution: states QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED with StateChangeReason,
 *   AthenaError and Statistics.DataScannedInBytes
 *   (https://docs.aws.amazon.com/athena/latest/APIReference/API_QueryExecutionStatus.html).
 * - GetQueryResults: only for SUCCEEDED queries, pages of at most 1,000 rows, the first row of a
 *   SELECT holding the column names (https://docs.aws.amazon.com/athena/latest/APIReference/API_GetQueryResults.html).
 * - StopQueryExecution: cancels a queued or running query; on a finished one it does nothing.
 * - The workgroup's per-query data usage control: "If any query that runs in the workgroup exceeds
 *   the limit, it is canceled" (https://docs.aws.amazon.com/athena/latest/ug/workgroups-setting-control-limits-cloudwatch.html).
 *
 * DDL is mapped to Trino by athena-ddl.ts (Hive quoting, OPTIMIZE -> `ALTER TABLE ... EXECUTE
 * optimize`, VACUUM -> `expire_snapshots` + `remove_orphan_files`); DML runs on Trino as sent, in the
 * `hive` catalog (which redirects Iceberg tables to the `iceberg` catalog, like one Glue catalog).
 *
 * Not modelled: result files in S3 (results are kept in memory), workgroup settings other than the
 * bytes cutoff, prepared statements and ExecutionParameters, query result reuse, DDL quotas,
 * IAM/Lake Formation, and Athena's own error-type numbers beyond the category.
 */

export interface AthenaStandInOptions {
  readonly trino: TrinoClient;
  /** Trino catalog the queries run in (default `hive`, which redirects Iceberg tables). */
  readonly catalog?: string;
  /** The workgroup's bytes_scanned_cutoff_per_query; undefined = no limit. */
  readonly bytesScannedCutoffPerQuery?: number;
  /** Active DML quota (Athena's default is 20 or more per Region; default here 20). */
  readonly maxActiveDmlQueries?: number;
  /** 0 lets the OS choose. */
  readonly port?: number;
}

export type QueryState = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

interface QueryRecord {
  readonly id: string;
  readonly token: string;
  readonly queryString: string;
  readonly workGroup: string;
  readonly database: string;
  readonly statement: AthenaStatement | AthenaDdlError;
  readonly statementType: 'DDL' | 'DML' | 'UTILITY';
  readonly writes: string | undefined;
  readonly submitted: Date;
  state: QueryState;
  reason?: string;
  error?: { category: number; retryable: boolean; message: string };
  completed?: Date;
  started?: Date;
  scannedBefore: number;
  scanned: number;
  current?: TrinoStatement;
  cancelReason?: string;
  result?: TrinoResult;
}

/** An error answer of the JSON 1.1 protocol. */
class ApiError extends Error {
  constructor(
    readonly type: 'InvalidRequestException' | 'TooManyRequestsException' | 'UnknownOperationException',
    message: string,
    readonly extra: Record<string, string> = {},
  ) {
    super(message);
  }
}

const MAX_QUERY_BYTES = 262_144;

/** Athena's reason for a query over the per-query data usage limit (as Athena words it). */
export const BYTES_SCANNED_CUTOFF_REASON = 'Query cancelled! : Bytes scanned limit was exceeded';

export interface AthenaStandIn {
  /** http://127.0.0.1:<port>: pass as `endpoint` to AthenaClient. */
  readonly endpoint: string;
  /** Number of queries Trino was asked to run (each StartQueryExecution that created a query). */
  readonly queriesCreated: () => number;
  /** Creates a database, as Terraform's aws_glue_catalog_database would before the merger runs. */
  createDatabase(name: string): Promise<void>;
  stop(): Promise<void>;
}

function isWrite(statement: AthenaStatement | AthenaDdlError): boolean {
  if (statement instanceof AthenaDdlError) return false;
  return (
    statement.kind === 'optimize' ||
    statement.kind === 'vacuum' ||
    (statement.kind === 'dml' && statement.writes !== undefined)
  );
}

function statementType(statement: AthenaStatement | AthenaDdlError, sql: string): 'DDL' | 'DML' | 'UTILITY' {
  if (statement instanceof AthenaDdlError)
    return /^\s*(CREATE|OPTIMIZE|VACUUM|ALTER|DROP)/i.test(sql) ? 'DDL' : 'DML';
  if (statement.kind === 'dml') return /^\s*(SHOW|DESCRIBE|EXPLAIN)/i.test(sql) ? 'UTILITY' : 'DML';
  return statement.kind === 'optimize' || statement.kind === 'vacuum' ? 'DML' : 'DDL';
}

function writeKey(statement: AthenaStatement, database: string): string | undefined {
  const table =
    statement.kind === 'dml'
      ? statement.writes
      : statement.kind === 'optimize' || statement.kind === 'vacuum'
        ? statement.table
        : undefined;
  if (table === undefined) return undefined;
  const [a, b] = table.split('.');
  return b === undefined ? `${database}.${a}` : a === '' ? `${database}.${b}` : table;
}

/** Trino error category -> Athena's ErrorCategory (1 system, 2 user, 3 other). */
function category(error: TrinoQueryError): number {
  if (error.errorType === 'USER_ERROR') return 2;
  if (error.errorType === 'INTERNAL_ERROR') return 1;
  return 3;
}

/** Trino's JSON value of a column -> Athena's VarCharValue text (arrays `[a, b]`, rows `{f=v}`). */
function render(value: unknown, type: TypeSignature | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  const raw = type?.rawType;
  if (raw === 'array' && Array.isArray(value)) {
    const element = typeArgument(type, 0);
    return `[${value.map((v) => render(v, element) ?? 'null').join(', ')}]`;
  }
  if (raw === 'row' && Array.isArray(value)) {
    const fields = type?.arguments ?? [];
    return `{${value.map((v, i) => `${namedField(fields[i])}=${render(v, fieldType(fields[i])) ?? 'null'}`).join(', ')}}`;
  }
  if (raw === 'map' && typeof value === 'object') {
    const valueType = typeArgument(type, 1);
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${k}=${render(v, valueType) ?? 'null'}`)
      .join(', ')}}`;
  }
  if (raw === 'varbinary' && typeof value === 'string')
    return [...Buffer.from(value, 'base64')].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  // Numbers arrive as their text (trino-client.ts parses losslessly); booleans print as Athena does.
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  return JSON.stringify(value);
}

interface TypeSignature {
  rawType: string;
  arguments?: { kind: string; value: unknown }[];
}

function typeArgument(type: TypeSignature | undefined, i: number): TypeSignature | undefined {
  const arg = type?.arguments?.[i];
  return arg?.kind === 'TYPE' ? (arg.value as TypeSignature) : undefined;
}

function namedField(arg: { kind: string; value: unknown } | undefined): string {
  const v = arg?.value as { fieldName?: { name?: string } } | undefined;
  return v?.fieldName?.name ?? '';
}

function fieldType(arg: { kind: string; value: unknown } | undefined): TypeSignature | undefined {
  return (arg?.value as { typeSignature?: TypeSignature } | undefined)?.typeSignature;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startAthenaStandIn(options: AthenaStandInOptions): Promise<AthenaStandIn> {
  const trino = options.trino;
  const catalog = options.catalog ?? 'hive';
  const maxDml = options.maxActiveDmlQueries ?? 20;
  const queries = new Map<string, QueryRecord>();
  const byToken = new Map<string, QueryRecord>();
  const tableProperties = new Map<string, Readonly<Record<string, string>>>();
  let created = 0;

  const active = (): QueryRecord[] =>
    [...queries.values()].filter((q) => q.state === 'QUEUED' || q.state === 'RUNNING');

  async function runOnTrino(record: QueryRecord, sql: string): Promise<TrinoResult> {
    const statement = trino.start(sql, { catalog, schema: record.database }, (stats) => {
      record.scanned = record.scannedBefore + stats.physicalInputBytes;
      const cutoff = options.bytesScannedCutoffPerQuery;
      if (cutoff !== undefined && record.scanned > cutoff && record.cancelReason === undefined) {
        record.cancelReason = BYTES_SCANNED_CUTOFF_REASON;
        void statement.cancel();
      }
    });
    record.current = statement;
    if (record.cancelReason !== undefined) await statement.cancel();
    const result = await statement.result;
    record.scannedBefore += result.stats.physicalInputBytes;
    record.scanned = record.scannedBefore;
    // Trino's statistics arrive in steps: a query can end before any progress report showed its
    // bytes over the limit (a CI run saw SUCCEEDED for the 1-byte workgroup). Athena cancels every
    // query that exceeds the per-query limit (Athena User Guide, "Configure per-query and
    // per-workgroup data usage controls"), so the end is the same.
    const cutoff = options.bytesScannedCutoffPerQuery;
    if (cutoff !== undefined && record.scanned > cutoff && record.cancelReason === undefined)
      record.cancelReason = BYTES_SCANNED_CUTOFF_REASON;
    return result;
  }

  async function execute(record: QueryRecord): Promise<void> {
    // QUEUED until the next turn of the event loop, as Athena queues before it runs.
    await new Promise((r) => setImmediate(r));
    if (record.cancelReason !== undefined) return finish(record, 'CANCELLED', record.cancelReason);
    record.state = 'RUNNING';
    record.started = new Date();
    const statement = record.statement;
    try {
      if (statement instanceof AthenaDdlError) throw statement;
      switch (statement.kind) {
        case 'dml':
          record.result = await runOnTrino(record, statement.sql);
          break;
        case 'create-iceberg':
          record.result = await runOnTrino(record, statement.trino);
          tableProperties.set(
            writeKey({ kind: 'optimize', table: statement.table, trino: '' }, record.database)!,
            statement.properties,
          );
          break;
        case 'create-external':
        case 'create-database':
        case 'optimize':
          record.result = await runOnTrino(record, statement.trino);
          break;
        case 'add-columns':
          for (const sql of statement.trino) record.result = await runOnTrino(record, sql);
          break;
        case 'vacuum': {
          const key = writeKey(statement, record.database)!;
          const age = Number(tableProperties.get(key)?.vacuum_max_snapshot_age_seconds ?? 432_000);
          for (const sql of vacuumStatements(statement, age)) record.result = await runOnTrino(record, sql);
          break;
        }
      }
      // Over the cutoff: CANCELLED even when Trino got to the end first (see runOnTrino). A
      // StopQueryExecution that arrived as the query ended leaves it SUCCEEDED, as on Athena.
      if (record.cancelReason === BYTES_SCANNED_CUTOFF_REASON)
        return finish(record, 'CANCELLED', record.cancelReason);
      finish(record, 'SUCCEEDED');
    } catch (error) {
      if (record.cancelReason !== undefined) return finish(record, 'CANCELLED', record.cancelReason);
      if (error instanceof TrinoQueryError) {
        // Athena's reasons start with the engine's error name, e.g. "ICEBERG_COMMIT_ERROR: ...".
        const message = `${error.errorName}: ${error.message.replace(/^[A-Z_]+: /, '')}`;
        record.error = {
          category: category(error),
          retryable: /ICEBERG_COMMIT_ERROR/.test(error.errorName),
          message,
        };
        return finish(record, 'FAILED', message);
      }
      const message =
        error instanceof AthenaDdlError ? error.message : `INTERNAL_ERROR: ${(error as Error).message}`;
      record.error = { category: error instanceof AthenaDdlError ? 2 : 1, retryable: false, message };
      finish(record, 'FAILED', message);
    }
  }

  function finish(record: QueryRecord, state: QueryState, reason?: string): void {
    record.state = state;
    if (reason !== undefined) record.reason = reason;
    record.completed = new Date();
    record.current = undefined;
  }

  function startQuery(input: Record<string, unknown>): { QueryExecutionId: string } {
    const queryString = input.QueryString;
    if (typeof queryString !== 'string' || queryString.length === 0)
      throw new ApiError(
        'InvalidRequestException',
        "1 validation error detected: Value at 'queryString' failed to satisfy constraint: Member must have length greater than or equal to 1",
      );
    if (Buffer.byteLength(queryString, 'utf8') > MAX_QUERY_BYTES)
      throw new ApiError(
        'InvalidRequestException',
        `1 validation error detected: Value at 'queryString' failed to satisfy constraint: Member must have length less than or equal to ${MAX_QUERY_BYTES}`,
      );
    const token = input.ClientRequestToken;
    if (typeof token !== 'string')
      throw new ApiError(
        'InvalidRequestException',
        'ClientRequestToken is required outside the AWS SDKs, which generate one',
      );
    if (token.length < 32 || token.length > 128)
      throw new ApiError(
        'InvalidRequestException',
        `1 validation error detected: Value at 'clientRequestToken' failed to satisfy constraint: Member must have length between 32 and 128`,
      );
    const workGroup = typeof input.WorkGroup === 'string' ? input.WorkGroup : 'primary';
    const context = (input.QueryExecutionContext ?? {}) as { Database?: string };
    const database = (context.Database ?? 'default').toLowerCase();
    const previous = byToken.get(token);
    if (previous !== undefined) {
      // Same token: the same query, whatever state it is in, unless a parameter changed.
      if (
        previous.queryString !== queryString ||
        previous.workGroup !== workGroup ||
        previous.database !== database
      )
        throw new ApiError(
          'InvalidRequestException',
          'Idempotent parameters do not match: the ClientRequestToken was used with a different QueryString, WorkGroup or QueryExecutionContext',
        );
      return { QueryExecutionId: previous.id };
    }
    let statement: AthenaStatement | AthenaDdlError;
    try {
      statement = parseAthenaStatement(queryString);
    } catch (error) {
      if (!(error instanceof AthenaDdlError)) throw error;
      statement = error;
    }
    const type = statementType(statement, queryString);
    const writes = statement instanceof AthenaDdlError ? undefined : writeKey(statement, database);
    const running = active();
    if (type === 'DML' && running.filter((q) => q.statementType === 'DML').length >= maxDml)
      throw new ApiError(
        'TooManyRequestsException',
        'You have exceeded the limit for the number of queries you can run concurrently. Reduce the number of concurrent queries submitted by this account.',
        { Reason: 'CONCURRENT_QUERY_LIMIT_EXCEEDED' },
      );
    // One writer per table: Trino's file metastore commits Iceberg snapshots without Glue's
    // optimistic lock, so two concurrent writers could both commit; Athena would fail the loser
    // with ICEBERG_COMMIT_ERROR. Refusing the second writer up front keeps commits serial, and the
    // caller sees Athena's throttling error, which it must retry anyway.
    if (writes !== undefined && isWrite(statement) && running.some((q) => q.writes === writes))
      throw new ApiError(
        'TooManyRequestsException',
        `Another query is writing to table ${writes}; retry later.`,
        { Reason: 'CONCURRENT_QUERY_LIMIT_EXCEEDED' },
      );
    const record: QueryRecord = {
      id: randomUUID(),
      token,
      queryString,
      workGroup,
      database,
      statement,
      statementType: type,
      writes: isWrite(statement) ? writes : undefined,
      submitted: new Date(),
      state: 'QUEUED',
      scannedBefore: 0,
      scanned: 0,
    };
    queries.set(record.id, record);
    byToken.set(token, record);
    created++;
    void execute(record);
    return { QueryExecutionId: record.id };
  }

  function find(input: Record<string, unknown>): QueryRecord {
    const id = input.QueryExecutionId;
    const record = typeof id === 'string' ? queries.get(id) : undefined;
    if (record === undefined)
      throw new ApiError('InvalidRequestException', `QueryExecution ${String(id)} was not found`, {
        AthenaErrorCode: 'INVALID_INPUT',
      });
    return record;
  }

  function describe(record: QueryRecord): Record<string, unknown> {
    const seconds = (d: Date | undefined): number | undefined =>
      d === undefined ? undefined : d.getTime() / 1000;
    const end = record.completed ?? new Date();
    return {
      QueryExecutionId: record.id,
      Query: record.queryString,
      StatementType: record.statementType,
      WorkGroup: record.workGroup,
      QueryExecutionContext: { Database: record.database, Catalog: 'AwsDataCatalog' },
      EngineVersion: {
        SelectedEngineVersion: 'Athena engine version 3',
        EffectiveEngineVersion: 'Athena engine version 3',
      },
      Status: {
        State: record.state,
        ...(record.reason === undefined ? {} : { StateChangeReason: record.reason }),
        SubmissionDateTime: seconds(record.submitted),
        ...(record.completed === undefined ? {} : { CompletionDateTime: seconds(record.completed) }),
        ...(record.error === undefined
          ? {}
          : {
              AthenaError: {
                ErrorCategory: record.error.category,
                Retryable: record.error.retryable,
                ErrorMessage: record.error.message,
              },
            }),
      },
      Statistics: {
        DataScannedInBytes: record.scanned,
        TotalExecutionTimeInMillis: end.getTime() - record.submitted.getTime(),
        EngineExecutionTimeInMillis:
          record.started === undefined ? 0 : end.getTime() - record.started.getTime(),
        QueryQueueTimeInMillis: (record.started ?? end).getTime() - record.submitted.getTime(),
      },
    };
  }

  function results(input: Record<string, unknown>): Record<string, unknown> {
    const record = find(input);
    if (record.state === 'QUEUED' || record.state === 'RUNNING')
      throw new ApiError(
        'InvalidRequestException',
        `Query has not yet finished. Current state: ${record.state}`,
        { AthenaErrorCode: 'INVALID_INPUT' },
      );
    if (record.state !== 'SUCCEEDED')
      throw new ApiError(
        'InvalidRequestException',
        `Query did not finish successfully. Final query state: ${record.state}`,
        { AthenaErrorCode: 'INVALID_INPUT' },
      );
    const result = record.result;
    const isSelect = result !== undefined && result.updateType === undefined && result.columns.length > 0;
    const columns: readonly TrinoColumn[] = isSelect ? result.columns : [];
    const maxResults = Math.min(1000, typeof input.MaxResults === 'number' ? input.MaxResults : 1000);
    const all: (string | undefined)[][] = [
      // The first row of a SELECT's results holds the column names.
      ...(isSelect ? [columns.map((c) => c.name)] : []),
      ...(isSelect
        ? result.rows.map((row) =>
            row.map((v, i) => render(v, columns[i]?.typeSignature as TypeSignature | undefined)),
          )
        : []),
    ];
    const offset =
      typeof input.NextToken === 'string' ? Number(Buffer.from(input.NextToken, 'base64url').toString()) : 0;
    if (!Number.isInteger(offset) || offset < 0 || offset > all.length)
      throw new ApiError('InvalidRequestException', 'NextToken is not valid');
    const page = all.slice(offset, offset + maxResults);
    const next =
      offset + maxResults < all.length
        ? Buffer.from(String(offset + maxResults)).toString('base64url')
        : undefined;
    return {
      ...(result?.updateCount === undefined ? {} : { UpdateCount: result.updateCount }),
      ResultSet: {
        Rows: page.map((row) => ({ Data: row.map((v) => (v === undefined ? {} : { VarCharValue: v })) })),
        ResultSetMetadata: {
          ColumnInfo: columns.map((c) => ({
            CatalogName: 'hive',
            SchemaName: record.database,
            TableName: '',
            Name: c.name,
            Label: c.name,
            Type: (c.typeSignature as TypeSignature | undefined)?.rawType ?? c.type,
            Nullable: 'UNKNOWN',
            CaseSensitive: c.type.startsWith('varchar'),
          })),
        },
      },
      ...(next === undefined ? {} : { NextToken: next }),
    };
  }

  async function stopQuery(input: Record<string, unknown>): Promise<Record<string, never>> {
    const record = find(input);
    if (record.state === 'QUEUED' || record.state === 'RUNNING') {
      record.cancelReason ??= 'Query was cancelled by user';
      await record.current?.cancel();
    }
    return {};
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = String(req.headers['x-amz-target'] ?? '');
    let status = 200;
    let body: unknown;
    try {
      const text = await readBody(req);
      const input = (text === '' ? {} : JSON.parse(text)) as Record<string, unknown>;
      switch (target) {
        case 'AmazonAthena.StartQueryExecution':
          body = startQuery(input);
          break;
        case 'AmazonAthena.GetQueryExecution':
          body = { QueryExecution: describe(find(input)) };
          break;
        case 'AmazonAthena.GetQueryResults':
          body = results(input);
          break;
        case 'AmazonAthena.StopQueryExecution':
          body = await stopQuery(input);
          break;
        default:
          throw new ApiError(
            'UnknownOperationException',
            `Operation ${target} is not modelled by the Athena stand-in`,
          );
      }
    } catch (error) {
      status = 400;
      if (error instanceof ApiError) {
        body = { __type: error.type, Message: error.message, ...error.extra };
        res.setHeader('x-amzn-ErrorType', error.type);
      } else {
        status = 500;
        body = { __type: 'InternalServerException', Message: (error as Error).message };
      }
    }
    const payload = JSON.stringify(body);
    res.writeHead(status, {
      'Content-Type': 'application/x-amz-json-1.1',
      'Content-Length': Buffer.byteLength(payload),
      'x-amzn-RequestId': randomUUID(),
    });
    res.end(payload);
  }

  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    queriesCreated: () => created,
    createDatabase: async (name) => {
      await trino.query(
        `CREATE SCHEMA IF NOT EXISTS "${assertIdentifier(catalog)}"."${assertIdentifier(name)}"`,
      );
    },
    stop: async () => {
      for (const q of active()) {
        q.cancelReason ??= 'Query was cancelled by user';
        await q.current?.cancel();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
