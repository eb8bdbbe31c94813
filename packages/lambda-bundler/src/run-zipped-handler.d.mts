// Types of run-zipped-handler.mjs for TypeScript consumers.
export interface ZippedRun {
  /** What the handler returned. */
  readonly result: unknown;
  /** Entries of the zip. */
  readonly files: string[];
  /** What the process printed (logs and EMF metrics). */
  readonly stdout: string;
}

/**
 * Unzips `zipFile` into a fresh temporary directory and invokes its `handler.mjs` export `handler`
 * once with `event` in a new Node process whose environment is `env` plus PATH only.
 */
export function runZippedHandler(
  zipFile: string,
  event: unknown,
  env: Readonly<Record<string, string>>,
): Promise<ZippedRun>;
