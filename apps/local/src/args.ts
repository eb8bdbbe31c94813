import { resolve } from 'node:path';

import { InvalidArgumentError, Option } from '@commander-js/extra-typings';
import { LOG_LEVELS } from '@ddb-athena-sync/core/config/env';
import type { LogLevelName } from '@ddb-athena-sync/core/config/env';
import { DEFAULT_DATA_DIR } from '@ddb-athena-sync/local-stack/data-dir';

// Option value parsers shared by the commands. Commander calls them while parsing and turns an
// InvalidArgumentError into its usage error ("option '--segments <n>' argument '0' is invalid. ..."),
// exit code 2: https://github.com/tj/commander.js#custom-option-processing

/** A whole number in [min, max] (`--segments`, `--batch-size`, `--readers`). */
export function integerIn(min: number, max = Number.MAX_SAFE_INTEGER): (raw: string) => number {
  return (raw) => {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(
        max === Number.MAX_SAFE_INTEGER
          ? min === 1
            ? 'Must be a positive whole number.'
            : `Must be a whole number of at least ${min}.`
          : `Must be a whole number from ${min} to ${max}.`,
      );
    return n;
  };
}

/** A positive whole number. */
export const positiveInteger = integerIn(1);

/** A number of seconds on the command line -> milliseconds, at least `minSeconds`. */
export function seconds(minSeconds = 0, allowZero = minSeconds === 0): (raw: string) => number {
  return (raw) => {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n) || n < minSeconds || (!allowZero && n === 0))
      throw new InvalidArgumentError(
        minSeconds > 0
          ? `Must be a number of seconds, at least ${minSeconds}.`
          : 'Must be a number of seconds.',
      );
    return Math.round(n * 1000);
  };
}

/** A positive number (`--rate`). */
export function positiveNumber(raw: string): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError('Must be a positive number.');
  return n;
}

/**
 * A file or directory name. Commander hands a required option the next word whatever it is, so
 * `--data-dir --json` would make "--json" the directory and swallow the flag: refused here.
 */
export function pathValue(raw: string): string {
  if (raw === '') throw new InvalidArgumentError('Must not be empty.');
  if (raw.startsWith('-'))
    throw new InvalidArgumentError(`It is an option, not a name (to name a file "${raw}", write ./${raw}).`);
  return raw;
}

/** `--data-dir <dir>`: relative names resolve against the user's working directory (see cli.ts). */
export function dataDirOption(): Option<'--data-dir <dir>', undefined, undefined, string> {
  return new Option(
    '--data-dir <dir>',
    `state directory (default ${DEFAULT_DATA_DIR}/ in the working directory)`,
  ).argParser(pathValue);
}

/** `--log-level`, one of core's LOG_LEVELS (the handlers' POWERTOOLS_LOG_LEVEL), any case. */
export function logLevelOption(): Option<'--log-level <level>', undefined, undefined, LogLevelName> {
  return new Option(
    '--log-level <level>',
    `handler log level: ${LOG_LEVELS.join(', ')} (default SILENT; INFO shows every batch)`,
  ).argParser((raw): LogLevelName => {
    const level = raw.toUpperCase();
    if (!(LOG_LEVELS as readonly string[]).includes(level))
      throw new InvalidArgumentError(`Must be one of ${LOG_LEVELS.join(', ')}.`);
    return level as LogLevelName;
  });
}

/** An absolute path for a name given on the command line, against the user's working directory. */
export function resolveFrom(cwd: string, path: string): string {
  return resolve(cwd, path);
}

/**
 * Help text written as paragraphs: single line breaks become spaces so commander wraps the text to
 * the terminal (it leaves text with indented lines alone: those stay as written).
 */
export function prose(text: string): string {
  return text.replace(/([^\n])\n(?=[^\n\s])/g, '$1 ');
}
