import type {
  LambdaAttributeValue,
  LambdaStreamRecord,
} from '@ddb-athena-sync/local-services/stream-records';

import {
  BOOK_AUTHORS as AUTHORS,
  BOOK_WORDS as WORDS,
  seededRandom as mulberry32,
} from '@ddb-athena-sync/local-stack/sample-data';

export interface BooksStreamOptions {
  /** Number of records. */
  readonly records: number;
  /** Batch sizes to cycle through (Lambda's BatchSize for DynamoDB streams is 1-10,000; 100 is the default). */
  readonly batchSizes: readonly number[];
  readonly seed?: number;
}

export interface StreamBatch {
  /** The Lambda event as the runtime receives it: JSON text (the "same bytes" both paths start from). */
  readonly eventJson: string;
  readonly records: number;
}

/**
 * Synthetic `books` stream records in the exact shape of the captured fixtures
 * (packages/core/test/fixtures/stream-records/books.json: NEW_AND_OLD_IMAGES, epoch-nanos `date`,
 * optional `expires_at`), with many distinct keys: 45% inserts of new keys, 40% updates, 10% deletes,
 * 5% TTL removals (userIdentity dynamodb.amazonaws.com), summaries of 5-40 words.
 */
export function booksStreamBatches(options: BooksStreamOptions): StreamBatch[] {
  const random = mulberry32(options.seed ?? 9);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const arn = 'arn:aws:dynamodb:us-east-1:123456789012:table/books/stream/2026-11-27T08:20:47.530';
  const baseSeconds = 1795767600;
  const live: Record<string, LambdaAttributeValue>[] = [];
  let sequence = 100000000000000000000n;
  let keyCounter = 0;

  const image = (id: string): Record<string, LambdaAttributeValue> => {
    const words = Array.from({ length: 5 + Math.floor(random() * 36) }, () => pick(WORDS)).join(' ');
    const nanos =
      BigInt(Math.floor(random() * 2e9) - 5e8) * 1_000_000_000n + BigInt(Math.floor(random() * 1e9));
    const item: Record<string, LambdaAttributeValue> = {
      id: { S: id },
      name: { S: `${pick(WORDS)} ${pick(WORDS)}` },
      author: { S: pick(AUTHORS) },
      summary: { S: words },
      date: { N: nanos.toString() },
    };
    if (random() < 0.1) item.expires_at = { N: String(baseSeconds + Math.floor(random() * 86400)) };
    return item;
  };
  const idOf = (item: Record<string, LambdaAttributeValue>): string => (item.id as { S: string }).S;

  const next = (i: number): LambdaStreamRecord => {
    sequence += 1n + BigInt(Math.floor(random() * 1000));
    const dice = live.length < 50 ? 0 : random();
    let eventName: LambdaStreamRecord['eventName'];
    let newImage: Record<string, LambdaAttributeValue> | undefined;
    let oldImage: Record<string, LambdaAttributeValue> | undefined;
    let userIdentity: LambdaStreamRecord['userIdentity'];
    if (dice < 0.45) {
      eventName = 'INSERT';
      newImage = image(
        `b-${(keyCounter++).toString(36).padStart(6, '0')}-${Math.floor(random() * 0xffffffff).toString(16)}`,
      );
      live.push(newImage);
    } else {
      const at = Math.floor(random() * live.length);
      oldImage = live[at]!;
      if (dice < 0.85) {
        eventName = 'MODIFY';
        newImage = { ...image(idOf(oldImage)), name: oldImage.name!, date: oldImage.date! };
        live[at] = newImage;
      } else {
        eventName = 'REMOVE';
        live[at] = live[live.length - 1]!;
        live.pop();
        if (dice >= 0.95) userIdentity = { type: 'Service', principalId: 'dynamodb.amazonaws.com' };
      }
    }
    const keys = { id: { S: idOf((newImage ?? oldImage)!) } };
    const size = JSON.stringify([keys, newImage ?? {}, oldImage ?? {}]).length;
    return {
      eventID: `${i.toString(16).padStart(8, '0')}-aea6-42d3-b94b-${Math.floor(random() * 2 ** 48)
        .toString(16)
        .padStart(12, '0')}`,
      eventName,
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'us-east-1',
      eventSourceARN: arn,
      ...(userIdentity === undefined ? {} : { userIdentity }),
      dynamodb: {
        ApproximateCreationDateTime: baseSeconds + Math.floor(i / 100),
        Keys: keys,
        ...(newImage === undefined ? {} : { NewImage: newImage }),
        ...(oldImage === undefined ? {} : { OldImage: oldImage }),
        SequenceNumber: sequence.toString(),
        SizeBytes: size,
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
    };
  };

  const batches: StreamBatch[] = [];
  let i = 0;
  let b = 0;
  while (i < options.records) {
    const size = Math.min(options.batchSizes[b++ % options.batchSizes.length]!, options.records - i);
    const records = Array.from({ length: size }, () => next(i++));
    batches.push({ eventJson: JSON.stringify({ Records: records }), records: size });
  }
  return batches;
}
