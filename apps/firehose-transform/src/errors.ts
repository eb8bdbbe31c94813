/** Base class of every error raised by the firehose-transform app. */
export class FirehoseTransformError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The environment is missing keys or has bad values: every problem, in one message. */
export class ConfigError extends FirehoseTransformError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`firehose-transform configuration is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.problems = problems;
  }
}
