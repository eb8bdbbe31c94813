import { CoreError } from '../errors.js';

/**
 * An Athena query that did not succeed. `retryable` says whether the engine retried it
 * (ICEBERG_COMMIT_ERROR, throttling); when this reaches the protocol the batch stays staged.
 */
export class AthenaQueryError extends CoreError {
  readonly queryId: string | undefined;
  readonly state: string | undefined;
  /** Athena's error type or the SDK error name (e.g. `TooManyRequestsException`). */
  readonly errorType: string | undefined;
  readonly retryable: boolean;
  readonly attempts: number;

  constructor(
    details: {
      queryId?: string;
      state?: string;
      errorType?: string;
      reason: string;
      retryable: boolean;
      attempts: number;
    },
    options?: ErrorOptions,
  ) {
    super(
      `Athena query${details.queryId === undefined ? '' : ` ${details.queryId}`} ${details.state ?? 'failed'} after ${details.attempts} attempt(s): ${details.reason}`,
      options,
    );
    this.queryId = details.queryId;
    this.state = details.state;
    this.errorType = details.errorType;
    this.retryable = details.retryable;
    this.attempts = details.attempts;
  }
}

/** The time budget ran out: the query was stopped (StopQueryExecution) and the batch stays staged. */
export class AthenaQueryCancelledError extends CoreError {
  readonly queryId: string | undefined;

  constructor(queryId: string | undefined, options?: ErrorOptions) {
    super(`Athena query ${queryId ?? '(not started)'} cancelled: time budget exhausted`, options);
    this.queryId = queryId;
  }
}
