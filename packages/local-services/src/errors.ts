/** Base class of every error raised by @ddb-athena-sync/local-services. */
export class LocalServiceError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Java is missing or older than 17: DynamoDB Local 3.x cannot start. The message says how to fix it. */
export class JavaMissingError extends LocalServiceError {
  readonly found: string | undefined;

  constructor(found: string | undefined) {
    super(
      `DynamoDB Local 3.x needs Java 17 or newer, ${found === undefined ? 'but no "java" command was found' : `but found Java ${found}`}.\n` +
        'Install one, e.g. "sudo apt-get install openjdk-17-jre-headless" (Debian/Ubuntu), "brew install openjdk@17" (macOS),\n' +
        'or set JAVA_HOME and put $JAVA_HOME/bin on PATH.',
    );
    this.found = found;
  }
}

/** A local service did not become ready in time. */
export class ServiceStartError extends LocalServiceError {
  readonly service: string;

  constructor(service: string, reason: string, options?: ErrorOptions) {
    super(`${service} did not start: ${reason}`, options);
    this.service = service;
  }
}
