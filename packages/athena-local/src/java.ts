import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { JavaNotFoundError } from './errors.js';

/**
 * Trino 476 runs on Java 24 or newer; we ask for 25, the LTS that ships on the project's machines
 * (Temurin 25 under /usr/lib/jvm, beside the default Java 17 that DynamoDB Local uses).
 */
export const TRINO_JAVA_MAJOR = 25;

/** Where Linux distributions and installers put JDKs. Searched, never assumed. */
const JDK_ROOTS = ['/usr/lib/jvm', '/opt/java', '/usr/local/lib/jvm'];

export interface JavaHome {
  readonly home: string;
  readonly major: number;
  readonly java: string;
}

/** Major version from a JDK's `release` file (`JAVA_VERSION="25.0.3"`), undefined when unreadable. */
export function jdkMajor(home: string): number | undefined {
  const release = join(home, 'release');
  if (!existsSync(release) || !existsSync(join(home, 'bin', 'java'))) return undefined;
  const match = /^JAVA_VERSION="(\d+)/m.exec(readFileSync(release, 'utf8'));
  return match === null ? undefined : Number(match[1]);
}

/**
 * The JDK to run Trino with: TRINO_JAVA_HOME when set (it must be new enough), else JAVA_HOME when
 * new enough, else the newest JDK >= TRINO_JAVA_MAJOR under the usual roots.
 */
export function findTrinoJava(
  env: NodeJS.ProcessEnv = process.env,
  roots: readonly string[] = JDK_ROOTS,
): JavaHome {
  const searched: string[] = [];
  const candidates: string[] = [];
  if (env.TRINO_JAVA_HOME !== undefined && env.TRINO_JAVA_HOME !== '') {
    const major = jdkMajor(env.TRINO_JAVA_HOME);
    if (major !== undefined && major >= TRINO_JAVA_MAJOR)
      return { home: env.TRINO_JAVA_HOME, major, java: join(env.TRINO_JAVA_HOME, 'bin', 'java') };
    throw new JavaNotFoundError(TRINO_JAVA_MAJOR, [
      `TRINO_JAVA_HOME=${env.TRINO_JAVA_HOME} (Java ${major ?? '?'})`,
    ]);
  }
  if (env.JAVA_HOME !== undefined && env.JAVA_HOME !== '') candidates.push(env.JAVA_HOME);
  for (const root of roots) {
    searched.push(root);
    if (!existsSync(root)) continue;
    for (const name of readdirSync(root).sort()) candidates.push(join(root, name));
  }
  let best: JavaHome | undefined;
  for (const home of candidates) {
    const major = jdkMajor(home);
    if (major === undefined || major < TRINO_JAVA_MAJOR) continue;
    if (best === undefined || major > best.major) best = { home, major, java: join(home, 'bin', 'java') };
  }
  if (best === undefined) throw new JavaNotFoundError(TRINO_JAVA_MAJOR, searched);
  return best;
}
