/** Base class of every error raised by the cost model (packages/cost). */
export class CostModelError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The price file is missing, unreadable, or does not define what the model needs; `problems` lists all of it. */
export class PriceFileError extends CostModelError {
  constructor(
    readonly file: string,
    readonly problems: string[],
    options?: ErrorOptions,
  ) {
    super(`price file ${file} is not usable:\n  - ${problems.join('\n  - ')}`, options);
  }
}
