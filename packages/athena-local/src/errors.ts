/** Base class of every error raised by @ddb-athena-sync/athena-local. */
export class AthenaLocalError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** No Java new enough for Trino was found. The message says where we looked and how to fix it. */
export class JavaNotFoundError extends AthenaLocalError {
  readonly minimumMajor: number;
  readonly searched: readonly string[];

  constructor(minimumMajor: number, searched: readonly string[]) {
    super(
      `Trino needs Java ${minimumMajor} or newer, and none was found (looked at TRINO_JAVA_HOME, JAVA_HOME and ${searched.join(', ') || 'no JDK directories'}).\n` +
        `Install a JDK ${minimumMajor} (e.g. Temurin ${minimumMajor}) or set TRINO_JAVA_HOME to one.`,
    );
    this.minimumMajor = minimumMajor;
    this.searched = searched;
  }
}

/** The Trino installation is missing and could not be fetched. */
export class TrinoInstallError extends AthenaLocalError {}

/** Trino did not become ready, or exited. `logTail` is the end of its server log. */
export class TrinoStartError extends AthenaLocalError {
  readonly logTail: string;

  constructor(reason: string, logTail: string, options?: ErrorOptions) {
    super(
      `Trino did not start: ${reason}${logTail === '' ? '' : `\n--- server log (tail) ---\n${logTail}`}`,
      options,
    );
    this.logTail = logTail;
  }
}

/** A statement failed on Trino. `errorName` is Trino's (e.g. TABLE_NOT_FOUND). */
export class TrinoQueryError extends AthenaLocalError {
  readonly errorName: string;
  readonly errorType: string;
  readonly queryId: string | undefined;

  constructor(details: { message: string; errorName: string; errorType: string; queryId?: string }) {
    super(`${details.errorName}: ${details.message}`);
    this.errorName = details.errorName;
    this.errorType = details.errorType;
    this.queryId = details.queryId;
  }
}

/**
 * An Athena DDL statement the stand-in cannot map to Trino, or that Athena itself would reject
 * (e.g. a double-quoted identifier in OPTIMIZE or VACUUM). `athenaMessage` is what the query's
 * StateChangeReason says.
 */
export class AthenaDdlError extends AthenaLocalError {}
