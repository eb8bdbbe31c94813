import { randomUUID } from 'node:crypto';
import { access, link, mkdir, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { assertIdentifier } from '@ddb-athena-sync/schemas/sql-safety';

import { TableExistsError, TableNotFoundError } from './errors.js';
import { parseTableMetadata, stringifyTableMetadata } from './table-metadata.js';
import type { TableMetadata } from './table-metadata.js';

/** One committed version of a table's metadata. */
export interface LoadedTable {
  readonly namespace: string;
  readonly name: string;
  readonly version: number;
  readonly metadataFile: string;
  readonly metadata: TableMetadata;
}

/**
 * A file-system catalog: `<root>/<namespace>/<table>/metadata/v<N>.metadata.json`, the layout of
 * Iceberg's Hadoop catalog, which icebird reads through `version-hint.text`.
 *
 * Commit method (one per table, never mixed): exclusive creation of `v<N+1>.metadata.json`. The
 * new file is written under a temporary name and hard-linked into place; `link(2)` fails with
 * EEXIST when another writer got there first, so exactly one writer wins each version, and a writer
 * killed at any point leaves either no new version or a complete one (the link is atomic).
 * `version-hint.text` is only a hint: loaders probe forward from it, so a crash between the link
 * and the hint update loses nothing.
 */
export class FileCatalog {
  readonly root: string;
  /**
   * The last metadata parsed per table, with its text: a metadata file never changes once linked
   * into place, and readers load the same version over and over (every query loads every table),
   * so parsing and validating the same JSON again is skipped when the text is identical.
   */
  private readonly parsed = new Map<string, { file: string; text: string; metadata: TableMetadata }>();

  constructor(root: string) {
    this.root = root;
  }

  tableDir(namespace: string, name: string): string {
    return join(this.root, assertIdentifier(namespace, 'namespace'), assertIdentifier(name, 'table name'));
  }

  metadataDir(namespace: string, name: string): string {
    return join(this.tableDir(namespace, name), 'metadata');
  }

  async createNamespace(namespace: string): Promise<void> {
    await mkdir(join(this.root, assertIdentifier(namespace, 'namespace')), { recursive: true });
  }

  async listNamespaces(): Promise<string[]> {
    const entries = await readdir(this.root, { withFileTypes: true }).catch(() => []);
    return entries
      .filter((e) => e.isDirectory() && /^[a-z_][a-z0-9_]*$/.test(e.name))
      .map((e) => e.name)
      .sort();
  }

  async listTables(namespace: string): Promise<string[]> {
    const dir = join(this.root, assertIdentifier(namespace, 'namespace'));
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    const out: string[] = [];
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const files = await readdir(join(dir, e.name, 'metadata')).catch(() => [] as string[]);
      if (files.some((f) => /^v\d+\.metadata\.json$/.test(f))) out.push(e.name);
    }
    return out.sort();
  }

  /** Creates version 1; TableExistsError when any version exists. */
  async createTable(namespace: string, name: string, metadata: TableMetadata): Promise<LoadedTable> {
    const dir = this.metadataDir(namespace, name);
    await mkdir(dir, { recursive: true });
    const files = await readdir(dir);
    if (files.some((f) => /^v\d+\.metadata\.json$/.test(f)))
      throw new TableExistsError(`${namespace}.${name}`);
    const committed = await this.tryWrite(namespace, name, 1, metadata);
    if (committed === undefined) throw new TableExistsError(`${namespace}.${name}`);
    return committed;
  }

  private versionFile(namespace: string, name: string, version: number): string {
    return join(this.metadataDir(namespace, name), `v${version}.metadata.json`);
  }

  /** The newest committed version. */
  async latestVersion(namespace: string, name: string): Promise<number> {
    const dir = this.metadataDir(namespace, name);
    let version: number;
    try {
      version = Number.parseInt((await readFile(join(dir, 'version-hint.text'), 'utf8')).trim(), 10);
    } catch {
      version = 0;
    }
    if (!Number.isInteger(version) || version < 1) {
      const files = await readdir(dir).catch(() => [] as string[]);
      const versions = files
        .map((f) => /^v(\d+)\.metadata\.json$/.exec(f))
        .filter((m) => m !== null)
        .map((m) => Number(m[1]));
      if (versions.length === 0) throw new TableNotFoundError(`${namespace}.${name}`);
      version = Math.max(...versions);
    }
    // The hint may lag behind (a writer died between link and hint, or hints raced): probe forward.
    for (;;) {
      try {
        await access(this.versionFile(namespace, name, version + 1));
        version++;
      } catch {
        return version;
      }
    }
  }

  async load(namespace: string, name: string): Promise<LoadedTable> {
    const version = await this.latestVersion(namespace, name);
    return this.loadVersion(namespace, name, version);
  }

  async loadVersion(namespace: string, name: string, version: number): Promise<LoadedTable> {
    const file = this.versionFile(namespace, name, version);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new TableNotFoundError(`${namespace}.${name} (version ${version})`, { cause: error });
    }
    const key = `${namespace}.${name}`;
    const cached = this.parsed.get(key);
    const metadata =
      cached !== undefined && cached.file === file && cached.text === text
        ? cached.metadata
        : parseTableMetadata(text, file);
    this.parsed.set(key, { file, text, metadata });
    return { namespace, name, version, metadataFile: file, metadata };
  }

  /**
   * Compare-and-swap: commits `next` as version `base.version + 1`. Returns undefined when another
   * writer committed that version first (the caller reloads, revalidates and retries).
   */
  async commit(base: LoadedTable, next: TableMetadata): Promise<LoadedTable | undefined> {
    return this.tryWrite(base.namespace, base.name, base.version + 1, next);
  }

  private async tryWrite(
    namespace: string,
    name: string,
    version: number,
    metadata: TableMetadata,
  ): Promise<LoadedTable | undefined> {
    const dir = this.metadataDir(namespace, name);
    const tmp = join(dir, `.tmp-${randomUUID()}.metadata.json`);
    const target = this.versionFile(namespace, name, version);
    const text = stringifyTableMetadata(metadata);
    await writeFile(tmp, text, { flush: true });
    try {
      await link(tmp, target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
      throw error;
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
    await this.writeHint(dir, version);
    // The next load of this version finds its text here and skips the parse.
    this.parsed.set(`${namespace}.${name}`, { file: target, text, metadata });
    return { namespace, name, version, metadataFile: target, metadata };
  }

  private async writeHint(dir: string, version: number): Promise<void> {
    const tmp = join(dir, `.tmp-${randomUUID()}.hint`);
    await writeFile(tmp, String(version));
    await rename(tmp, join(dir, 'version-hint.text'));
  }
}
