/** Base class of every error raised by the ddb-athena-sync command (apps/local). */
export class LocalCommandError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad command line: the message says what is wrong and how to call the command. */
export class UsageError extends LocalCommandError {}

/** A command the dispatcher does not know. */
export class UnknownCommandError extends UsageError {
  readonly command: string;

  constructor(command: string, known: readonly string[]) {
    super(`unknown command "${command}"; commands: ${known.join(', ')}`);
    this.command = command;
  }
}

/** The stream poller could not read a stream (DescribeStream/GetShardIterator/GetRecords failed for good). */
export class StreamReadError extends LocalCommandError {
  readonly streamArn: string;
  readonly shardId: string | undefined;

  constructor(streamArn: string, shardId: string | undefined, reason: string, options?: ErrorOptions) {
    super(`stream ${streamArn}${shardId === undefined ? '' : ` shard ${shardId}`}: ${reason}`, options);
    this.streamArn = streamArn;
    this.shardId = shardId;
  }
}

/** A Firehose delivery failed after its retries: the records went to the error output prefix. */
export class FirehoseDeliveryError extends LocalCommandError {
  readonly table: string;
  readonly records: number;

  constructor(table: string, records: number, reason: string, options?: ErrorOptions) {
    super(`firehose delivery to "${table}" failed for ${records} records: ${reason}`, options);
    this.table = table;
    this.records = records;
  }
}

/** The stack's data directory is held by another running `ddb-athena-sync up`. */
export class DataDirLockedError extends LocalCommandError {
  readonly dataDir: string;

  constructor(dataDir: string, pid: number) {
    super(`data directory ${dataDir} is in use by process ${pid}; stop it first or pass another --data-dir`);
    this.dataDir = dataDir;
  }
}

/** The local stack is not running (commands that need it, e.g. backfill or status without one). */
export class StackNotRunningError extends LocalCommandError {
  constructor(dataDir: string) {
    super(
      `no running stack for data directory ${dataDir}: start one with "pnpm ddb-athena-sync up" (or pass --data-dir)`,
    );
  }
}
