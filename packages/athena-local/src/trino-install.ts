import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { TrinoInstallError } from './errors.js';

/**
 * The pinned Trino release. 476 is the newest whose `trino-server-core` tarball Maven Central serves
 * to this project's machines (checked with `mvn dependency:copy`; 478-483 are not served here).
 * Athena engine v3 tracks Trino releases of its own choosing; what matters for this project (MERGE,
 * Iceberg v2 position deletes, the Hive JSON reader, `ALTER TABLE ... EXECUTE`) is stable across them.
 */
export const TRINO_VERSION = '476';

export const FETCH_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', 'scripts', 'fetch-trino.sh');

export interface TrinoInstall {
  readonly home: string;
  readonly version: string;
  /** The server's jars (`lib/*` is the class path). */
  readonly lib: string;
  /** The directory of the two connector plugins (iceberg, hive), used as `plugin.dir`. */
  readonly plugins: string;
}

/** Same default as scripts/fetch-trino.sh. */
export function defaultTrinoHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TRINO_HOME !== undefined && env.TRINO_HOME !== '') return env.TRINO_HOME;
  const cache =
    env.XDG_CACHE_HOME !== undefined && env.XDG_CACHE_HOME !== ''
      ? env.XDG_CACHE_HOME
      : join(homedir(), '.cache');
  return join(cache, 'ddb-athena-sync', `trino-server-${TRINO_VERSION}`);
}

function installAt(home: string): TrinoInstall | undefined {
  const marker = join(home, '.complete');
  if (!existsSync(marker)) return undefined;
  return {
    home,
    version: readFileSync(marker, 'utf8').trim(),
    lib: join(home, 'lib'),
    plugins: join(home, 'connectors'),
  };
}

/** The installation when it is complete, without fetching. */
export function findTrinoInstall(env: NodeJS.ProcessEnv = process.env): TrinoInstall | undefined {
  return installAt(defaultTrinoHome(env));
}

/**
 * The installation, fetched first when missing (scripts/fetch-trino.sh: Maven Central through
 * `mvn dependency:copy`, cached in ~/.m2). `log` receives the script's progress lines.
 */
export function ensureTrinoInstall(
  options: { readonly env?: NodeJS.ProcessEnv; readonly log?: (line: string) => void } = {},
): TrinoInstall {
  const env = options.env ?? process.env;
  const found = installAt(defaultTrinoHome(env));
  if (found !== undefined) return found;
  options.log?.(`fetching Trino ${TRINO_VERSION} from Maven Central (about 800 MB, once; cached in ~/.m2)`);
  const run = spawnSync('bash', [FETCH_SCRIPT], {
    env: { ...env, TRINO_VERSION, TRINO_HOME: defaultTrinoHome(env) },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 16 * 1024 * 1024,
  });
  if (run.status !== 0)
    throw new TrinoInstallError(
      `scripts/fetch-trino.sh failed (exit ${run.status ?? run.signal}): ${run.stderr.trim().split('\n').slice(-5).join('\n')}`,
    );
  const installed = installAt(defaultTrinoHome(env));
  if (installed === undefined)
    throw new TrinoInstallError(
      `scripts/fetch-trino.sh left no complete installation at ${defaultTrinoHome(env)}`,
    );
  return installed;
}
