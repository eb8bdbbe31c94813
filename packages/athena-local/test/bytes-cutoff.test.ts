import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { AthenaClient, GetQueryExecutionCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import type { QueryExecution } from '@aws-sdk/client-athena';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { BYTES_SCANNED_CUTOFF_REASON, startAthenaStandIn } from '../src/athena-stand-in.js';
import { TrinoClient } from '../src/trino-client.js';

// The stand-in's per-query bytes cutoff when Trino reports the bytes a query read only in its last
// answer. Trino's client protocol (https://trino.io/docs/current/develop/client-protocol.html)
// sends `stats` on every response and leaves `nextUri` out of the last one; a short query can end
// in the first response, so no progress report ever shows its bytes over the limit. A CI run of
// athena-on-trino.test.ts saw exactly that: SUCCEEDED for a query in a 1-byte workgroup. Athena
// cancels every query that exceeds the per-query limit (Athena User Guide, "Configure per-query and
// per-workgroup data usage controls"). Trino itself is replaced here by a server that answers every
// statement in one response, because the race this test pins cannot be timed on a real one.
const SCANNED = 4096;
const LOCAL = { accessKeyId: 'local', secretAccessKey: 'local' };

let trino: Server;
let trinoUrl: string;

beforeAll(async () => {
  trino = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          id: 'one_response_query',
          columns: [{ name: '_col0', type: 'bigint' }],
          data: [[1]],
          stats: {
            state: 'FINISHED',
            physicalInputBytes: SCANNED,
            elapsedTimeMillis: 5,
            queuedTimeMillis: 0,
          },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => trino.listen(0, '127.0.0.1', resolve));
  trinoUrl = `http://127.0.0.1:${String((trino.address() as AddressInfo).port)}`;
});

afterAll(async () => {
  await new Promise((resolve) => trino.close(resolve));
});

async function runOn(cutoff: number): Promise<QueryExecution> {
  const standIn = await startAthenaStandIn({
    trino: new TrinoClient(trinoUrl),
    bytesScannedCutoffPerQuery: cutoff,
  });
  const athena = new AthenaClient({ endpoint: standIn.endpoint, region: 'us-east-1', credentials: LOCAL });
  try {
    const { QueryExecutionId } = await athena.send(
      new StartQueryExecutionCommand({
        QueryString: 'SELECT count(*) FROM "lake_db"."t"',
        ClientRequestToken: `cutoff-${String(cutoff)}`.padEnd(40, '0'),
        QueryExecutionContext: { Database: 'lake_db' },
      }),
    );
    for (;;) {
      const e = (await athena.send(new GetQueryExecutionCommand({ QueryExecutionId }))).QueryExecution!;
      if (['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(e.Status?.State ?? '')) return e;
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    athena.destroy();
    await standIn.stop();
  }
}

describe("the stand-in's bytes-scanned cutoff", () => {
  it('cancels a query whose bytes pass the limit only in its last answer', async () => {
    const e = await runOn(SCANNED - 1);
    expect(e.Status?.State).toBe('CANCELLED');
    expect(e.Status?.StateChangeReason).toBe(BYTES_SCANNED_CUTOFF_REASON);
    expect(e.Statistics?.DataScannedInBytes).toBe(SCANNED);
  });

  it('lets a query at the limit succeed', async () => {
    const e = await runOn(SCANNED);
    expect(e.Status?.State).toBe('SUCCEEDED');
    expect(e.Statistics?.DataScannedInBytes).toBe(SCANNED);
  });
});
