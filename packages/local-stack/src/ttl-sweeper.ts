import { DeleteItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type {
  _Record as StreamRecord,
  AttributeValue as StreamAttributeValue,
} from '@aws-sdk/client-dynamodb-streams';

/**
 * The userIdentity DynamoDB puts on the REMOVE records of items it deleted because their TTL
 * expired, and only on those (DynamoDB developer guide, "DynamoDB Streams and Time to Live").
 */
export const TTL_USER_IDENTITY = { Type: 'Service', PrincipalId: 'dynamodb.amazonaws.com' } as const;

function scalar(value: AttributeValue | StreamAttributeValue | undefined): string {
  if (value === undefined) return '';
  if (value.S !== undefined) return `S:${value.S}`;
  if (value.N !== undefined) return `N:${value.N}`;
  if (value.B !== undefined) return `B:${Buffer.from(value.B).toString('base64')}`;
  return 'other';
}

function markKey(
  keyAttributes: readonly string[],
  keys: Record<string, AttributeValue | StreamAttributeValue>,
  ttlValue: string,
): string {
  return JSON.stringify([...keyAttributes.map((a) => scalar(keys[a])), ttlValue]);
}

/**
 * The deletions the sweeper made, keyed by item key and the expired TTL value. Shared by the sweeper
 * (adds) and the stream poller (looks up). Marks are kept after use, so a REMOVE record delivered
 * again (at-least-once) is marked again; the oldest are dropped beyond `capacity`.
 */
export class TtlMarks {
  private readonly marks = new Map<string, number>();
  private readonly capacity: number;

  constructor(capacity = 100_000) {
    this.capacity = capacity;
  }

  add(key: string): void {
    this.marks.set(key, (this.marks.get(key) ?? 0) + 1);
    if (this.marks.size > this.capacity) this.marks.delete(this.marks.keys().next().value!);
  }

  remove(key: string): void {
    const n = this.marks.get(key) ?? 0;
    if (n <= 1) this.marks.delete(key);
    else this.marks.set(key, n - 1);
  }

  has(key: string): boolean {
    return this.marks.has(key);
  }

  get size(): number {
    return this.marks.size;
  }
}

export interface TtlSweeperOptions {
  readonly ddb: DynamoDBClient;
  readonly tableName: string;
  readonly keyAttributes: readonly string[];
  readonly ttlAttribute: string;
  readonly marks: TtlMarks;
  readonly intervalMs?: number;
  /** Epoch milliseconds. */
  readonly now?: () => number;
  /** Called after each item the sweeper deleted, with the time the delete was sent (epoch ms). */
  readonly onDelete?: (key: Record<string, AttributeValue>, deletedAtMs: number) => void;
  readonly onError?: (error: unknown) => void;
}

/**
 * Stands in for DynamoDB's TTL process. DynamoDB Local's own TTL deletions come late and irregularly
 * (about 10 s after expiry in our runs) and with a broken stream record (see
 * `normalizeLocalTtlRemoval`), so the stack runs this sweeper as well; whichever deletes first, the
 * other finds nothing (conditional delete). Every `intervalMs` it scans for items whose
 * TTL attribute (a Number, epoch seconds) is in the past and deletes each one with a condition that
 * the TTL value is unchanged, as the service does (an item whose TTL was moved is not deleted).
 *
 * Real TTL deletions carry `userIdentity {type: "Service", principalId: "dynamodb.amazonaws.com"}` on
 * their stream record, which is how the pipeline tells them from user deletes (`ttlDeletes`
 * policy). DynamoDB Local's records of our DeleteItem calls carry none, so the sweeper marks each
 * deletion here before issuing it, and the poller (`markTtlRemoval`) adds the documented identity to
 * the matching REMOVE record before the handler sees it. The condition on the TTL value means a
 * successful delete is ours; a failed one removes its mark.
 */
export class TtlSweeper {
  private readonly o: Required<Omit<TtlSweeperOptions, 'onDelete' | 'onError'>> &
    Pick<TtlSweeperOptions, 'onDelete' | 'onError'>;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  deleted = 0;

  constructor(options: TtlSweeperOptions) {
    this.o = { intervalMs: 1000, now: () => Date.now(), ...options };
  }

  start(): void {
    if (this.timer !== undefined) return;
    const tick = (): void => {
      this.running = this.sweep().catch((error: unknown) => {
        this.o.onError?.(error);
        return 0;
      });
      void this.running.finally(() => {
        if (this.timer !== undefined) this.timer = setTimeout(tick, this.o.intervalMs);
      });
    };
    this.timer = setTimeout(tick, this.o.intervalMs);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One pass: deletes every item expired now. Returns how many it deleted. */
  async sweep(): Promise<number> {
    const nowSeconds = Math.floor(this.o.now() / 1000);
    let count = 0;
    let start: Record<string, AttributeValue> | undefined;
    const names: Record<string, string> = { '#ttl': this.o.ttlAttribute };
    this.o.keyAttributes.forEach((a, i) => (names[`#k${i}`] = a));
    do {
      const page = await this.o.ddb.send(
        new ScanCommand({
          TableName: this.o.tableName,
          FilterExpression: '#ttl <= :now',
          ProjectionExpression: ['#ttl', ...this.o.keyAttributes.map((_, i) => `#k${i}`)].join(', '),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ':now': { N: String(nowSeconds) } },
          ...(start === undefined ? {} : { ExclusiveStartKey: start }),
        }),
      );
      for (const item of page.Items ?? []) {
        const ttl = item[this.o.ttlAttribute];
        if (ttl?.N === undefined) continue;
        const key = Object.fromEntries(this.o.keyAttributes.map((a) => [a, item[a]!]));
        const mark = markKey(this.o.keyAttributes, key, ttl.N);
        this.o.marks.add(mark);
        const at = this.o.now();
        try {
          await this.o.ddb.send(
            new DeleteItemCommand({
              TableName: this.o.tableName,
              Key: key,
              ConditionExpression: '#ttl = :ttl',
              ExpressionAttributeNames: { '#ttl': this.o.ttlAttribute },
              ExpressionAttributeValues: { ':ttl': { N: ttl.N } },
            }),
          );
          count++;
          this.deleted++;
          this.o.onDelete?.(key, at);
        } catch (error) {
          this.o.marks.remove(mark);
          if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
        }
      }
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
    return count;
  }
}

/**
 * Adds the TTL userIdentity to a REMOVE record the sweeper caused (see TtlSweeper); any other
 * record is returned unchanged.
 */
export function markTtlRemoval(
  record: StreamRecord,
  keyAttributes: readonly string[],
  ttlAttribute: string,
  marks: TtlMarks,
): StreamRecord {
  if (record.eventName !== 'REMOVE' || record.userIdentity !== undefined) return record;
  const ttl = record.dynamodb?.OldImage?.[ttlAttribute]?.N;
  const keys = record.dynamodb?.Keys;
  if (ttl === undefined || keys === undefined) return record;
  if (!marks.has(markKey(keyAttributes, keys, ttl))) return record;
  return { ...record, userIdentity: { ...TTL_USER_IDENTITY } };
}

/** The eventName DynamoDB Local 3.x writes on the stream records of its own TTL deletions. */
export const DYNAMODB_LOCAL_TTL_EVENT_NAME = 'UNKNOWN_TO_SDK_VERSION';

/**
 * DynamoDB Local 3.x does run TTL deletions of its own (observed: about 10 s after expiry, at
 * irregular intervals), and writes their stream records with the literal eventName
 * "UNKNOWN_TO_SDK_VERSION" and no userIdentity: an enum value its Java SDK could not name. DynamoDB
 * writes REMOVE with the TTL userIdentity. So a record with that eventName, an OldImage and no
 * NewImage, whose TTL attribute had expired, is rewritten to what DynamoDB delivers. Anything else
 * stays as it is (and a malformed record is quarantined by the handler, as it should be).
 * Returns the expiry time (epoch ms) of a rewritten record, so callers can account for the delete.
 */
export function normalizeLocalTtlRemoval(
  record: StreamRecord,
  ttlAttribute: string,
  nowMs: number,
): { record: StreamRecord; expiredAtMs: number | undefined } {
  const d = record.dynamodb;
  const ttl = d?.OldImage?.[ttlAttribute]?.N;
  if (
    record.eventName !== (DYNAMODB_LOCAL_TTL_EVENT_NAME as string) ||
    d?.OldImage === undefined ||
    d.NewImage !== undefined ||
    ttl === undefined
  ) {
    return { record, expiredAtMs: undefined };
  }
  const expiredAtMs = Number(ttl) * 1000;
  if (!Number.isFinite(expiredAtMs) || expiredAtMs > nowMs) return { record, expiredAtMs: undefined };
  return { record: { ...record, eventName: 'REMOVE', userIdentity: { ...TTL_USER_IDENTITY } }, expiredAtMs };
}
