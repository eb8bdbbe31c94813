import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { DuckDBConnection } from '@duckdb/node-api';

import type { FileCatalog } from './catalog.js';
import { KEY_COLUMNS_PROPERTY } from './iceberg-schema.js';
import { bigintReplacer } from './live-rows-sql.js';
import type { PartitionValue } from './partition-transform.js';
import type { ManifestReader } from './snapshot-files.js';
import type { TableMetadata } from './table-metadata.js';

/**
 * What the lake's modules (commit, data files, merge, maintenance) share: the catalog, the manifest
 * reader, the DuckDB connection and the lake's options. `Lake` builds one and passes it in, so each
 * module is a set of functions over explicit dependencies.
 */
export interface LakeContext {
  readonly catalog: FileCatalog;
  readonly reader: ManifestReader;
  readonly connection: DuckDBConnection;
  readonly clock: () => Date;
  /** CAS attempts for non-conflicting concurrent commits. */
  readonly maxAttempts: number;
  /** Rows per data file written by optimize and merge. */
  readonly targetFileRows: number;
  /** Called right before each compare-and-swap of a data commit (tests make races deterministic). */
  readonly beforeCommit: ((table: string, attempt: number) => Promise<void>) | undefined;
}

let tempCounter = 0;

/**
 * The scratch space of one operation: a temporary directory and the DuckDB temp tables it created,
 * both removed by `close`.
 */
export class WorkArea {
  readonly dir: string;
  private readonly connection: DuckDBConnection;
  private readonly temps: string[] = [];

  private constructor(dir: string, connection: DuckDBConnection) {
    this.dir = dir;
    this.connection = connection;
  }

  static async open(connection: DuckDBConnection): Promise<WorkArea> {
    return new WorkArea(await mkdtemp(join(tmpdir(), 'local-lake-')), connection);
  }

  /** A fresh temp table name (`<prefix>_<n>`: internal, never from input), dropped by `close`. */
  temp(prefix: string): string {
    const name = `${prefix}_${++tempCounter}`;
    this.temps.push(name);
    return name;
  }

  async close(): Promise<void> {
    for (const t of this.temps.splice(0)) await this.connection.run(`DROP TABLE IF EXISTS ${t}`);
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Runs `fn` in a fresh work area and always cleans it up. */
export async function withWorkArea<T>(
  connection: DuckDBConnection,
  fn: (work: WorkArea) => Promise<T>,
): Promise<T> {
  const work = await WorkArea.open(connection);
  try {
    return await fn(work);
  } finally {
    await work.close();
  }
}

/** The key columns MERGE matches on (table property written at creation). */
export function keyColumns(m: TableMetadata): string[] {
  const text = m.properties[KEY_COLUMNS_PROPERTY];
  return text === undefined || text === '' ? [] : text.split(',');
}

/** A partition tuple as a map key. */
export function partitionKey(partition: Readonly<Record<string, PartitionValue>>): string {
  return JSON.stringify(partition, bigintReplacer);
}
