/** Base class of every error raised by the stream-writer app. */
export class StreamWriterError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The environment is missing keys or has bad values: every problem, in one message. */
export class ConfigError extends StreamWriterError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`stream-writer configuration is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.problems = problems;
  }
}
