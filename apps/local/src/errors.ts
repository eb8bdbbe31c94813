/** Base class of every error raised by the ddb-athena-sync command (apps/local). */
export class LocalCommandError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad command line: the message says what is wrong and how to call the command (exit code 2). */
export class UsageError extends LocalCommandError {}

/** The local stack is not running (commands that need it, e.g. `env` or `quarantine replay`). */
export class StackNotRunningError extends LocalCommandError {
  readonly dataDir: string;

  constructor(dataDir: string, startHint: string) {
    super(`no running stack for data directory ${dataDir}: start one with "${startHint}"`);
    this.dataDir = dataDir;
  }
}

/** A data directory name that is not a directory (a file), or missing where one must exist. */
export class DataDirError extends LocalCommandError {
  readonly dataDir: string;

  constructor(dataDir: string, problem: string) {
    super(`data directory ${dataDir} ${problem}`);
    this.dataDir = dataDir;
  }
}
