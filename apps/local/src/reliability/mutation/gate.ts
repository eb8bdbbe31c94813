import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { ReliabilityFigures } from '../run-reliability.js';
import { MUTANTS } from './mutants.js';
import type { Mutant } from './mutants.js';

const REPO_ROOT = fileURLToPath(new URL('../../../../../', import.meta.url));
const BIN = join(REPO_ROOT, 'apps/local/bin/ddb-athena-sync.js');
const REGISTER = fileURLToPath(new URL('./register-mutant.mjs', import.meta.url));

export class MutantTargetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MutantTargetError';
  }
}

export interface MutantOutcome {
  readonly name: string;
  readonly profile: string;
  /** `killed`: a scenario failed under the mutant and the same seed passed without it. */
  readonly status: 'killed' | 'survived' | 'pending' | 'control-failed';
  /** Scenarios run against the mutant (the gate stops at the first failure). */
  readonly runs: number;
  readonly killingSeed?: number;
  /** The first violations the killing scenario reported. */
  readonly detail: readonly string[];
}

export interface GateReport {
  readonly outcomes: readonly MutantOutcome[];
  readonly killed: number;
  /** Mutants that ran (pending ones are not counted). */
  readonly total: number;
  readonly pending: number;
  readonly durationMs: number;
  readonly ok: boolean;
}

export interface GateOptions {
  /** Scenarios per mutant at most (seed, seed + 1, ...). */
  readonly runsPerMutant: number;
  readonly seed: number;
  /** Only these mutants (default: all). */
  readonly only?: readonly string[];
  readonly log?: (line: string) => void;
}

/** Fails loudly when a mutant's snippet is not (exactly `count` times) in its target file. */
export async function assertTargets(mutants: readonly Mutant[]): Promise<void> {
  for (const m of mutants) {
    if (m.pending !== undefined) continue;
    const source = await readFile(join(REPO_ROOT, m.file), 'utf8');
    for (const r of m.replacements) {
      const found = source.split(r.find).length - 1;
      if (found !== r.count)
        throw new MutantTargetError(
          `mutant ${m.name}: its snippet occurs ${found} time(s) in ${m.file}, expected ${r.count}; the product code moved, update the mutant`,
        );
    }
  }
}

interface ChildRun {
  readonly figures: ReliabilityFigures | undefined;
  readonly output: string;
  readonly applied: boolean;
}

/** One `reliability` child process, with the mutant's load hook when `mutant` is given. */
async function runChild(
  work: string,
  tag: string,
  args: readonly string[],
  mutant: Mutant | undefined,
): Promise<ChildRun> {
  const json = join(work, `${tag}.json`);
  const marker = join(work, `${tag}.applied`);
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.DDB_ATHENA_SYNC_MUTANT;
  if (mutant !== undefined)
    env.DDB_ATHENA_SYNC_MUTANT = JSON.stringify({
      name: mutant.name,
      file: mutant.file,
      replacements: mutant.replacements,
      marker,
    });
  const child = spawn(process.execPath, ['--import', REGISTER, BIN, 'reliability', ...args, '--json', json], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (output += d.toString('utf8')));
  await new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', () => resolve());
  });
  const figures = existsSync(json)
    ? (JSON.parse(await readFile(json, 'utf8')) as ReliabilityFigures)
    : undefined;
  return { figures, output, applied: existsSync(marker) };
}

function detailOf(output: string): string[] {
  return output
    .split('\n')
    .filter((l) => /^\s{6}\S/.test(l) || /FAIL|ERROR/.test(l))
    .slice(0, 6)
    .map((l) => l.trim().slice(0, 240));
}

/**
 * The mutation gate: each mutant runs in its own child process (the product's source rewritten by
 * a load hook in that process only) against up to `runsPerMutant` seeded scenarios of its profile,
 * stopping at the first failure. A mutant counts as killed only when that seed then passes without
 * the mutant (a control run), so that a flaky or already-failing scenario cannot kill anything.
 */
export async function runMutationGate(options: GateOptions): Promise<GateReport> {
  const started = Date.now();
  const log = options.log ?? (() => undefined);
  const chosen = MUTANTS.filter((m) => options.only === undefined || options.only.includes(m.name));
  if (options.only !== undefined)
    for (const name of options.only)
      if (!MUTANTS.some((m) => m.name === name)) throw new MutantTargetError(`no mutant named ${name}`);
  await assertTargets(chosen);
  const work = await mkdtemp(join(tmpdir(), 'ddb-athena-sync-mutants-'));
  const outcomes: MutantOutcome[] = [];
  try {
    for (const m of chosen) {
      if (m.pending !== undefined) {
        outcomes.push({ name: m.name, profile: m.profile, status: 'pending', runs: 0, detail: [m.pending] });
        log(`  ${m.name}: pending (${m.pending})`);
        continue;
      }
      const run = await runChild(
        work,
        m.name,
        [
          '--runs',
          String(options.runsPerMutant),
          '--seed',
          String(options.seed),
          '--profile',
          m.profile,
          '--stop-on-failure',
        ],
        m,
      );
      if (!run.applied)
        throw new MutantTargetError(
          `mutant ${m.name} was never applied: ${m.file} was not loaded, or its snippet was missing\n${run.output.slice(-2000)}`,
        );
      const figures = run.figures;
      const killingSeed = figures?.failingSeeds[0];
      if (figures === undefined || killingSeed === undefined) {
        if (figures === undefined) log(run.output.slice(-2000));
        outcomes.push({
          name: m.name,
          profile: m.profile,
          status: 'survived',
          runs: figures?.runs ?? 0,
          detail: [],
        });
        log(`  ${m.name}: SURVIVED ${figures?.runs ?? 0} scenario(s) of profile ${m.profile}`);
        continue;
      }
      // Control: the killing seed without the mutant must pass.
      const control = await runChild(
        work,
        `${m.name}-control`,
        ['--runs', '1', '--seed', String(killingSeed), '--profile', m.profile],
        undefined,
      );
      const controlOk = control.figures !== undefined && control.figures.failing === 0;
      outcomes.push({
        name: m.name,
        profile: m.profile,
        status: controlOk ? 'killed' : 'control-failed',
        runs: figures.runs,
        killingSeed,
        detail: controlOk ? detailOf(run.output) : detailOf(control.output),
      });
      log(
        controlOk
          ? `  ${m.name}: killed by seed ${killingSeed} (profile ${m.profile}, scenario ${figures.runs} of at most ${options.runsPerMutant})`
          : `  ${m.name}: seed ${killingSeed} fails without the mutant too: the gate cannot judge it`,
      );
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  const ran = outcomes.filter((o) => o.status !== 'pending');
  const killed = ran.filter((o) => o.status === 'killed').length;
  return {
    outcomes,
    killed,
    total: ran.length,
    pending: outcomes.length - ran.length,
    durationMs: Date.now() - started,
    ok: killed === ran.length,
  };
}
