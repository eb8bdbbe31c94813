import { randomBytes } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';

import avro from 'avsc';
import type { Schema, Type } from 'avsc';

import { InvalidMetadataError } from './errors.js';

/**
 * Avro object container files (Avro 1.11 spec, "Object Container Files"), written by hand around
 * avsc's binary encoder: avsc drops `field-id`/`element-id` attributes when it re-exports a schema,
 * and Iceberg readers project manifests by those ids, so the header carries our schema JSON verbatim.
 */

const MAGIC = Buffer.from([0x4f, 0x62, 0x6a, 0x01]);

/** 64-bit longs as BigInt, so snapshot ids and sizes stay exact (avsc README, "Custom long types"). */
const bigintLong = avro.types.LongType.__with({
  fromBuffer: (buf: Buffer) => buf.readBigInt64LE(),
  toBuffer: (n: bigint | number) => {
    const buf = Buffer.alloc(8);
    buf.writeBigInt64LE(BigInt(n));
    return buf;
  },
  fromJSON: (v: number | string) => BigInt(v),
  toJSON: (n: bigint) => Number(n),
  isValid: (n: unknown) => typeof n === 'bigint' || (typeof n === 'number' && Number.isSafeInteger(n)),
  compare: (a: bigint, b: bigint) => (a === b ? 0 : a < b ? -1 : 1),
});

const metaType = avro.Type.forSchema({ type: 'map', values: 'bytes' });
const plainLong = avro.Type.forSchema('long');

export function avroType(schema: object): Type {
  return avro.Type.forSchema(schema as Schema, { registry: { long: bigintLong }, wrapUnions: 'auto' });
}

/** Encodes `records` with `schema` into one container file with the given key/value metadata. */
export function encodeAvroFile(
  schema: object,
  records: readonly unknown[],
  metadata: Readonly<Record<string, string>>,
): Buffer {
  const type = avroType(schema);
  const meta: Record<string, Buffer> = {
    'avro.schema': Buffer.from(JSON.stringify(schema)),
    'avro.codec': Buffer.from('null'),
  };
  for (const [k, v] of Object.entries(metadata)) meta[k] = Buffer.from(v);
  const sync = randomBytes(16);
  const parts: Buffer[] = [MAGIC, metaType.toBuffer(meta), sync];
  if (records.length > 0) {
    const body = Buffer.concat(records.map((r) => type.toBuffer(r)));
    parts.push(plainLong.toBuffer(records.length), plainLong.toBuffer(body.length), body, sync);
  }
  return Buffer.concat(parts);
}

export interface AvroFile {
  readonly schema: unknown;
  readonly metadata: Readonly<Record<string, string>>;
  readonly records: unknown[];
}

/** Decodes a container file (codecs null and deflate, as Iceberg writers use). */
export function decodeAvroFile(buf: Buffer, name: string): AvroFile {
  if (buf.length < 4 || !buf.subarray(0, 4).equals(MAGIC))
    throw new InvalidMetadataError(name, 'not an Avro container file');
  const header = metaType.decode(buf, 4);
  if (header.offset < 0) throw new InvalidMetadataError(name, 'truncated Avro header');
  const rawMeta = header.value as Record<string, Buffer>;
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(rawMeta)) metadata[k] = v.toString('utf8');
  const schemaText = metadata['avro.schema'];
  if (schemaText === undefined) throw new InvalidMetadataError(name, 'Avro header has no avro.schema');
  const codec = metadata['avro.codec'] ?? 'null';
  if (codec !== 'null' && codec !== 'deflate')
    throw new InvalidMetadataError(name, `unsupported Avro codec ${codec}`);
  const schema: unknown = JSON.parse(schemaText);
  const type = avroType(schema as object);
  let pos = header.offset;
  const sync = buf.subarray(pos, pos + 16);
  pos += 16;
  const records: unknown[] = [];
  while (pos < buf.length) {
    const count = plainLong.decode(buf, pos);
    const size = plainLong.decode(buf, count.offset);
    if (count.offset < 0 || size.offset < 0)
      throw new InvalidMetadataError(name, 'truncated Avro block header');
    const start = size.offset;
    const end = start + (size.value as number);
    if (end + 16 > buf.length) throw new InvalidMetadataError(name, 'truncated Avro block');
    const block = codec === 'deflate' ? inflateRawSync(buf.subarray(start, end)) : buf.subarray(start, end);
    let p = 0;
    for (let i = 0; i < (count.value as number); i++) {
      const r = type.decode(block, p);
      if (r.offset < 0) throw new InvalidMetadataError(name, 'truncated Avro record');
      records.push(r.value);
      p = r.offset;
    }
    if (!buf.subarray(end, end + 16).equals(sync))
      throw new InvalidMetadataError(name, 'Avro sync marker mismatch');
    pos = end + 16;
  }
  return { schema, metadata, records };
}
