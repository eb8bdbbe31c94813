import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface MergeTableResult {
  readonly rows: number;
  readonly loadMs: number;
  readonly mergeMs: number;
  readonly inserted: number;
  readonly updated: number;
  readonly deleted: number;
  readonly scanBeforeOptimizeMs: number;
  readonly optimizeMs: number;
  readonly scanAfterOptimizeMs: number;
}

export interface MergeBenchResult {
  /**
   * Merge of 10,000 changes into the 100,000-row table (null when that size was not run). When a
   * size runs more than once, the last run counts: the script's first table in a process also pays
   * for DuckDB's and the JIT's warm-up (the local-lake README says so of its own numbers).
   */
  readonly ms100k: number | null;
  readonly ms1m: number | null;
  readonly tables: readonly MergeTableResult[];
  readonly script: string;
}

const NUMBER_FIELDS = [
  'rows',
  'loadMs',
  'mergeMs',
  'inserted',
  'updated',
  'deleted',
  'scanBeforeOptimizeMs',
  'optimizeMs',
  'scanAfterOptimizeMs',
] as const;

/**
 * One result line of packages/local-lake/scripts/bench.ts (a JSON object per table size); other
 * lines (the ratio, the node version) are not results and give undefined.
 */
export function parseMergeLine(line: string): MergeTableResult | undefined {
  if (!line.startsWith('{')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const o = parsed as Record<string, unknown>;
  const out: Record<string, number> = {};
  for (const f of NUMBER_FIELDS) {
    const v = o[f];
    if (typeof v !== 'number' || !Number.isFinite(v)) return undefined;
    out[f] = v;
  }
  return out as unknown as MergeTableResult;
}

/**
 * The local-lake package's own benchmark script (its engineer owns it; its logic lives only in the
 * script), run as a child process through tsx: merge 10,000 changes into `books`-shaped tables
 * partitioned by bucket(16, id), optimize, full scans before and after.
 */
export async function benchMerge(
  sizes: readonly number[],
  onLine?: (line: string) => void,
): Promise<MergeBenchResult> {
  const require = createRequire(import.meta.url);
  // The package's exports point into its src/; the script sits next to it.
  const lakeModule = fileURLToPath(import.meta.resolve('@ddb-athena-sync/local-lake/lake'));
  const packageDir = dirname(dirname(lakeModule));
  const script = join(packageDir, 'scripts', 'bench.ts');
  const tsx = pathToFileURL(require.resolve('tsx')).href;
  const tables: MergeTableResult[] = [];
  const output: string[] = [];
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', tsx, script, ...sizes.map(String)], {
      cwd: packageDir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
    let buffered = '';
    const take = (chunk: Buffer): void => {
      buffered += chunk.toString();
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (line === '') continue;
        output.push(line);
        onLine?.(line);
        const r = parseMergeLine(line);
        if (r !== undefined) tables.push(r);
      }
    };
    child.stdout.on('data', take);
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString().trimEnd()));
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0 || tables.length !== sizes.length) {
    throw new Error(
      `${script} exited with ${String(code)} after ${tables.length}/${sizes.length} results:\n${output.slice(-20).join('\n')}`,
    );
  }
  const mergeMsAt = (rows: number): number | null => tables.findLast((t) => t.rows === rows)?.mergeMs ?? null;
  return {
    ms100k: mergeMsAt(100_000),
    ms1m: mergeMsAt(1_000_000),
    tables,
    script: 'packages/local-lake/scripts/bench.ts',
  };
}
