/**
 * The `ddb-athena-sync` command: one commander program (https://github.com/tj/commander.js), typed
 * with @commander-js/extra-typings.
 *
 * How a command is added: `src/commands/<name>.ts` exports
 *
 *     export function register(program: Program, context: CliContext): void
 *
 * which adds its sub-command with `program.command('<name>')`, its options (typed parsers from
 * `args.ts`: ranges, choices, paths), and an async action that sets `context.exitCode` (or throws:
 * a `UsageError` exits 2, another error 1, see EXIT_CODES). A command reads the declared tables
 * with `await context.tables()` (the global `--config <file>`, or the declarations file found from
 * the working directory) and names on the command line with `context.path(...)` / `context.dataDir(...)`,
 * which resolve against the user's working directory. Then one line in REGISTRATIONS below.
 *
 * Output goes through `context.io` (the process streams, or buffers in tests); nothing here calls
 * process.exit, so `main` can run many times in one process.
 */
import { realpathSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { Command, CommanderError, Option } from '@commander-js/extra-typings';
import { AthenaLocalError } from '@ddb-athena-sync/athena-local/errors';
import { CoreError } from '@ddb-athena-sync/core/errors';
import { CostModelError } from '@ddb-athena-sync/cost/errors';
import { LakeError } from '@ddb-athena-sync/local-lake/errors';
import { LocalServiceError } from '@ddb-athena-sync/local-services/errors';
import { DEFAULT_DATA_DIR } from '@ddb-athena-sync/local-stack/data-dir';
import { LocalStackError } from '@ddb-athena-sync/local-stack/errors';
import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';
import { SchemaError } from '@ddb-athena-sync/schemas/errors';
import type { TablesFile } from '@ddb-athena-sync/schemas/config-file';

import * as backfill from './commands/backfill.js';
import * as bench from './commands/bench.js';
import * as cost from './commands/cost.js';
import * as demo from './commands/demo.js';
import * as env from './commands/env.js';
import * as exportTerraform from './commands/export-terraform.js';
import * as init from './commands/init.js';
import * as quarantine from './commands/quarantine.js';
import * as query from './commands/query.js';
import * as reliability from './commands/reliability.js';
import * as schema from './commands/schema.js';
import * as sql from './commands/sql.js';
import * as status from './commands/status.js';
import * as up from './commands/up.js';
import * as validate from './commands/validate.js';
import { prose } from './args.js';
import { LocalCommandError, UsageError } from './errors.js';
import { EXIT_CODES } from './exit-codes.js';
import type { CommandIo } from './io.js';
import { resolveTablesFile } from './tables-config.js';

/** The global options every command sees. */
// A type alias, not an interface: commander's OptionValues needs the implicit index signature.
export type GlobalOptions = { config?: string; debug?: true };

export type Program = Command<[], GlobalOptions>;

export interface CliContext {
  readonly io: CommandIo;
  /** The user's working directory: INIT_CWD when run through a pnpm/npm script, else process.cwd(). */
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** The declarations file: the global `--config <file>`, else the one found from cwd up (decl15's resolveTablesFile). */
  tablesFile(): Promise<TablesFile>;
  /** Its tables. */
  tables(): Promise<ReadonlyMap<string, TableDeclaration>>;
  /** A name given on the command line, resolved against `cwd`. */
  path(name: string): string;
  /** `--data-dir` (or the default) resolved against `cwd`. */
  dataDir(option: string | undefined): string;
  /** Set by the command's action; `main` returns it. */
  exitCode: number;
}

type Register = (program: Program, context: CliContext) => void;

/** One line per command, in the order `--help` lists them. */
const REGISTRATIONS: readonly Register[] = [
  up.register,
  demo.register,
  query.register,
  sql.register,
  backfill.register,
  status.register,
  quarantine.register,
  env.register,
  cost.register,
  bench.register,
  reliability.register,
  schema.register,
  validate.register,
  init.register,
  exportTerraform.register,
];

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** Errors whose message says what is wrong (typed errors of this repository's packages). */
function isKnown(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  // The AWS SDK's: no credentials found, or a service's answer (AccessDenied, ResourceNotFound...).
  if (error.name === 'CredentialsProviderError' || '$metadata' in error || '$fault' in error) return true;
  return (
    error instanceof LocalCommandError ||
    error instanceof LocalStackError ||
    error instanceof LocalServiceError ||
    error instanceof AthenaLocalError ||
    error instanceof SchemaError ||
    error instanceof CoreError ||
    error instanceof LakeError ||
    error instanceof CostModelError
  );
}

function describeError(error: unknown, debug: boolean): string {
  if (!(error instanceof Error)) return `error: ${String(error)}\n`;
  const lines = [`error: ${error.message}`];
  if (debug) {
    // Every cause, with its stack: what a bug report needs.
    let e: unknown = error;
    lines.length = 0;
    while (e instanceof Error) {
      lines.push(
        lines.length === 0 ? `error: ${e.stack ?? e.message}` : `caused by: ${e.stack ?? e.message}`,
      );
      e = e.cause;
    }
  } else if (!isKnown(error)) {
    lines[0] = `error: ${error.name}: ${error.message}`;
    lines.push('(an unexpected error: run again with --debug, or DEBUG=1, for the stack trace)');
  }
  return `${lines.join('\n')}\n`;
}

export interface MainOptions {
  /** Defaults: INIT_CWD or process.cwd(), and process.env. */
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
}

/** The user's working directory (pnpm runs the root script from the repository root; INIT_CWD is where it was typed). */
export function userCwd(env: NodeJS.ProcessEnv): string {
  const init = env.INIT_CWD;
  if (init !== undefined && init !== '') {
    try {
      return realpathSync(init);
    } catch {
      // A stale INIT_CWD (the directory is gone): fall back.
    }
  }
  return process.cwd();
}

export function buildProgram(context: CliContext): Program {
  const program: Program = new Command()
    .name('ddb-athena-sync')
    .description(
      'Local stack, demo, queries and tools of ddb-athena-sync (DynamoDB -> Iceberg tables queryable in Athena).',
    )
    .version(packageVersion(), '-V, --version', 'print the version')
    .addOption(
      new Option(
        '--config <file>',
        'declarations file (default: ddb-athena-sync.tables.json found from the working directory up)',
      ),
    )
    .addOption(new Option('--debug', 'print stack traces of errors (also DEBUG=1)'))
    .helpCommand('help [command]', 'show the options of a command')
    .showSuggestionAfterError(true)
    .showHelpAfterError('(run "ddb-athena-sync help <command>" for its options)')
    .configureOutput({
      writeOut: (s) => context.io.stdout(s),
      writeErr: (s) => context.io.stderr(s),
      // Commander's messages start "error: "; every error of the CLI reads "ddb-athena-sync: error: ...".
      outputError: (s, write) => write(`ddb-athena-sync: ${s}`),
    })
    .exitOverride();
  program.addHelpText(
    'after',
    `
Exit codes: 0 ok, 1 failure, 2 usage error, 3 backfill finished with quarantined items, 130 Ctrl-C.
Names (--data-dir, --config, --report, ...) resolve against the working directory.`,
  );
  // Settings above are copied to each sub-command when it is created (commander's copyInheritedSettings).
  for (const register of REGISTRATIONS) register(program, context);
  for (const command of program.commands) command.description(prose(command.description()));
  return program;
}

/** Runs the command line; returns the exit code (see EXIT_CODES). */
export async function main(
  argv: readonly string[],
  io: CommandIo,
  options: MainOptions = {},
): Promise<number> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? userCwd(env);
  let program: Program | undefined;
  let tablesFile: Promise<TablesFile> | undefined;
  const context: CliContext = {
    io,
    cwd,
    env,
    tablesFile: () => {
      // Read once per run, when a command first needs it (query, cost, bench need none).
      tablesFile ??= resolveTablesFile({ config: program?.opts().config, cwd });
      return tablesFile;
    },
    tables: async () => (await context.tablesFile()).tables,
    path: (name) => resolve(cwd, name),
    dataDir: (option) => resolve(cwd, option ?? DEFAULT_DATA_DIR),
    exitCode: 0,
  };
  const debugEnv = env.DEBUG !== undefined && env.DEBUG !== '' && env.DEBUG !== '0' && env.DEBUG !== 'false';
  try {
    program = buildProgram(context);
    await program.parseAsync([...argv], { from: 'user' });
    return context.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and --version exit 0; every other commander error is a usage error (already printed).
      return error.exitCode === 0 ? 0 : EXIT_CODES.usage;
    }
    const debug = debugEnv || program?.opts().debug === true || argv.includes('--debug');
    io.stderr(`ddb-athena-sync: ${describeError(error, debug)}`);
    if (error instanceof UsageError) {
      io.stderr('(run "ddb-athena-sync help <command>" for its options)\n');
      return EXIT_CODES.usage;
    }
    return EXIT_CODES.failure;
  }
}
