import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { METRICS_NAMESPACE } from '@ddb-athena-sync/core/config/env';

import type { Config } from './config.js';

export interface Deps {
  readonly config: Config;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/** Built once per execution environment (cold start). */
export function buildDeps(config: Config): Deps {
  return {
    config,
    logger: new Logger({ serviceName: config.serviceName, logLevel: config.logLevel as 'INFO' }),
    metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName: config.serviceName }),
  };
}
