import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import S3rver from 's3rver';

import { ServiceStartError } from './errors.js';

export interface S3Local {
  /** http://127.0.0.1:<port> (path-style addressing) */
  readonly endpoint: string;
  readonly port: number;
  readonly directory: string;
  stop(): Promise<void>;
}

export interface StartS3LocalOptions {
  /** 0 (default) lets the OS choose. */
  readonly port?: number;
  /** Where objects are stored; a new temporary directory when absent. */
  readonly directory?: string;
  /** Buckets to create at start. */
  readonly buckets?: readonly string[];
}

/** Starts s3rver on 127.0.0.1: a real S3 REST API server (no conditional writes, see DESIGN.md). */
export async function startS3Local(options: StartS3LocalOptions = {}): Promise<S3Local> {
  const directory = options.directory ?? mkdtempSync(join(tmpdir(), 's3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: options.port ?? 0,
    silent: true,
    directory,
    configureBuckets: (options.buckets ?? []).map((name) => ({ name, configs: [] })),
  });
  let address: { port: number };
  try {
    address = await server.run();
  } catch (error) {
    throw new ServiceStartError('s3rver', error instanceof Error ? error.message : String(error), {
      cause: error,
    });
  }
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    port: address.port,
    directory,
    stop: async () => {
      await server.close();
    },
  };
}
