import { startAthenaStandIn } from './athena-stand-in.js';
import type { AthenaStandIn } from './athena-stand-in.js';
import { startTrino } from './trino-server.js';
import type { S3Endpoint, TrinoServer } from './trino-server.js';

export interface AthenaOnTrino {
  readonly trino: TrinoServer;
  readonly standIn: AthenaStandIn;
  /** The stand-in's URL: the `endpoint` of an AthenaClient. */
  readonly endpoint: string;
  stop(): Promise<void>;
}

/**
 * Trino plus the Athena stand-in in front of it, with the given Glue databases created (as Terraform
 * creates them in AWS before the merger runs): what `ddb-athena-sync up --engine trino` starts.
 */
export async function startAthenaOnTrino(options: {
  readonly s3: S3Endpoint;
  readonly directory?: string;
  readonly databases: readonly string[];
  readonly bytesScannedCutoffPerQuery?: number;
}): Promise<AthenaOnTrino> {
  const trino = await startTrino({
    s3: options.s3,
    ...(options.directory === undefined ? {} : { directory: options.directory }),
  });
  try {
    const standIn = await startAthenaStandIn({
      trino: trino.client,
      ...(options.bytesScannedCutoffPerQuery === undefined
        ? {}
        : { bytesScannedCutoffPerQuery: options.bytesScannedCutoffPerQuery }),
    });
    for (const database of options.databases) await standIn.createDatabase(database);
    return {
      trino,
      standIn,
      endpoint: standIn.endpoint,
      stop: async () => {
        await standIn.stop();
        await trino.stop();
      },
    };
  } catch (error) {
    await trino.stop();
    throw error;
  }
}
