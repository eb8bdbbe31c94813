import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import type { LambdaStreamRecord } from '@ddb-athena-sync/local-services/stream-records';

/** A record no DynamoDB table would produce: the writer must quarantine it and carry on. */
export function badRecord(template: LambdaStreamRecord, n: number, random: () => number): LambdaStreamRecord {
  const id = { S: `bad-${n}` };
  const images: Record<string, unknown>[] = [
    { id, n: { S: 'not a number' } },
    { id, n: { N: '1234567890123456789012345678901234567890' } },
    { id, price: { N: 'NaN' } },
    { id, price: { N: '1.234' } },
    { id, tags: { NS: ['1'] } },
    { name: { S: 'no key' } },
    {
      id,
      doc: {
        M: {
          deep: Array.from({ length: 40 }).reduce<Record<string, unknown>>((inner) => ({ M: { m: inner } }), {
            S: 'x',
          }),
        },
      },
    },
  ];
  const image = images[Math.floor(random() * images.length)]!;
  const keys = 'id' in image ? { id } : {};
  return {
    ...template,
    eventID: `bad-input-${n}`,
    eventName: 'INSERT',
    dynamodb: { ...template.dynamodb, Keys: keys, NewImage: image, OldImage: undefined },
  } as LambdaStreamRecord;
}

export interface QuarantineAudit {
  /** Bad records of acknowledged batches found in quarantine with a typed error. */
  readonly handled: number;
  /** Records DynamoDB itself produced that were quarantined: each is a change the lake never gets. */
  readonly unexpected: number;
  readonly examples: readonly string[];
}

/**
 * Reads the table's quarantine prefix: every injected bad record of an acknowledged batch must be
 * there with a typed error (class name ending in Error), and nothing else may be.
 */
export async function auditQuarantine(
  s3: S3Client,
  bucket: string,
  table: string,
  injected: ReadonlySet<string>,
): Promise<QuarantineAudit> {
  const pending = new Set(injected);
  let handled = 0;
  let unexpected = 0;
  const examples: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: `quarantine/${table}/`, ContinuationToken: token }),
    );
    for (const o of page.Contents ?? []) {
      // A staged object the merger could not read (core's quarantine-unreadable.ts): the copy is
      // the staged gzip object itself, its `.reason.json` says why. Nothing real may end there.
      if (o.Key!.startsWith(`quarantine/${table}/unreadable/`)) {
        if (!o.Key!.endsWith('.reason.json')) continue;
        const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key }));
        const why = JSON.parse(await out.Body!.transformToString('utf8')) as {
          reason?: string;
          error?: { name?: string; message?: string };
        };
        unexpected++;
        if (examples.length < 3)
          examples.push(
            `quarantined a staged object: ${why.reason ?? '?'}: ${why.error?.name ?? '?'}: ${why.error?.message ?? ''}`,
          );
        continue;
      }
      const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key }));
      const body = JSON.parse(await out.Body!.transformToString('utf8')) as {
        reason?: string;
        record?: { eventID?: string };
        error?: { name?: string };
      };
      const id = body.record?.eventID;
      if (id !== undefined && pending.has(id) && /Error$/.test(body.error?.name ?? '')) {
        pending.delete(id);
        handled++;
      } else if (id === undefined || !id.startsWith('bad-input-')) {
        unexpected++;
        if (examples.length < 3)
          examples.push(`quarantined a real record: ${body.error?.name ?? '?'}: ${body.reason ?? ''}`);
      }
    }
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return { handled, unexpected, examples };
}
