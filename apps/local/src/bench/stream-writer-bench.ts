import { gzipSync } from 'node:zlib';

import { stageStreamBatch } from '@ddb-athena-sync/core/stream/stage-batch';
import type { DynamoDBStreamRecord } from '@ddb-athena-sync/core/stream/decode-record';
import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';
import { books } from '@ddb-athena-sync/schemas/test-support/example-tables';

import { booksStreamBatches } from './books-stream-records.js';
import type { StreamBatch } from './books-stream-records.js';
import { median } from './stats.js';

export interface StreamWriterBenchOptions {
  /** Distinct records fed through both paths (cycled until a round's time is up). */
  readonly records: number;
  readonly batchSizes: readonly number[];
  /** Alternating real/raw rounds; the median of each is reported. */
  readonly rounds: number;
  /** CPU time per round. */
  readonly roundMs: number;
  readonly table?: TableDeclaration;
}

export interface StreamWriterResult {
  /** decode + map + gzip NDJSON (stageStreamBatch, S3 PUT discarded), records per CPU-second. */
  readonly recordsPerSec: number;
  /** JSON.parse + JSON.stringify + gzip of the same event bytes, records per CPU-second. */
  readonly rawRecordsPerSec: number;
  /** recordsPerSec / rawRecordsPerSec (median of the per-round ratios). */
  readonly ratio: number;
  /** The same two rates by wall-clock time (lower than CPU time when other processes share the cores). */
  readonly wallRecordsPerSec: number;
  readonly rawWallRecordsPerSec: number;
  readonly records: number;
  readonly batches: number;
  readonly batchSizes: readonly number[];
  readonly eventBytesPerRecord: number;
  /** Gzip bytes per record in staging, and in the raw path (whole stream record). */
  readonly stagedBytesPerRecord: number;
  readonly rawBytesPerRecord: number;
  readonly rounds: number;
  readonly roundMs: number;
}

interface Round {
  readonly records: number;
  readonly cpuMs: number;
  readonly wallMs: number;
  readonly outBytes: number;
}

type Path = (batch: StreamBatch) => Promise<{ records: number; outBytes: number }>;

/** What the stream-writer Lambda does per batch: the event JSON parsed by the runtime, then stageStreamBatch. */
function realPath(table: TableDeclaration): Path {
  let bodyBytes = 0;
  // The PUT is left out: S3 latency is not the stream-writer's CPU cost.
  const store = {
    putObject: (object: { readonly body: Uint8Array }): Promise<void> => {
      bodyBytes = object.body.byteLength;
      return Promise.resolve();
    },
  };
  const deps = { store, now: () => 1795767600_000 };
  return async (batch) => {
    const event = JSON.parse(batch.eventJson) as { Records: DynamoDBStreamRecord[] };
    const result = await stageStreamBatch(event.Records, { table }, deps);
    if (result.batchItemFailures.length > 0 || result.quarantined.length > 0)
      throw new Error(`bench batch did not stage cleanly: ${String(result.error)}`);
    return { records: batch.records, outBytes: bodyBytes };
  };
}

/** The limit on the same bytes: parse, one JSON line per record as it came, gzip. No mapping, no checks. */
function rawPath(): Path {
  return (batch) => {
    const event = JSON.parse(batch.eventJson) as { Records: unknown[] };
    let text = '';
    for (const record of event.Records) text += `${JSON.stringify(record)}\n`;
    return Promise.resolve({ records: batch.records, outBytes: gzipSync(text).byteLength });
  };
}

async function round(path: Path, batches: readonly StreamBatch[], roundMs: number): Promise<Round> {
  let records = 0;
  let outBytes = 0;
  let i = 0;
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  let cpuMs = 0;
  // Whole passes over the batch list are not required: a round stops on time, at a batch boundary.
  while (cpuMs < roundMs) {
    const r = await path(batches[i++ % batches.length]!);
    records += r.records;
    outBytes += r.outBytes;
    const used = process.cpuUsage(cpu0);
    cpuMs = (used.user + used.system) / 1000;
  }
  return { records, cpuMs, wallMs: performance.now() - wall0, outBytes };
}

/**
 * Stream-writer throughput against its raw limit, in one process: rounds alternate between the two
 * paths so both see the same machine load, and rates are per CPU-second of this process (one core:
 * the work is synchronous on the main thread; zlib's gzipSync runs on it too).
 */
export async function benchStreamWriter(options: StreamWriterBenchOptions): Promise<StreamWriterResult> {
  const table = options.table ?? books;
  const batches = booksStreamBatches({ records: options.records, batchSizes: options.batchSizes });
  const real = realPath(table);
  const raw = rawPath();
  // Warm-up: JIT both paths over every batch once, so the first round does not pay for compilation.
  for (const b of batches) {
    await real(b);
    await raw(b);
  }
  const reals: Round[] = [];
  const raws: Round[] = [];
  for (let r = 0; r < options.rounds; r++) {
    reals.push(await round(real, batches, options.roundMs));
    raws.push(await round(raw, batches, options.roundMs));
  }
  const perCpuSec = (x: Round): number => (x.records / x.cpuMs) * 1000;
  const perWallSec = (x: Round): number => (x.records / x.wallMs) * 1000;
  const eventBytes = batches.reduce((n, b) => n + Buffer.byteLength(b.eventJson), 0);
  const sum = (xs: readonly Round[], f: (x: Round) => number): number => xs.reduce((n, x) => n + f(x), 0);
  return {
    recordsPerSec: Math.round(median(reals.map(perCpuSec))),
    rawRecordsPerSec: Math.round(median(raws.map(perCpuSec))),
    ratio: Number(median(reals.map((x, i) => perCpuSec(x) / perCpuSec(raws[i]!))).toFixed(3)),
    wallRecordsPerSec: Math.round(median(reals.map(perWallSec))),
    rawWallRecordsPerSec: Math.round(median(raws.map(perWallSec))),
    records: options.records,
    batches: batches.length,
    batchSizes: options.batchSizes,
    eventBytesPerRecord: Math.round(eventBytes / options.records),
    stagedBytesPerRecord: Number((sum(reals, (x) => x.outBytes) / sum(reals, (x) => x.records)).toFixed(1)),
    rawBytesPerRecord: Number((sum(raws, (x) => x.outBytes) / sum(raws, (x) => x.records)).toFixed(1)),
    rounds: options.rounds,
    roundMs: options.roundMs,
  };
}
