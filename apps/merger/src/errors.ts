/** Base class of the merger app's errors. */
export class MergerError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The environment is missing keys or has bad values: every problem, in one message. */
export class ConfigError extends MergerError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`invalid merger environment: ${problems.join('; ')}`);
    this.problems = problems;
  }
}

/** The Scheduler event is not `{table, action: "merge" | "maintain"}` for this function's table. */
export class BadEventError extends MergerError {}

/**
 * A merger run failed. The message names the table, the action and the failure's class, Athena
 * error type and query id, and nothing else: an engine's own message can quote the staged value
 * that did not fit (Athena's INVALID_CAST_ARGUMENT, DuckDB's conversion errors), and Lambda logs
 * the message of every error a handler throws. The original error is kept as `cause`.
 */
export class MergerRunError extends MergerError {
  readonly table: string;
  readonly action: string;
  readonly errorName: string;
  readonly errorType: string | undefined;
  readonly queryId: string | undefined;

  constructor(table: string, action: string, cause: unknown) {
    const fields = describeFailure(cause);
    super(
      `${action} of table "${table}" failed: ${fields.errorName}${fields.errorType === undefined ? '' : ` (${fields.errorType})`}${fields.queryId === undefined ? '' : ` in query ${fields.queryId}`}; the batch stays staged`,
      { cause },
    );
    this.table = table;
    this.action = action;
    this.errorName = fields.errorName;
    this.errorType = fields.errorType;
    this.queryId = fields.queryId;
  }
}

/** The loggable fields of a failure: its class, Athena error type and query id, never its message. */
export function describeFailure(error: unknown): {
  errorName: string;
  errorType: string | undefined;
  queryId: string | undefined;
} {
  const e = (typeof error === 'object' && error !== null ? error : {}) as {
    name?: unknown;
    errorType?: unknown;
    queryId?: unknown;
  };
  return {
    errorName: typeof e.name === 'string' ? e.name : 'Error',
    errorType: typeof e.errorType === 'string' ? e.errorType : undefined,
    queryId: typeof e.queryId === 'string' ? e.queryId : undefined,
  };
}
