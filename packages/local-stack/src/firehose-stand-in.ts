import { randomUUID } from 'node:crypto';

import { FirehoseDeliveryError } from './errors.js';

/** One record of a Firehose data-transformation event (https://docs.aws.amazon.com/firehose/latest/dev/data-transformation.html). */
export interface FirehoseInputRecord {
  readonly recordId: string;
  readonly approximateArrivalTimestamp: number;
  /** base64 */
  readonly data: string;
}

export interface FirehoseTransformEvent {
  readonly invocationId: string;
  readonly deliveryStreamArn: string;
  readonly region: string;
  readonly records: readonly FirehoseInputRecord[];
}

export type OtfOperation = 'insert' | 'update' | 'delete';

export interface FirehoseOutputRecord {
  readonly recordId: string;
  /** Ok | Dropped | ProcessingFailed; anything else is treated as a processing failure. */
  readonly result: string;
  readonly data?: string;
  readonly metadata?: {
    readonly otfMetadata?: {
      readonly destinationDatabaseName?: string;
      readonly destinationTableName?: string;
      /** insert | update | delete (OtfOperation); anything else is a processing failure. */
      readonly operation?: string;
    };
  };
}

export type FirehoseTransform = (
  event: FirehoseTransformEvent,
) => Promise<{ readonly records: readonly FirehoseOutputRecord[] }>;

/** One record the transform accepted, routed by its otfMetadata. */
export interface RoutedRecord {
  readonly database: string;
  readonly table: string;
  readonly operation: OtfOperation;
  /** The decoded JSON object of the record's data. */
  readonly row: Record<string, unknown>;
  readonly arrivalMs: number;
}

/** Writes accepted records to the destination (the local lake); throws to be retried. */
export type FirehoseCommit = (records: readonly RoutedRecord[]) => Promise<void>;

/** Firehose's S3 error output (`s3_error_output_prefix`): records that failed processing or delivery. */
export type FirehoseErrorOutput = (
  kind: 'processing-failed' | 'delivery-failed',
  records: readonly { recordId: string; data: string; reason: string }[],
) => Promise<void>;

export interface FirehoseStats {
  records: number;
  deliveries: number;
  committed: number;
  dropped: number;
  processingFailed: number;
  deliveryFailed: number;
  lastDeliveryAt: number | undefined;
}

export interface FirehoseStandInOptions {
  readonly deliveryStreamName: string;
  /** Buffering hints: flush when this many bytes are buffered (Firehose: 1-128 MB)... */
  readonly bufferingSizeBytes: number;
  /** ...or when the oldest buffered record is this old (Firehose: 0-900 s). */
  readonly bufferingIntervalMs: number;
  readonly transform: FirehoseTransform;
  readonly commit: FirehoseCommit;
  readonly errorOutput: FirehoseErrorOutput;
  /** Invocation retries of the transform (Firehose default: 3). */
  readonly transformRetries?: number;
  /** Commit retries before records go to the error output (Firehose retries for its retry duration). */
  readonly commitRetries?: number;
  readonly retryBackoffMs?: number;
  readonly now?: () => number;
  readonly onError?: (error: unknown) => void;
  /**
   * Reads an Ok record's body into row values, as the Iceberg destination reads it into the
   * destination table's types (the stack uses core's lossless `decodeFirehoseRow`). Default: JSON.parse.
   */
  readonly decodeRow?: (table: string, text: string) => Record<string, unknown>;
}

/** The Lambda request payload limit (6 MB): a delivery is split into invocations below it. */
const MAX_INVOCATION_BYTES = 6 * 1024 * 1024 - 64 * 1024;

interface Pending {
  readonly record: FirehoseInputRecord;
  readonly bytes: number;
  readonly done: { resolve: () => void; reject: (error: unknown) => void };
}

/**
 * The local stand-in for a Firehose delivery stream with the Iceberg destination: records are
 * buffered until the size or interval hint is reached, passed through the transformation Lambda
 * (the real firehose-transform handler), and the `Ok` ones are committed to the destination table
 * named by their otfMetadata with their operation. `Dropped` records are counted; `ProcessingFailed`
 * ones, and records whose commit keeps failing, go to the error output, as Firehose does.
 *
 * `put` resolves only once its records are delivered (or written to the error output), so the
 * upstream reader checkpoints only what Firehose has taken care of (at least once).
 */
export class FirehoseStandIn {
  readonly stats: FirehoseStats = {
    records: 0,
    deliveries: 0,
    committed: 0,
    dropped: 0,
    processingFailed: 0,
    deliveryFailed: 0,
    lastDeliveryAt: undefined,
  };
  private readonly o: Required<Omit<FirehoseStandInOptions, 'onError'>> &
    Pick<FirehoseStandInOptions, 'onError'>;
  private buffer: Pending[] = [];
  private bufferedBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private delivering: Promise<void> = Promise.resolve();
  private sequence = 0;
  private stopped = false;

  constructor(options: FirehoseStandInOptions) {
    this.o = {
      transformRetries: 3,
      commitRetries: 5,
      retryBackoffMs: 200,
      now: () => Date.now(),
      decodeRow: (_table, text) => JSON.parse(text) as Record<string, unknown>,
      ...options,
    };
  }

  get buffered(): number {
    return this.buffer.length;
  }

  /** Buffers records (each one JSON document) and resolves when all of them are delivered. */
  put(documents: readonly string[]): Promise<void> {
    if (this.stopped)
      return Promise.reject(
        new FirehoseDeliveryError(this.o.deliveryStreamName, documents.length, 'delivery stream stopped'),
      );
    if (documents.length === 0) return Promise.resolve();
    const arrival = this.o.now();
    const all = documents.map(
      (doc) =>
        new Promise<void>((resolve, reject) => {
          const data = Buffer.from(doc).toString('base64');
          const recordId = `${String(arrival).padStart(15, '0')}${String(this.sequence++).padStart(12, '0')}`;
          this.buffer.push({
            record: { recordId, approximateArrivalTimestamp: arrival, data },
            bytes: doc.length,
            done: { resolve, reject },
          });
          this.bufferedBytes += doc.length;
        }),
    );
    this.stats.records += documents.length;
    if (this.bufferedBytes >= this.o.bufferingSizeBytes) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.o.bufferingIntervalMs);
    return Promise.all(all).then(() => undefined);
  }

  /** Starts delivering what is buffered now (deliveries run one at a time, in order). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    this.bufferedBytes = 0;
    this.delivering = this.delivering.then(() => this.deliver(batch));
  }

  /** Flushes the buffer and waits for every delivery. */
  async stop(): Promise<void> {
    this.flush();
    this.stopped = true;
    await this.delivering;
  }

  private async sleep(ms: number): Promise<void> {
    await new Promise((r) => setTimeout(r, ms));
  }

  private async deliver(batch: Pending[]): Promise<void> {
    // Split at the invocation payload limit.
    const chunks: Pending[][] = [];
    let current: Pending[] = [];
    let size = 0;
    for (const p of batch) {
      const b = p.record.data.length + 100;
      if (current.length > 0 && size + b > MAX_INVOCATION_BYTES) {
        chunks.push(current);
        current = [];
        size = 0;
      }
      current.push(p);
      size += b;
    }
    if (current.length > 0) chunks.push(current);
    for (const chunk of chunks) {
      try {
        await this.deliverChunk(chunk);
        for (const p of chunk) p.done.resolve();
      } catch (error) {
        this.o.onError?.(error);
        for (const p of chunk) p.done.reject(error);
      }
    }
  }

  private async deliverChunk(chunk: Pending[]): Promise<void> {
    const byId = new Map(chunk.map((p) => [p.record.recordId, p]));
    let output: readonly FirehoseOutputRecord[] | undefined;
    let lastError: unknown;
    for (let attempt = 0; attempt <= this.o.transformRetries && output === undefined; attempt++) {
      try {
        const result = await this.o.transform({
          invocationId: randomUUID(),
          deliveryStreamArn: `arn:aws:firehose:us-east-1:000000000000:deliverystream/${this.o.deliveryStreamName}`,
          region: 'us-east-1',
          records: chunk.map((p) => p.record),
        });
        output = result.records;
      } catch (error) {
        lastError = error;
        await this.sleep(this.o.retryBackoffMs * (attempt + 1));
      }
    }
    if (output === undefined) {
      // Firehose: after the invocation retries, the records go to the error output as processing failures.
      const reason = lastError instanceof Error ? lastError.message : String(lastError);
      this.stats.processingFailed += chunk.length;
      await this.o.errorOutput(
        'processing-failed',
        chunk.map((p) => ({
          recordId: p.record.recordId,
          data: p.record.data,
          reason: `transform failed: ${reason}`,
        })),
      );
      return;
    }

    const routed: RoutedRecord[] = [];
    const failed: { recordId: string; data: string; reason: string }[] = [];
    const seen = new Set<string>();
    for (const out of output) {
      const input = byId.get(out.recordId);
      if (input === undefined || seen.has(out.recordId)) continue;
      seen.add(out.recordId);
      if (out.result === 'Dropped') {
        this.stats.dropped++;
        continue;
      }
      const otf = out.metadata?.otfMetadata;
      const op = otf?.operation;
      if (
        out.result !== 'Ok' ||
        out.data === undefined ||
        otf?.destinationTableName === undefined ||
        (op !== 'insert' && op !== 'update' && op !== 'delete')
      ) {
        failed.push({
          recordId: out.recordId,
          data: input.record.data,
          reason: out.result === 'Ok' ? 'Ok without data or otfMetadata' : `result ${out.result}`,
        });
        continue;
      }
      try {
        const row = this.o.decodeRow(
          otf.destinationTableName,
          Buffer.from(out.data, 'base64').toString('utf8'),
        );
        routed.push({
          database: otf.destinationDatabaseName ?? 'default',
          table: otf.destinationTableName,
          operation: op,
          row,
          arrivalMs: input.record.approximateArrivalTimestamp,
        });
      } catch (error) {
        failed.push({
          recordId: out.recordId,
          data: input.record.data,
          reason: `data does not decode for table ${otf.destinationTableName}: ${error instanceof Error ? error.name : 'error'}`,
        });
      }
    }
    // Firehose treats a record missing from the response as a processing failure.
    for (const p of chunk) {
      if (!seen.has(p.record.recordId))
        failed.push({ recordId: p.record.recordId, data: p.record.data, reason: 'no result for recordId' });
    }
    if (failed.length > 0) {
      this.stats.processingFailed += failed.length;
      await this.o.errorOutput('processing-failed', failed);
    }
    if (routed.length === 0) return;

    for (let attempt = 0; ; attempt++) {
      try {
        await this.o.commit(routed);
        this.stats.deliveries++;
        this.stats.committed += routed.length;
        this.stats.lastDeliveryAt = this.o.now();
        return;
      } catch (error) {
        if (attempt >= this.o.commitRetries) {
          this.stats.deliveryFailed += routed.length;
          const reason = error instanceof Error ? error.message : String(error);
          await this.o.errorOutput(
            'delivery-failed',
            routed.map((r) => ({
              recordId: '',
              data: Buffer.from(JSON.stringify(r.row)).toString('base64'),
              reason,
            })),
          );
          return;
        }
        this.o.onError?.(error);
        await this.sleep(this.o.retryBackoffMs * 2 ** attempt);
      }
    }
  }
}
