/** Base class of the merger app's errors. */
export class MergerError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The environment is missing keys or has bad values: every problem, in one message. */
export class ConfigError extends MergerError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`invalid merger environment: ${problems.join('; ')}`);
    this.problems = problems;
  }
}

/** The Scheduler event is not `{table, action: "merge" | "maintain"}` for this function's table. */
export class BadEventError extends MergerError {}
