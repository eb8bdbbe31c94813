/** Documented in README.md ("Exit codes"). */
export const EXIT_CODES = {
  ok: 0,
  /** The command ran and failed (a demo that did not converge, a query DuckDB rejected, AWS said no). */
  failure: 1,
  /** Bad command line: unknown command or option, a value out of range, a missing argument. */
  usage: 2,
  /** `backfill` finished, but some items were quarantined instead of staged (`quarantine list`). */
  quarantined: 3,
  /** Stopped by Ctrl-C (128 + SIGINT, as shells report it). */
  interrupted: 130,
} as const;
