import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  closeSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { freePort } from '@ddb-athena-sync/local-services/free-port';

import { TrinoQueryError, TrinoStartError } from './errors.js';
import { findTrinoJava } from './java.js';
import type { JavaHome } from './java.js';
import { TrinoClient } from './trino-client.js';
import { ensureTrinoInstall } from './trino-install.js';
import type { TrinoInstall } from './trino-install.js';

/** The S3 API Trino reads and writes through (s3rver locally). */
export interface S3Endpoint {
  readonly endpoint: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly region: string;
}

export interface StartTrinoOptions {
  readonly s3: S3Endpoint;
  /** Config, metastore, logs and spill go here; a new temporary directory when absent. */
  readonly directory?: string;
  /** JVM heap (-Xmx), default `1G`: enough for the merger's batches, small beside 24 GiB. */
  readonly heap?: string;
  readonly install?: TrinoInstall;
  readonly java?: JavaHome;
  /** More JVM options (after the defaults). */
  readonly jvmOptions?: readonly string[];
  /** Give up waiting for readiness after this long (default 180 s: two busy cores start it in 20-60 s). */
  readonly readyTimeoutMs?: number;
}

export interface TrinoServer {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  readonly client: TrinoClient;
  readonly pid: number;
  readonly directory: string;
  /** Milliseconds from spawn until `SELECT 1` answered. */
  readonly startupMs: number;
  /** Resident set size of the JVM now, in bytes (from /proc), when it can be read. */
  rssBytes(): number | undefined;
  /**
   * Resolves if the JVM exits without `stop()` (killed, out of memory): the stack watches it as it
   * watches DynamoDB Local, and stops with a message instead of failing every merge against a dead
   * endpoint. Never resolves after `stop()`.
   */
  readonly unexpectedExit: Promise<TrinoExit>;
  stop(): Promise<void>;
}

export interface TrinoExit {
  readonly pid: number;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The end of server.log. */
  readonly output: string;
}

/**
 * The catalogs, one metastore: Athena keeps the staging table (Hive, JSON SerDe) and the Iceberg
 * table in one Glue database, and a MERGE names both without a catalog. Trino does the same with
 * table redirection: the session catalog is `hive`, and `hive.iceberg-catalog-name` sends every
 * reference to an Iceberg table to the `iceberg` catalog over the same file metastore
 * (https://trino.io/docs/current/connector/hive.html, "Table redirection").
 */
function catalogFiles(s3: S3Endpoint, metastore: string): Record<string, string> {
  const storage = [
    // Trino's native S3 file system, path-style, against s3rver
    // (https://trino.io/docs/current/object-storage/file-system-s3.html).
    'fs.native-s3.enabled=true',
    `s3.endpoint=${s3.endpoint}`,
    `s3.region=${s3.region}`,
    's3.path-style-access=true',
    `s3.aws-access-key=${s3.accessKeyId}`,
    `s3.aws-secret-key=${s3.secretAccessKey}`,
    // The default S3 signer streams uploads as `aws-chunked` over plain HTTP; s3rver stores such a
    // body verbatim, chunk signatures included, and every Iceberg metadata file reads back corrupt.
    // The unsigned-payload signer sends plain bodies (seen on s3rver 3.7.1 with Trino 476).
    's3.signer-type=Aws4UnsignedPayloadSigner',
    // The metastore is a directory of JSON files on local disk (file metastore).
    'fs.native-local.enabled=true',
    `local.location=${metastore}`,
    'hive.metastore.catalog.dir=local:///',
  ];
  return {
    'hive.properties': [
      'connector.name=hive',
      'hive.metastore=file',
      ...storage,
      'hive.iceberg-catalog-name=iceberg',
      // Athena reads every object under a non-partitioned table's LOCATION, sub-prefixes included;
      // the staging layout is staging/<table>/<yyyy>/<mm>/<dd>/<hh>/... .
      'hive.recursive-directories=true',
      'hive.non-managed-table-writes-enabled=false',
    ].join('\n'),
    'iceberg.properties': [
      'connector.name=iceberg',
      // The Iceberg connector's catalog over the same file metastore as `hive` above.
      'iceberg.catalog.type=TESTING_FILE_METASTORE',
      ...storage,
      'iceberg.hive-catalog-name=hive',
      // Athena's VACUUM honours the table's vacuum_max_snapshot_age_seconds, however small; Trino
      // refuses retentions under 7 days unless these are lowered
      // (https://trino.io/docs/current/connector/iceberg.html, "expire_snapshots").
      'iceberg.expire-snapshots.min-retention=0s',
      'iceberg.remove-orphan-files.min-retention=0s',
    ].join('\n'),
  };
}

const JVM_OPTIONS = [
  '-XX:+UseG1GC',
  '-XX:+ExitOnOutOfMemoryError',
  '-XX:-OmitStackTraceInFastThrow',
  '-XX:+EnableDynamicAgentLoading',
  '--enable-native-access=ALL-UNNAMED',
  '-Djdk.attach.allowAttachSelf=true',
  '-Djdk.nio.maxCachedBufferSize=2000000',
];

function tail(file: string, lines = 30): string {
  if (!existsSync(file)) return '';
  return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
}

function rssOf(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? undefined : Number(match[1]) * 1024;
  } catch {
    return undefined;
  }
}

/**
 * Starts one Trino node (coordinator and worker) on 127.0.0.1 and waits until it answers queries.
 * The JVM is started through `setpriv --pdeathsig` where it exists, so it dies with this process
 * even when this process is killed; `stop()` ends it with SIGTERM (SIGKILL after 20 s). It runs in
 * its own process group (detached), like DynamoDB Local: a terminal's Ctrl-C goes to the
 * foreground group, and a JVM dying on it at once failed the merges of a stack still draining
 * (https://nodejs.org/api/child_process.html#optionsdetached); signals go to the whole group.
 */
export async function startTrino(options: StartTrinoOptions): Promise<TrinoServer> {
  const install = options.install ?? ensureTrinoInstall();
  const java = options.java ?? findTrinoJava();
  const directory = options.directory ?? mkdtempSync(join(tmpdir(), 'trino-'));
  const etc = join(directory, 'etc');
  const metastore = join(directory, 'metastore');
  for (const dir of [join(etc, 'catalog'), metastore, join(directory, 'data')])
    mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  writeFileSync(
    join(etc, 'config.properties'),
    [
      'coordinator=true',
      'node-scheduler.include-coordinator=true',
      `http-server.http.port=${port}`,
      'http-server.log.enabled=false',
      `discovery.uri=${url}`,
      'catalog.management=static',
    ].join('\n'),
  );
  for (const [name, text] of Object.entries(catalogFiles(options.s3, metastore)))
    writeFileSync(join(etc, 'catalog', name), text);

  const log = join(directory, 'server.log');
  const out = openSync(log, 'a');
  const args = [
    `-Xmx${options.heap ?? '1G'}`,
    ...JVM_OPTIONS,
    ...(options.jvmOptions ?? []),
    `-Dconfig=${join(etc, 'config.properties')}`,
    `-Dcatalog.config-dir=${join(etc, 'catalog')}`,
    `-Dplugin.dir=${install.plugins}`,
    '-Dnode.environment=local',
    // Loopback only: left alone, Trino announces itself (and its coordinator polls itself) at the
    // first non-loopback interface address, and listens on every interface.
    '-Dnode.internal-address=127.0.0.1',
    '-Dnode.bind-ip=127.0.0.1',
    `-Dnode.id=athena-local-${port}`,
    `-Dnode.data-dir=${join(directory, 'data')}`,
    '-cp',
    `${install.lib}/*`,
    'io.trino.server.TrinoServer',
  ];
  const started = Date.now();
  const withPdeathsig = existsSync('/usr/bin/setpriv');
  const child: ChildProcess = spawn(
    withPdeathsig ? '/usr/bin/setpriv' : java.java,
    withPdeathsig ? ['--pdeathsig', 'TERM', '--', java.java, ...args] : args,
    { cwd: directory, stdio: ['ignore', out, out], detached: true },
  );
  closeSync(out);
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let stopping = false;
  let reportExit!: (exit: TrinoExit) => void;
  const unexpectedExit = new Promise<TrinoExit>((resolve) => (reportExit = resolve));
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      process.removeListener('exit', killOnExit);
      if (!stopping) reportExit({ pid: child.pid ?? -1, code, signal, output: tail(log) });
      resolve();
    }),
  );
  // The group: setpriv execs the JVM (same pid), and anything the JVM starts goes with it.
  const signalGroup = (signal: NodeJS.Signals): void => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal);
    } catch {
      child.kill(signal);
    }
  };
  const killOnExit = (): void => {
    if (exited === undefined) signalGroup('SIGKILL');
  };
  process.once('exit', killOnExit);

  const stop = async (): Promise<void> => {
    stopping = true;
    process.removeListener('exit', killOnExit);
    if (exited !== undefined) return;
    signalGroup('SIGTERM');
    const timer = setTimeout(() => signalGroup('SIGKILL'), 20_000);
    await exit;
    clearTimeout(timer);
  };

  const client = new TrinoClient(url);
  const deadline = started + (options.readyTimeoutMs ?? 180_000);
  for (;;) {
    if (exited !== undefined)
      throw new TrinoStartError(`the JVM exited (code ${exited.code}, signal ${exited.signal})`, tail(log));
    if (Date.now() > deadline) {
      await stop();
      throw new TrinoStartError(`not ready after ${options.readyTimeoutMs ?? 180_000} ms`, tail(log));
    }
    try {
      const info = (await (await fetch(`${url}/v1/info`)).json()) as { starting?: boolean };
      // Right after "starting" turns false the node may not have announced itself as a worker yet
      // (NO_NODES_AVAILABLE): a real query is the only proof of readiness.
      if (info.starting === false) {
        await client.query('SELECT 1');
        break;
      }
    } catch (error) {
      if (
        error instanceof TrinoQueryError &&
        error.errorName !== 'NO_NODES_AVAILABLE' &&
        error.errorName !== 'SERVER_STARTING_UP'
      ) {
        await stop();
        throw new TrinoStartError(`SELECT 1 failed: ${error.message}`, tail(log), { cause: error });
      }
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  const pid = child.pid!;
  return {
    url,
    client,
    pid,
    directory,
    startupMs: Date.now() - started,
    rssBytes: () => rssOf(pid),
    unexpectedExit,
    stop,
  };
}
