/** Where a command writes: the process streams in the CLI, buffers in tests. */
export interface CommandIo {
  stdout(s: string): void;
  stderr(s: string): void;
}

/** Every command module exports this (`ddb-athena-sync <command> ...args` -> `src/commands/<command>.ts`). */
export type RunCommand = (args: string[], io: CommandIo) => Promise<number>;
