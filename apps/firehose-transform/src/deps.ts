import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { METRICS_NAMESPACE, readDeployedDeclaration } from '@ddb-athena-sync/core/config/env';
import type { ObjectStore } from '@ddb-athena-sync/core/stream/stage-batch';

import { loadConfig } from './config.js';
import type { Config } from './config.js';

export interface Deps {
  readonly config: Config;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Where rejected records go with their reason (the lake bucket). */
  readonly store: ObjectStore;
  readonly now: () => number;
}

/** The ObjectStore port over one bucket. */
export function s3ObjectStore(s3: S3Client, bucket: string): ObjectStore {
  return {
    async putObject({ key, body, contentType, contentEncoding }) {
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentType: contentType,
          ContentEncoding: contentEncoding,
        }),
      );
    },
  };
}

/** Built once per execution environment (cold start). */
export function buildDeps(config: Config): Deps {
  const s3 = new S3Client(
    config.s3Endpoint === undefined
      ? {}
      : // Local mode: s3rver on 127.0.0.1 needs path-style addressing.
        { endpoint: config.s3Endpoint, forcePathStyle: true },
  );
  return {
    config,
    logger: new Logger({ serviceName: config.serviceName, logLevel: config.logLevel as 'INFO' }),
    metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName: config.serviceName }),
    store: s3ObjectStore(s3, config.quarantineBucket),
    now: () => Date.now(),
  };
}

/**
 * Cold start: reads the table's declaration object when Terraform put it in S3 (checked against
 * TABLE_DECLARATION_SHA256, a mismatch throws DeclarationHashMismatchError), then the whole config.
 */
export async function loadDeployedConfig(env: Readonly<Record<string, string | undefined>>): Promise<Config> {
  return loadConfig(env, { declarationObject: await readDeployedDeclaration(env) });
}
