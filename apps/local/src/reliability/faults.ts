import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';

import { sleep } from './prng.js';

/** An injected fault: never a product error, always named so that a report can tell them apart. */
export class InjectedFault extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InjectedFault';
  }
}

/** What the S3 wrapper does to each request while chaos is on. */
export interface S3FaultPlan {
  /** Probability that a request fails before it reaches S3 (a 503 SlowDown, a dropped connection). */
  readonly errorRate: number;
  /** Probability that a request succeeds in S3 but its response is lost (the caller sees an error). */
  readonly lostResponseRate: number;
  /** Each request waits up to this long first (slowness). */
  readonly maxDelayMs: number;
}

export interface FaultSwitch {
  /** Faults happen only while this is true: the scenario heals before the final drain. */
  active: boolean;
}

type Send = S3Client['send'];

/**
 * The S3 client given to the handlers, with errors and slowness injected: an object whose
 * prototype is the real client and whose `send` may delay, fail before sending, or send and then
 * report a failure. Counts what it did in `stats`.
 */
export function faultyS3(
  real: S3Client,
  plan: S3FaultPlan,
  chaos: FaultSwitch,
  random: () => number,
  stats: { s3Errors: number; s3LostResponses: number },
): S3Client {
  const client = Object.create(real) as S3Client;
  const send = real.send.bind(real) as (...args: Parameters<Send>) => Promise<unknown>;
  const faulty = async (...args: Parameters<Send>): Promise<unknown> => {
    if (!chaos.active) return send(...args);
    if (plan.maxDelayMs > 0) await sleep(Math.floor(random() * plan.maxDelayMs));
    const command = (args[0] as { constructor: { name: string } }).constructor.name;
    if (random() < plan.errorRate) {
      stats.s3Errors++;
      const error = new InjectedFault(`injected S3 error before ${command}`);
      error.name = 'SlowDown';
      throw error;
    }
    const result = await send(...args);
    if (random() < plan.lostResponseRate) {
      stats.s3LostResponses++;
      throw new InjectedFault(`injected lost response after ${command} succeeded`);
    }
    return result;
  };
  // The SDK's `send` is overloaded; the wrapper keeps its runtime contract (same arguments, same promise).
  client.send = faulty as unknown as Send;
  return client;
}

/**
 * A process that died: once `dead.value` is set, every call through the client fails, so a crashed
 * merger cannot even release its lease (the next run has to wait for it to expire, as in Lambda).
 */
export function killableClient<T extends S3Client | DynamoDBClient>(real: T, dead: { value: boolean }): T {
  const client = Object.create(real) as T;
  const send = (real.send as (...args: unknown[]) => Promise<unknown>).bind(real);
  const guarded = (...args: unknown[]): Promise<unknown> =>
    dead.value ? Promise.reject(new InjectedFault('the merger process is dead')) : send(...args);
  (client as { send: unknown }).send = guarded;
  return client;
}
