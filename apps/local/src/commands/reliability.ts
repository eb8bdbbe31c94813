import { writeFile } from 'node:fs/promises';

import { parseArgs } from '../args.js';
import { UsageError } from '../errors.js';
import { isFailing, runReliability } from '../reliability/run-reliability.js';
import type { ReliabilityFigures } from '../reliability/run-reliability.js';

const HELP = `usage: ddb-athena-sync reliability [--runs <n>] [--seed <s>] [--json <file>] [--verbose]

Randomised fault-injection scenarios over the local stack (DynamoDB Local, s3rver, the local lake)
and the real stream-writer and merger handlers: inserts, updates, deletes and TTL expiries with
duplicate deliveries, failures after PUT, S3 errors and slowness, merger crashes at each protocol
step, two mergers at once, lake commit conflicts and a reader through optimize and expiry. After
each scenario the lake must equal a full Scan of DynamoDB.

  --runs <n>     scenarios to run (default 20)
  --seed <s>     seed of the first scenario (scenario i uses s + i; default: random, printed)
  --json <file>  write the figures as JSON
  --verbose      one line per scenario
`;

/** `ddb-athena-sync reliability`: exit code 0 only when every scenario held. */
export async function run(
  args: string[],
  io: { stdout: (s: string) => void; stderr: (s: string) => void },
): Promise<number> {
  const { flags } = parseArgs(args, {
    runs: { type: 'number' },
    seed: { type: 'number' },
    json: { type: 'string' },
    verbose: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (flags.help === true) {
    io.stdout(HELP);
    return 0;
  }
  const runs = flags.runs === undefined ? 20 : Number(flags.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new UsageError('--runs must be a positive integer');
  const seed = flags.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(flags.seed);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new UsageError('--seed must be a non-negative integer');
  io.stdout(`reliability: ${runs} scenario(s), seed ${seed} (replay one with --seed <its seed> --runs 1)\n`);

  const figures: ReliabilityFigures = await runReliability({
    runs,
    seed,
    onScenario: (r, i) => {
      if ('error' in r) {
        io.stdout(
          `  #${i + 1} seed ${r.seed}: ERROR ${r.error instanceof Error ? r.error.message : String(r.error)}\n`,
        );
        return;
      }
      const failing = isFailing(r);
      if (flags.verbose === true || failing) {
        const faults = Object.entries(r.injected)
          .filter(([, v]) => v > 0)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ');
        io.stdout(
          `  #${i + 1} seed ${r.seed}: ${failing ? 'FAIL' : 'ok'} ${r.durationMs} ms, lost ${r.lostChanges}, dup ${r.duplicates}, resurrected ${r.resurrections}, other ${r.otherDifferences}, reads ${r.reads} (${r.failedReads} failed), bad ${r.badInputs.handled}/${r.badInputs.tried}; ${faults}\n`,
        );
        if (failing) for (const e of r.examples) io.stdout(`      ${e}\n`);
      }
    },
  });

  io.stdout(
    [
      `runs ${figures.runs}, divergences ${figures.divergences}, lostChanges ${figures.lostChanges}, duplicates ${figures.duplicates}, resurrections ${figures.resurrections}, failedReads ${figures.failedReads} (of ${figures.reads} reads)`,
      `badInputs tried ${figures.badInputs.tried}, handled ${figures.badInputs.handled}; real records quarantined ${figures.unexpectedQuarantine}; on-failure records ${figures.onFailureRecords}; scenario errors ${figures.errors}`,
      `workload: ${Object.entries(figures.workload)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
      `injected: ${Object.entries(figures.injected)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
      `time ${(figures.durationMs / 1000).toFixed(1)} s; per scenario median ${figures.scenarioMs.median} ms, p95 ${figures.scenarioMs.p95} ms, max ${figures.scenarioMs.max} ms`,
      figures.failingSeeds.length === 0
        ? 'every scenario held'
        : `failing seeds: ${figures.failingSeeds.join(', ')}`,
      '',
    ].join('\n'),
  );
  if (typeof flags.json === 'string')
    await writeFile(
      flags.json,
      `${JSON.stringify({ date: new Date().toISOString(), ...figures }, null, 2)}\n`,
    );
  return figures.failingSeeds.length === 0 ? 0 : 1;
}
