import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

import avro from 'avsc';
import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';

import { parseMetadataJson } from '../../src/table-metadata.js';

/**
 * Checks written from the Iceberg spec (format/spec.md, "Table Metadata", "Manifests", "Manifest
 * Lists", "Snapshots"), independent of the lake's own reader: Avro is decoded with avsc's stock
 * file decoder, JSON with the lossless parser, Parquet field ids with DuckDB's parquet_schema().
 * Returns the list of violations (empty when the table is valid).
 */

type J = Record<string, unknown>;

const OPERATIONS = new Set(['append', 'replace', 'overwrite', 'delete']);

function localPath(uri: string): string {
  return uri.startsWith('file://') ? uri.slice(7) : uri;
}

/** Decodes a container file with avsc's stock decoder; returns header schema, metadata and records. */
export function decodeWithAvsc(
  path: string,
): Promise<{ schema: J; meta: Record<string, string>; records: J[] }> {
  return new Promise((resolvePromise, reject) => {
    const records: J[] = [];
    let schema: J = {};
    const meta: Record<string, string> = {};
    // Longs beyond 2^53 would throw in avsc's default long type: decode them as BigInt.
    const longType = avro.types.LongType.__with({
      fromBuffer: (b: Buffer) => b.readBigInt64LE(),
      toBuffer: (n: bigint) => {
        const b = Buffer.alloc(8);
        b.writeBigInt64LE(n);
        return b;
      },
      fromJSON: BigInt,
      toJSON: Number,
      isValid: (n: unknown) => typeof n === 'bigint',
      compare: (a: bigint, b: bigint) => (a === b ? 0 : a < b ? -1 : 1),
    });
    avro
      .createFileDecoder(path, { parseHook: (s) => avro.Type.forSchema(s, { registry: { long: longType } }) })
      .on('metadata', (_type: unknown, _codec: unknown, header: { meta: Record<string, Buffer> }) => {
        for (const [k, v] of Object.entries(header.meta)) meta[k] = v.toString();
        schema = JSON.parse(meta['avro.schema']!) as J;
      })
      .on('data', (r: J) => records.push(r))
      .on('error', reject)
      .on('end', () => resolvePromise({ schema, meta, records }));
  });
}

/** Every record field in an Avro schema carries a field-id, every array an element-id. */
export function missingFieldIds(schema: unknown, path = ''): string[] {
  const out: string[] = [];
  const visit = (t: unknown, at: string): void => {
    if (Array.isArray(t)) return t.forEach((x) => visit(x, at));
    if (t === null || typeof t !== 'object') return;
    const o = t as J;
    if (o.type === 'record') {
      for (const f of o.fields as J[]) {
        if (typeof f['field-id'] !== 'number') out.push(`${at}.${String(f.name)}`);
        visit(f.type, `${at}.${String(f.name)}`);
      }
    } else if (o.type === 'array') {
      if (o.logicalType !== 'map' && typeof o['element-id'] !== 'number') out.push(`${at}[]`);
      visit(o.items, `${at}[]`);
    }
  };
  visit(schema, path);
  return out;
}

export async function validateTable(tableDir: string, duckdb: DuckDBConnection): Promise<string[]> {
  const problems: string[] = [];
  const metaDir = join(tableDir, 'metadata');
  const names = (await readdir(metaDir)).filter((f) => /^v\d+\.metadata\.json$/.test(f));
  const checkedFiles = new Set<string>();
  const latest = `v${Math.max(...names.map((n) => Number(/\d+/.exec(n)![0])))}.metadata.json`;
  for (const name of names) {
    const text = await readFile(join(metaDir, name), 'utf8');
    const m = parseMetadataJson(text) as J;
    const p = (msg: string): void => void problems.push(`${name}: ${msg}`);
    for (const k of [
      'format-version',
      'table-uuid',
      'location',
      'last-sequence-number',
      'last-updated-ms',
      'last-column-id',
      'schemas',
      'current-schema-id',
      'partition-specs',
      'default-spec-id',
      'last-partition-id',
      'sort-orders',
      'default-sort-order-id',
    ]) {
      if (!(k in m)) p(`required field ${k} missing`);
    }
    if (m['format-version'] !== 2) p('format-version is not 2');
    const schemas = (m.schemas ?? []) as J[];
    if (!schemas.some((s) => s['schema-id'] === m['current-schema-id']))
      p('current-schema-id not in schemas');
    for (const s of schemas) {
      const ids: number[] = [];
      const collect = (t: unknown): void => {
        if (t === null || typeof t !== 'object') return;
        const o = t as J;
        if (o.type === 'struct') {
          for (const f of o.fields as J[]) {
            ids.push(f.id as number);
            collect(f.type);
          }
        }
        if (o.type === 'list') {
          ids.push(o['element-id'] as number);
          collect(o.element);
        }
      };
      collect(s);
      if (new Set(ids).size !== ids.length) p(`schema ${String(s['schema-id'])} has duplicate field ids`);
      if (ids.some((i) => i > (m['last-column-id'] as number))) p('a field id exceeds last-column-id');
      for (const id of (s['identifier-field-ids'] ?? []) as number[]) {
        const f = (s.fields as J[]).find((x) => x.id === id);
        if (f?.required !== true) p(`identifier field ${id} is not required`);
      }
    }
    const specs = (m['partition-specs'] ?? []) as J[];
    if (!specs.some((s) => s['spec-id'] === m['default-spec-id']))
      p('default-spec-id not in partition-specs');
    for (const s of specs) {
      const ids = (s.fields as J[]).map((f) => f['field-id'] as number);
      if (new Set(ids).size !== ids.length) p('duplicate partition field ids');
      if (ids.some((i) => i > (m['last-partition-id'] as number) || i < 1000))
        p('partition field id out of range');
    }
    if (!((m['sort-orders'] ?? []) as J[]).some((o) => o['order-id'] === m['default-sort-order-id']))
      p('default-sort-order-id not in sort-orders');
    const snapshots = (m.snapshots ?? []) as J[];
    const snapIds = snapshots.map((s) => BigInt(s['snapshot-id'] as bigint));
    if (new Set(snapIds).size !== snapIds.length) p('duplicate snapshot ids');
    // Lossless: every snapshot id literal in the text equals the parsed value.
    for (const match of text.matchAll(/"snapshot-id"\s*:\s*(-?\d+)/g)) {
      if (!snapIds.includes(BigInt(match[1]!)) && match[1] !== '-1')
        p(`snapshot id ${match[1]} in refs/log is not a snapshot`);
    }
    const lastSeq = BigInt(m['last-sequence-number'] as bigint);
    const byId = new Map(snapshots.map((s) => [BigInt(s['snapshot-id'] as bigint), s]));
    for (const s of snapshots) {
      for (const k of ['snapshot-id', 'sequence-number', 'timestamp-ms', 'manifest-list', 'summary'])
        if (!(k in s)) p(`snapshot missing ${k}`);
      const seq = BigInt(s['sequence-number'] as bigint);
      if (seq > lastSeq) p('snapshot sequence number above last-sequence-number');
      const parent = s['parent-snapshot-id'];
      if (parent !== undefined) {
        const ps = byId.get(BigInt(parent as bigint));
        if (ps && BigInt(ps['sequence-number'] as bigint) >= seq)
          p('sequence numbers do not increase from parent to child');
      }
      const summary = s.summary as Record<string, string>;
      if (!OPERATIONS.has(summary.operation ?? '')) p(`bad operation ${summary.operation}`);
    }
    const current = m['current-snapshot-id'];
    if (current !== undefined && current !== null) {
      if (!byId.has(BigInt(current as bigint))) p('current-snapshot-id is not a snapshot');
      const main = (m.refs as Record<string, J> | undefined)?.main;
      if (main === undefined || BigInt(main['snapshot-id'] as bigint) !== BigInt(current as bigint))
        p('refs.main does not point at current-snapshot-id');
    }
    const log = (m['snapshot-log'] ?? []) as J[];
    for (let i = 1; i < log.length; i++)
      if ((log[i]!['timestamp-ms'] as number) < (log[i - 1]!['timestamp-ms'] as number))
        p('snapshot-log not in time order');

    // Every snapshot of the latest version (older versions may name expired files): files exist,
    // manifests decode with field ids, counts and totals are exact.
    if (name !== latest) continue;
    for (const s of snapshots) {
      const listPath = localPath(s['manifest-list'] as string);
      const list = await decodeWithAvsc(listPath).catch(
        (e: Error) => (p(`manifest list ${listPath}: ${e.message}`), undefined),
      );
      if (list === undefined) continue;
      if (!checkedFiles.has(listPath)) {
        checkedFiles.add(listPath);
        for (const miss of missingFieldIds(list.schema)) p(`manifest list field without id ${miss}`);
        for (const k of ['snapshot-id', 'sequence-number', 'format-version'])
          if (!(k in list.meta)) p(`manifest list metadata ${k} missing`);
        if (list.meta['snapshot-id'] !== String(s['snapshot-id']))
          p('manifest list snapshot-id differs from its snapshot');
      }
      const totals = { records: 0n, dataFiles: 0, deleteFiles: 0, posDeletes: 0n, size: 0n };
      for (const mf of list.records) {
        const mPath = localPath(mf.manifest_path as string);
        const manifest = await decodeWithAvsc(mPath).catch(
          (e: Error) => (p(`manifest ${mPath}: ${e.message}`), undefined),
        );
        if (manifest === undefined) continue;
        if ((await stat(mPath)).size !== Number(mf.manifest_length))
          p(`manifest_length of ${mPath} is wrong`);
        if (BigInt(mf.min_sequence_number as bigint) > BigInt(mf.sequence_number as bigint))
          p('min_sequence_number above sequence_number');
        const entries = manifest.records;
        const count = (st: number): number => entries.filter((e) => e.status === st).length;
        if (
          count(1) !== mf.added_files_count ||
          count(0) !== mf.existing_files_count ||
          count(2) !== mf.deleted_files_count
        )
          p(`file counts of ${mPath} are wrong`);
        if (!checkedFiles.has(mPath)) {
          checkedFiles.add(mPath);
          for (const miss of missingFieldIds(manifest.schema)) p(`manifest field without id ${miss}`);
          for (const k of ['schema', 'partition-spec', 'partition-spec-id', 'format-version', 'content'])
            if (!(k in manifest.meta)) p(`manifest metadata ${k} missing`);
          if (manifest.meta.content !== (mf.content === 0 ? 'data' : 'deletes'))
            p('manifest content differs from its list entry');
        }
        for (const e of entries) {
          const df = e.data_file as J;
          if (e.status !== 1 && (e.sequence_number === null || e.file_sequence_number === null))
            p('EXISTING/DELETED entry without sequence numbers');
          if (
            e.status === 1 &&
            e.snapshot_id !== null &&
            BigInt(e.snapshot_id as bigint) !== BigInt(mf.added_snapshot_id as bigint)
          )
            p('ADDED entry from another snapshot');
          if (e.status === 2) continue;
          const path = localPath(df.file_path as string);
          const size = await stat(path).then(
            (x) => x.size,
            () => -1,
          );
          if (size < 0) {
            p(`data file ${path} is missing`);
            continue;
          }
          if (size !== Number(df.file_size_in_bytes)) p(`file_size_in_bytes of ${path} is wrong`);
          if (!checkedFiles.has(path)) {
            checkedFiles.add(path);
            // Parquet's 3-level LIST/MAP encoding has a repeated middle group that carries no
            // Iceberg id (the list field and its element do); every other column must have one.
            const rows = (
              await duckdb.runAndReadAll(`SELECT count(*)::BIGINT AS n FROM read_parquet('${path}')`)
            ).getRowObjectsJson()[0]!.n;
            if (JSON.stringify(rows) !== JSON.stringify(String(df.record_count)))
              p(`record_count of ${path} is wrong`);
            const ids = (
              await duckdb.runAndReadAll(
                `SELECT name, field_id FROM parquet_schema('${path}') WHERE name <> 'duckdb_schema' AND NOT (repetition_type = 'REPEATED' AND name IN ('list', 'key_value'))`,
              )
            ).getRowObjectsJson();
            for (const c of ids)
              if (c.field_id === null)
                p(`parquet column ${JSON.stringify(c.name)} of ${path} has no field id`);
            // Top-level columns carry the ids of the table schema (or the reserved delete-file ids).
            const expectedIds = new Map<string, number>(
              df.content === 1
                ? [
                    ['file_path', 2147483546],
                    ['pos', 2147483545],
                  ]
                : ((schemas.find((x) => x['schema-id'] === m['current-schema-id'])?.fields ?? []) as J[]).map(
                    (f) => [f.name as string, f.id as number],
                  ),
            );
            const seen = new Set<string>();
            for (const c of ids) {
              const name = c.name as string;
              const want = expectedIds.get(name);
              if (want === undefined || seen.has(name)) continue;
              seen.add(name);
              if (c.field_id !== String(want))
                p(
                  `parquet column ${name} of ${path} has field id ${JSON.stringify(c.field_id)}, not ${want}`,
                );
            }
          }
          totals.size += BigInt(df.file_size_in_bytes as bigint);
          if (df.content === 0) {
            totals.dataFiles++;
            totals.records += BigInt(df.record_count as bigint);
          } else {
            totals.deleteFiles++;
            if (df.content === 1) totals.posDeletes += BigInt(df.record_count as bigint);
          }
        }
      }
      const summary = s.summary as Record<string, string>;
      if (summary['total-records'] !== String(totals.records))
        p(`total-records ${summary['total-records']} != ${totals.records}`);
      if (summary['total-data-files'] !== String(totals.dataFiles)) p('total-data-files is wrong');
      if (summary['total-delete-files'] !== String(totals.deleteFiles)) p('total-delete-files is wrong');
      if (summary['total-position-deletes'] !== String(totals.posDeletes))
        p('total-position-deletes is wrong');
      if (summary['total-files-size'] !== String(totals.size)) p('total-files-size is wrong');
    }
  }
  return problems;
}

/** validateTable on the table `table` of namespace `default` under the lake `root`, checked by a DuckDB of its own. */
export async function violationsOf(root: string, table: string): Promise<string[]> {
  const checker = await (await DuckDBInstance.create(':memory:')).connect();
  try {
    return await validateTable(join(root, 'default', table), checker);
  } finally {
    checker.closeSync();
  }
}
