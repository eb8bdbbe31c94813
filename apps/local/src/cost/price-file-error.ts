/** The price file is missing, unreadable, or does not define what the model needs; `problems` lists all of it. */
export class PriceFileError extends Error {
  override readonly name = 'PriceFileError';
  constructor(
    readonly file: string,
    readonly problems: string[],
    options?: { cause?: unknown },
  ) {
    super(`price file ${file} is not usable:\n  - ${problems.join('\n  - ')}`, options);
  }
}
