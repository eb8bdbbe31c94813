import { parse } from 'lossless-json';

import { TrinoQueryError } from './errors.js';

/**
 * Trino's client REST protocol (https://trino.io/docs/current/develop/client-protocol.html): POST the
 * statement to /v1/statement, then GET each `nextUri` until there is none; `data` arrives in pieces
 * along the way, `stats` and `error` on every response; a DELETE on `nextUri` cancels the query.
 * Written on fetch rather than the `trino-client` package: the stand-in needs the query id at once,
 * the live statistics (bytes read, for the bytes-scanned cutoff) and cancellation mid-query, in about
 * a hundred lines.
 */

export interface TrinoSession {
  readonly catalog?: string;
  readonly schema?: string;
  /** Session properties (`X-Trino-Session`), e.g. `iceberg.expire_snapshots_min_retention`. */
  readonly properties?: Readonly<Record<string, string>>;
}

export interface TrinoColumn {
  readonly name: string;
  /** Trino type, e.g. `decimal(38,9)`, `array(varchar)`. */
  readonly type: string;
  /** The same type as a tree (row field names, element types), as the protocol sends it. */
  readonly typeSignature?: unknown;
}

/**
 * Trino sends bigint values as JSON numbers; JSON.parse would round those above 2^53. Numbers are
 * kept as their decimal text instead (Athena's GetQueryResults returns every value as text anyway).
 */
async function readJson(response: Response): Promise<StatementResponse> {
  return parse(await response.text(), undefined, (text) => text) as StatementResponse;
}

export interface TrinoStats {
  readonly state: string;
  /** Bytes read from storage so far (what Athena reports as DataScannedInBytes). */
  readonly physicalInputBytes: number;
  readonly elapsedTimeMillis: number;
  readonly queuedTimeMillis: number;
}

export interface TrinoResult {
  readonly queryId: string;
  readonly columns: readonly TrinoColumn[];
  readonly rows: readonly (readonly unknown[])[];
  readonly updateType: string | undefined;
  readonly updateCount: number | undefined;
  readonly stats: TrinoStats;
}

interface StatementResponse {
  id: string;
  nextUri?: string;
  columns?: { name: string; type: string; typeSignature?: unknown }[];
  data?: unknown[][];
  updateType?: string;
  updateCount?: number;
  stats?: Partial<TrinoStats>;
  error?: { message?: string; errorName?: string; errorType?: string };
}

function stats(response: StatementResponse): TrinoStats {
  return {
    state: response.stats?.state ?? 'UNKNOWN',
    physicalInputBytes: Number(response.stats?.physicalInputBytes ?? 0),
    elapsedTimeMillis: Number(response.stats?.elapsedTimeMillis ?? 0),
    queuedTimeMillis: Number(response.stats?.queuedTimeMillis ?? 0),
  };
}

/** One running statement. `result` settles when Trino is done with it (or it was cancelled). */
export class TrinoStatement {
  private nextUri: string | undefined;
  private cancelled = false;
  private latest: TrinoStats = {
    state: 'QUEUED',
    physicalInputBytes: 0,
    elapsedTimeMillis: 0,
    queuedTimeMillis: 0,
  };
  readonly result: Promise<TrinoResult>;
  private queryIdValue: string | undefined;

  constructor(
    private readonly baseUrl: string,
    sql: string,
    session: TrinoSession,
    private readonly onProgress?: (stats: TrinoStats) => void,
  ) {
    this.result = this.run(sql, session);
    // The owner awaits `result`; this only keeps an unawaited failure from being reported twice.
    this.result.catch(() => undefined);
  }

  get queryId(): string | undefined {
    return this.queryIdValue;
  }

  get stats(): TrinoStats {
    return this.latest;
  }

  /** Asks Trino to cancel the query (DELETE on nextUri); `result` then rejects with USER_CANCELED. */
  async cancel(): Promise<void> {
    this.cancelled = true;
    const uri = this.nextUri;
    if (uri !== undefined)
      await fetch(uri, { method: 'DELETE', headers: headers({}) }).catch(() => undefined);
  }

  private async run(sql: string, session: TrinoSession): Promise<TrinoResult> {
    let response = await readJson(
      await fetch(`${this.baseUrl}/v1/statement`, { method: 'POST', headers: headers(session), body: sql }),
    );
    this.queryIdValue = response.id;
    let columns: TrinoColumn[] = [];
    const rows: unknown[][] = [];
    for (;;) {
      if (response.columns !== undefined)
        columns = response.columns.map((c) => ({
          name: c.name,
          type: c.type,
          typeSignature: c.typeSignature,
        }));
      if (response.data !== undefined) rows.push(...response.data);
      this.latest = stats(response);
      this.onProgress?.(this.latest);
      if (response.error !== undefined)
        throw new TrinoQueryError({
          message: response.error.message ?? 'no message',
          errorName: response.error.errorName ?? 'UNKNOWN',
          errorType: response.error.errorType ?? 'UNKNOWN',
          queryId: response.id,
        });
      this.nextUri = response.nextUri;
      if (response.nextUri === undefined)
        return {
          queryId: response.id,
          columns,
          rows,
          updateType: response.updateType,
          updateCount: response.updateCount === undefined ? undefined : Number(response.updateCount),
          stats: this.latest,
        };
      if (this.cancelled) {
        await fetch(response.nextUri, { method: 'DELETE', headers: headers({}) }).catch(() => undefined);
        throw new TrinoQueryError({
          message: 'Query was canceled',
          errorName: 'USER_CANCELED',
          errorType: 'USER_ERROR',
          queryId: response.id,
        });
      }
      const next = await fetch(response.nextUri, { headers: headers({}) });
      // 503 means "busy, ask again" (client protocol); anything else non-2xx is a failure.
      if (next.status === 503) continue;
      if (!next.ok)
        throw new TrinoQueryError({
          message: `HTTP ${next.status} from ${response.nextUri}`,
          errorName: 'HTTP_ERROR',
          errorType: 'EXTERNAL',
          queryId: response.id,
        });
      response = await readJson(next);
    }
  }
}

function headers(session: TrinoSession): Record<string, string> {
  const h: Record<string, string> = {
    'X-Trino-User': 'athena-local',
    'X-Trino-Source': 'ddb-athena-sync',
    // Without this capability Trino rounds timestamp(6) values to milliseconds in its answers.
    'X-Trino-Client-Capabilities': 'PARAMETRIC_DATETIME',
  };
  if (session.catalog !== undefined) h['X-Trino-Catalog'] = session.catalog;
  if (session.schema !== undefined) h['X-Trino-Schema'] = session.schema;
  const properties = Object.entries(session.properties ?? {});
  if (properties.length > 0)
    h['X-Trino-Session'] = properties.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join(',');
  return h;
}

/** A Trino coordinator at `baseUrl` (http://127.0.0.1:<port>). */
export class TrinoClient {
  constructor(readonly baseUrl: string) {}

  start(sql: string, session: TrinoSession = {}, onProgress?: (stats: TrinoStats) => void): TrinoStatement {
    return new TrinoStatement(this.baseUrl, sql, session, onProgress);
  }

  async query(sql: string, session: TrinoSession = {}): Promise<TrinoResult> {
    return this.start(sql, session).result;
  }
}
