import { stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';

import { DEFAULT_DATA_DIR } from '@ddb-athena-sync/local-stack/data-dir';

import { DataDirError } from './errors.js';

/**
 * Checks a data directory before a command uses it: a name that is a file is refused with a message
 * (not the ENOTDIR stack of the first mkdir under it); with `mustExist`, a missing directory too, so
 * `status` or `query` on a typo'd name says so instead of creating an empty directory.
 */
export async function checkDataDir(dataDir: string, options: { mustExist: boolean }): Promise<boolean> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(dataDir)).isDirectory();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      if (options.mustExist)
        throw new DataDirError(dataDir, 'does not exist: nothing has run there (check --data-dir)');
      return false;
    }
    if (code === 'ENOTDIR') throw new DataDirError(dataDir, 'is inside a file, not a directory');
    throw error;
  }
  if (!isDirectory) throw new DataDirError(dataDir, 'is a file, not a directory');
  return true;
}

/**
 * A command line to copy: `pnpm ddb-athena-sync <command>`, with `--data-dir` when the data
 * directory is not the default one (relative to the working directory when it is under it).
 */
export function commandHint(cwd: string, dataDir: string, command: string): string {
  if (resolve(cwd, DEFAULT_DATA_DIR) === dataDir) return `pnpm ddb-athena-sync ${command}`;
  const rel = relative(cwd, dataDir);
  const shown = rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : dataDir;
  const quoted = /^[\w./@:+-]+$/.test(shown) ? shown : `'${shown.replaceAll("'", "'\\''")}'`;
  // Last: commander takes a sub-command's options after its arguments (`quarantine show <id> --data-dir d`).
  return `pnpm ddb-athena-sync ${command} --data-dir ${quoted}`;
}
