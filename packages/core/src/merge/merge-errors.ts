import { CoreError } from '../errors.js';

/**
 * The control item says another merger owns the lease, or this merger lost it mid-run (it expired
 * and someone took over). The run stops; nothing it did after losing the lease is recorded.
 */
export class LeaseLostError extends CoreError {
  readonly table: string;
  readonly owner: string;

  constructor(table: string, owner: string, options?: ErrorOptions) {
    super(`merger ${owner} no longer holds the lease of table "${table}"`, options);
    this.table = table;
    this.owner = owner;
  }
}

/** A MERGE (or maintenance query) failed in a way retrying now will not fix; the batch stays staged. */
export class MergeFailedError extends CoreError {
  readonly table: string;
  readonly batchId: string | undefined;
  readonly queryId: string | undefined;

  constructor(
    table: string,
    batchId: string | undefined,
    queryId: string | undefined,
    reason: string,
    options?: ErrorOptions,
  ) {
    super(
      `table "${table}"${batchId === undefined ? '' : ` batch ${batchId}`}${queryId === undefined ? '' : ` query ${queryId}`}: ${reason}`,
      options,
    );
    this.table = table;
    this.batchId = batchId;
    this.queryId = queryId;
  }
}

/** Another backfill run's guard is set on this table; one backfill at a time. */
export class BackfillInProgressError extends CoreError {
  readonly table: string;
  readonly runId: string;

  constructor(table: string, runId: string, options?: ErrorOptions) {
    super(`table "${table}" is already being backfilled by run ${runId}`, options);
    this.table = table;
    this.runId = runId;
  }
}

/** The table's lease stayed taken for longer than the caller was willing to wait. */
export class LeaseBusyError extends CoreError {
  readonly table: string;

  constructor(table: string) {
    super(`the lease of table "${table}" stayed taken; try again when the merger run ends`);
    this.table = table;
  }
}

/** The backfill's guard expired or was cleared (backfill --abort) while it ran: it stops. */
export class BackfillGuardLostError extends CoreError {
  readonly table: string;
  readonly runId: string;

  constructor(table: string, runId: string, options?: ErrorOptions) {
    super(`backfill run ${runId} of table "${table}" lost its guard (expired or aborted); it stops`, options);
    this.table = table;
    this.runId = runId;
  }
}

/** The backfill was asked to stop (Ctrl-C): its objects were deleted and its guard cleared. */
export class BackfillAbortedError extends CoreError {
  readonly table: string;
  readonly runId: string;

  constructor(table: string, runId: string, options?: ErrorOptions) {
    super(`backfill run ${runId} of table "${table}" was aborted; nothing it staged is left`, options);
    this.table = table;
    this.runId = runId;
  }
}
