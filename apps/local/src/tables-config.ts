import { resolve } from 'node:path';

import {
  DEFAULT_TABLES_FILE_NAME,
  findTablesFile,
  loadTablesFile,
} from '@ddb-athena-sync/schemas/config-file';
import type { TablesFile } from '@ddb-athena-sync/schemas/config-file';

import { UsageError } from './errors.js';

/** No declarations file was given and none was found from the working directory up. */
export class TablesFileNotFoundError extends UsageError {
  readonly cwd: string;

  constructor(cwd: string) {
    super(
      `no ${DEFAULT_TABLES_FILE_NAME} (or .yaml/.yml) in ${cwd} or any directory above it: pass --config <file> or run ddb-athena-sync init`,
    );
    this.cwd = cwd;
  }
}

/**
 * The declarations the commands run on: the file named by `--config` (relative to `cwd`) when given,
 * else the nearest `ddb-athena-sync.tables.json` (or YAML) from `cwd` up. An explicit path that
 * does not exist is an error of its own (TablesFileError "no such file"), never a fallback to lookup.
 */
export async function resolveTablesFile(options: {
  config?: string | undefined;
  cwd: string;
}): Promise<TablesFile> {
  if (options.config !== undefined) return loadTablesFile(resolve(options.cwd, options.config));
  const found = findTablesFile(options.cwd);
  if (found === undefined) throw new TablesFileNotFoundError(resolve(options.cwd));
  return loadTablesFile(found);
}
