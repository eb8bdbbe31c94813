/** Base class of every error raised by the local AWS stand-ins (packages/local-stack). */
export class LocalStackError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The stream poller could not read a stream (DescribeStream/GetShardIterator/GetRecords failed for good). */
export class StreamReadError extends LocalStackError {
  readonly streamArn: string;
  readonly shardId: string | undefined;

  constructor(streamArn: string, shardId: string | undefined, reason: string, options?: ErrorOptions) {
    super(`stream ${streamArn}${shardId === undefined ? '' : ` shard ${shardId}`}: ${reason}`, options);
    this.streamArn = streamArn;
    this.shardId = shardId;
  }
}

/** A Firehose delivery failed after its retries: the records went to the error output prefix. */
export class FirehoseDeliveryError extends LocalStackError {
  readonly table: string;
  readonly records: number;

  constructor(table: string, records: number, reason: string, options?: ErrorOptions) {
    super(`firehose delivery to "${table}" failed for ${records} records: ${reason}`, options);
    this.table = table;
    this.records = records;
  }
}

/** The stack's data directory is held by another running stack (another `ddb-athena-sync up`). */
export class DataDirLockedError extends LocalStackError {
  readonly dataDir: string;

  constructor(dataDir: string, pid: number | undefined, options?: ErrorOptions) {
    super(
      `data directory ${dataDir} is in use by ${pid === undefined ? 'another process' : `process ${pid}`}; stop it first or pass another --data-dir`,
      options,
    );
    this.dataDir = dataDir;
  }
}

/** A service of the stack (DynamoDB Local) exited while the stack was running. */
export class ServiceExitedError extends LocalStackError {
  readonly service: string;
  readonly pid: number;

  constructor(service: string, pid: number, how: string, output: string) {
    super(
      `${service} (pid ${pid}) exited unexpectedly (${how}); stopping the stack${output.trim() === '' ? '' : `. Its last output:\n${output.trim()}`}`,
    );
    this.service = service;
    this.pid = pid;
  }
}

/** A table name the running stack was not started with. */
export class UnknownStackTableError extends LocalStackError {
  readonly table: string;

  constructor(table: string) {
    super(`table ${table} is not part of this stack`);
    this.table = table;
  }
}

/** `startStack` was given no tables: the library ships no declarations (pass the user's file's). */
export class NoTablesError extends LocalStackError {
  constructor() {
    super(
      'no tables to run: pass the declarations of a declarations file (StackOptions.tables; the CLI reads --config or ddb-athena-sync.tables.json)',
    );
  }
}
