/** Base class of every error raised by the ddb-athena-sync command (apps/local). */
export class LocalCommandError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad command line: the message says what is wrong and how to call the command. */
export class UsageError extends LocalCommandError {}

/** A command the dispatcher does not know. */
export class UnknownCommandError extends UsageError {
  readonly command: string;

  constructor(command: string, known: readonly string[]) {
    super(`unknown command "${command}"; commands: ${known.join(', ')}`);
    this.command = command;
  }
}

/** The local stack is not running (commands that need it, e.g. backfill or status without one). */
export class StackNotRunningError extends LocalCommandError {
  constructor(dataDir: string) {
    super(
      `no running stack for data directory ${dataDir}: start one with "pnpm ddb-athena-sync up" (or pass --data-dir)`,
    );
  }
}
