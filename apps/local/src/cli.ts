import { JavaMissingError } from '@ddb-athena-sync/local-services/errors';
import { LocalStackError } from '@ddb-athena-sync/local-stack/errors';

import { LocalCommandError, UnknownCommandError } from './errors.js';
import type { CommandIo, RunCommand } from './io.js';

/** `ddb-athena-sync <command>` -> `src/commands/<command>.ts`, each exporting `run(args, io)`. */
export const COMMANDS: Readonly<Record<string, string>> = {
  up: 'start the local stack (DynamoDB Local, s3rver, pollers, merger schedule, Firehose stand-in) until Ctrl-C',
  demo: 'up + a workload + readers; checks the lake against DynamoDB and writes a report',
  query: 'run SQL against the local lake (current snapshot)',
  sql: 'render the SQL the pipeline runs in Athena',
  backfill: 'copy a table that already has items into the lake (parallel Scan -> staging)',
  status: 'staged objects, oldest staged age, last merge and last snapshot per table',
  cost: 'estimate the AWS cost of a configuration',
  bench: 'benchmarks (numbers printed, not asserted)',
  reliability: 'fault-injection runs against the local stack',
};

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return [
    'usage: ddb-athena-sync <command> [options]',
    '',
    ...Object.entries(COMMANDS).map(([c, d]) => `  ${c.padEnd(width)}  ${d}`),
    '',
    'Run "ddb-athena-sync <command> --help" for the options of a command.',
    '',
  ].join('\n');
}

export async function main(argv: readonly string[], io: CommandIo): Promise<number> {
  const [command, ...args] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    io.stdout(usage());
    return command === undefined ? 1 : 0;
  }
  try {
    if (!Object.hasOwn(COMMANDS, command)) throw new UnknownCommandError(command, Object.keys(COMMANDS));
    let mod: { run?: RunCommand };
    try {
      // A computed URL (not a template-literal specifier): resolved at run time by Node/tsx and vitest alike.
      const url = new URL(`./commands/${command}.js`, import.meta.url).href;
      mod = (await import(url)) as { run?: RunCommand };
    } catch (error) {
      if (
        (error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' &&
        String((error as Error).message).includes(`commands/${command}`)
      ) {
        io.stderr(`ddb-athena-sync: the "${command}" command is not available in this checkout yet\n`);
        return 2;
      }
      throw error;
    }
    if (typeof mod.run !== 'function')
      throw new LocalCommandError(`src/commands/${command}.ts does not export run(args, io)`);
    return await mod.run(args, io);
  } catch (error) {
    // Errors that say what to do (a bad flag, a data directory in use, Java missing): the message only.
    if (
      error instanceof LocalCommandError ||
      error instanceof LocalStackError ||
      error instanceof JavaMissingError
    ) {
      io.stderr(`ddb-athena-sync: ${error.message}\n`);
      return 2;
    }
    io.stderr(
      `ddb-athena-sync: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return 1;
  }
}
