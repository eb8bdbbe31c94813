import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import type { StagingRow } from '@ddb-athena-sync/core/stream/change-row';
import { gunzipSync } from 'node:zlib';

/** The keys and sequence numbers of a staged object's rows. */
/**
 * The stream sequence number of a staged or lake `_seq`: the last 40 digits. A stream row's `_seq`
 * starts with the stream's epoch (17 digits, core's sequence-number.ts); a scenario has one stream,
 * so the epoch orders nothing here.
 */
export function streamSequenceOf(seq: string): bigint {
  return BigInt(seq.length > 40 ? seq.slice(-40) : seq);
}

export type Changes = { readonly key: string; readonly seq: bigint }[];

export function changesOf(rows: readonly StagingRow[]): Changes {
  // The key column is a string (the reliability table's partition key is S).
  return rows.map((r) => ({ key: r.id as string, seq: streamSequenceOf(r._seq) }));
}

/**
 * An S3 client that remembers what was staged: the rows of every staging object PUT through it
 * (a commit's changes are the rows of its batch's objects). Wraps the real client, under any faults.
 */
export function recordingS3(
  real: S3Client,
  staged: Map<string, Changes>,
  stagedOnce?: { put(key: string): void },
): S3Client {
  const client = Object.create(real) as S3Client;
  const send = real.send.bind(real) as (...args: unknown[]) => Promise<unknown>;
  (client as { send: unknown }).send = async (...args: unknown[]) => {
    const command = args[0];
    const key = command instanceof PutObjectCommand ? command.input.Key : undefined;
    const staging = key?.startsWith('staging/') === true ? key : undefined;
    if (staging !== undefined) stagedOnce?.put(staging);
    const result = await send(...args);
    if (staging !== undefined) {
      const body = (command as PutObjectCommand).input.Body as Uint8Array;
      const rows = gunzipSync(body)
        .toString('utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as StagingRow);
      staged.set(staging, changesOf(rows));
    }
    return result;
  };
  return client;
}

/**
 * S3 adds an object whole or not at all ("Amazon S3 never adds partial objects": Amazon S3 API
 * reference, PutObject). s3rver does not: a PUT whose request is aborted part-way (the backfill
 * aborts its other segments' requests when one fails) leaves a truncated object behind, which no
 * S3 would, and which then fails every merge of the table. So the product's PUTs are not aborted
 * here: each either completes (the object lands, unseen by an aborted caller, as on S3) or fails
 * before it is sent.
 */
export function atomicPuts(real: S3Client): S3Client {
  const client = Object.create(real) as S3Client;
  const send = real.send.bind(real) as (...args: unknown[]) => Promise<unknown>;
  (client as { send: unknown }).send = (command: unknown, options?: { abortSignal?: unknown }) => {
    if (command instanceof PutObjectCommand && options?.abortSignal !== undefined) {
      const { abortSignal: _dropped, ...rest } = options;
      return send(command, rest);
    }
    return options === undefined ? send(command) : send(command, options);
  };
  return client;
}
