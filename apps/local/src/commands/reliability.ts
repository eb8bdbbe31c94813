import { writeFile } from 'node:fs/promises';

import { InvalidArgumentError, Option } from '@commander-js/extra-typings';

import { integerIn, pathValue, positiveInteger } from '../args.js';
import type { CliContext, Program } from '../cli.js';
import { runMutationGate } from '../reliability/mutation/gate.js';
import { PROFILES, scenarioForProfile } from '../reliability/profiles.js';
import { isFailing, runReliability } from '../reliability/run-reliability.js';
import type { ReliabilityFigures } from '../reliability/run-reliability.js';

type Io = { stdout: (s: string) => void; stderr: (s: string) => void };

function summary(figures: ReliabilityFigures): string {
  const list = (r: Readonly<Record<string, number>>): string =>
    Object.entries(r)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k} ${v}`)
      .join(', ') || 'none';
  return [
    `runs ${figures.runs}, failing ${figures.failing}, history violations: ${list(figures.violations)}`,
    `checked ${figures.writes} stream records against ${figures.observations} snapshots and ${figures.commits} commits; failedReads ${figures.failedReads} (of ${figures.reads} reader reads)`,
    `badInputs tried ${figures.badInputs.tried}, handled ${figures.badInputs.handled}; real records quarantined ${figures.unexpectedQuarantine}; on-failure records ${figures.onFailureRecords}; scenario errors ${figures.errors}`,
    `workload: ${list(figures.workload)}`,
    `faults injected, by kind: ${list(figures.injected)}`,
    `compactions (append tables): ${figures.compactions.outputs} outputs PUT (${figures.compactions.replays} by replays) folding ${figures.compactions.inputs} staged objects; rows staged twice ${figures.stagedTwice}`,
    `time ${(figures.durationMs / 1000).toFixed(1)} s; per scenario median ${figures.scenarioMs.median} ms, p95 ${figures.scenarioMs.p95} ms, max ${figures.scenarioMs.max} ms`,
    figures.failingSeeds.length === 0
      ? 'every scenario held'
      : `failing seeds: ${figures.failingSeeds.join(', ')}`,
    '',
  ].join('\n');
}

async function mutants(flags: ReliabilityFlags, seed: number, io: Io): Promise<number> {
  const runs = flags.mutantRuns;
  const only = flags.only?.split(',').filter((s) => s !== '');
  io.stdout(`mutation gate: up to ${runs} scenario(s) per mutant from seed ${seed}\n`);
  const report = await runMutationGate({
    runsPerMutant: runs,
    seed,
    ...(only === undefined ? {} : { only }),
    log: (line) => io.stdout(`${line}\n`),
  });
  for (const o of report.outcomes)
    if (o.status !== 'killed') for (const d of o.detail) io.stdout(`      ${d}\n`);
  io.stdout(
    `killed ${report.killed} of ${report.total} mutants${report.pending > 0 ? ` (${report.pending} pending)` : ''} in ${(report.durationMs / 1000).toFixed(1)} s; runs per mutant: ${report.outcomes
      .filter((o) => o.status !== 'pending')
      .map((o) => `${o.name} ${o.runs}`)
      .join(', ')}\n`,
  );
  return report.ok ? 0 : 1;
}

interface ReliabilityFlags {
  runs: number;
  seed?: number;
  profile: (typeof PROFILES)[number];
  stopOnFailure?: true;
  json?: string;
  verbose?: true;
  trace?: true;
  mutants?: true;
  mutantRuns: number;
  only?: string;
}

export function register(program: Program, context: CliContext): void {
  program
    .command('reliability')
    .summary('fault-injection runs against the local stack')
    .description(
      `Randomised fault-injection scenarios over the local stack (DynamoDB Local, s3rver, the local lake)
and the real stream-writer and merger handlers, built as the local stack builds them: inserts,
updates, deletes and TTL expiries on few keys with many versions each, a backfill while they run,
duplicate and late deliveries, failures after PUT (retried, bisected), S3 and control-table errors
and lost responses, merger crashes between any two calls, two mergers at once, failed, cancelled,
lost and orphaned MERGE queries, lake commit conflicts, and readers through optimize and expiry.
A history oracle checks every snapshot seen (after each merge, by each reader) and the end against
the stream's records. Exit code 0 only when every scenario held (or every mutant was killed).`,
    )
    .addOption(new Option('--runs <n>', 'scenarios to run').argParser(positiveInteger).default(20))
    .addOption(
      new Option(
        '--seed <s>',
        'seed of the first scenario (scenario i uses s + i; default: random, printed)',
      ).argParser(integerIn(0)),
    )
    .addOption(
      new Option('--profile <p>', 'workload and fault profile').choices(PROFILES).default('full' as const),
    )
    .addOption(new Option('--stop-on-failure', 'stop at the first failing scenario'))
    .addOption(new Option('--json <file>', 'write the figures as JSON').argParser(pathValue))
    .addOption(new Option('--verbose', 'one line per scenario'))
    .addOption(new Option('--trace', 'every event of every scenario'))
    .addOption(
      new Option(
        '--mutants',
        'the mutation gate: apply each named mutant in a child process, run seeded scenarios against it; fails if any mutant survives',
      ),
    )
    .addOption(
      new Option('--mutant-runs <n>', 'scenarios per mutant at most').argParser(positiveInteger).default(8),
    )
    .addOption(
      new Option('--only <names>', 'only these mutants (comma-separated)').argParser((raw) => {
        if (raw.split(',').every((n) => n.trim() === ''))
          throw new InvalidArgumentError('needs mutant names.');
        return raw;
      }),
    )
    .action(async (flags) => {
      context.exitCode = await reliability(flags, context);
    });
}

/** \`ddb-athena-sync reliability\`: exit code 0 only when every scenario held (or every mutant was killed). */
async function reliability(flags: ReliabilityFlags, context: CliContext): Promise<number> {
  const { io } = context;
  const { runs, profile } = flags;
  const seed = flags.seed ?? Math.floor(Math.random() * 2 ** 31);
  if (flags.mutants === true) return mutants(flags, seed, io);
  io.stdout(
    `reliability: ${runs} scenario(s), profile ${profile}, seed ${seed} (replay one with --seed <its seed> --runs 1)\n`,
  );

  const figures: ReliabilityFigures = await runReliability({
    runs,
    seed,
    scenario: (s) => scenarioForProfile(s, profile),
    stopOnFailure: flags.stopOnFailure === true,
    ...(flags.trace === true ? { trace: (line: string) => io.stdout(`    ${line}\n`) } : {}),
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
        const violations = Object.entries(r.violationsByKind)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ');
        io.stdout(
          `  #${i + 1} seed ${r.seed}: ${failing ? 'FAIL' : 'ok'} ${r.durationMs} ms, ${r.writes} writes, ${r.observations} snapshots, ${r.commits} commits, violations ${violations || 'none'}, reads ${r.reads} (${r.failedReads} failed), bad ${r.badInputs.handled}/${r.badInputs.tried}, on-failure ${r.onFailureRecords}, compactions ${r.compactions.outputs}, staged twice ${r.stagedTwice}; ${faults}\n`,
        );
        if (failing) for (const e of r.examples) io.stdout(`      ${e}\n`);
      }
    },
  });

  io.stdout(summary(figures));
  if (flags.json !== undefined)
    await writeFile(
      context.path(flags.json),
      `${JSON.stringify({ date: new Date().toISOString(), profile, ...figures }, null, 2)}\n`,
    );
  return figures.failingSeeds.length === 0 ? 0 : 1;
}
