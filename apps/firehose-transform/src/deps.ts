import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

import type { Config } from './config.js';

export interface Deps {
  readonly config: Config;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

export const METRICS_NAMESPACE = 'DdbAthenaSync';

/** Built once per execution environment (cold start). */
export function buildDeps(config: Config): Deps {
  return {
    config,
    logger: new Logger({ serviceName: config.serviceName, logLevel: config.logLevel as 'INFO' }),
    metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName: config.serviceName }),
  };
}
