import type { StagedValue } from '@ddb-athena-sync/core/stream/change-row';
import { formatMicros } from '@ddb-athena-sync/core/stream/timestamp';
import type { Lake } from '@ddb-athena-sync/local-lake/lake';

import type { FirehoseCommit, RoutedRecord } from './firehose-stand-in.js';

/**
 * Orders Firehose's deliveries: Firehose's Iceberg destination keeps no per-record order (and Kinesis
 * has no sequence numbers in the record), so the lake's `_seq` for these rows is the delivery
 * order: arrival time in microseconds, then a counter, padded to 40 digits like stream sequence numbers.
 * (firehose-transform sets `_seq` to the Kinesis sequence number when Firehose reads Kinesis; the
 * local stand-in has none, so the row arrives with `_seq: null`.)
 */
export class DeliverySequence {
  private last = 0n;

  next(arrivalMs: number): string {
    let value = BigInt(arrivalMs) * 1_000_000n;
    if (value <= this.last) value = this.last + 1n;
    this.last = value;
    return value.toString().padStart(40, '0');
  }
}

/** firehose-transform puts the change's time in `_updated_at`; arrival time when it is missing. */
function eventTime(r: RoutedRecord): string {
  const t = r.row._updated_at;
  return typeof t === 'string' ? t : formatMicros(BigInt(r.arrivalMs) * 1000n);
}

/**
 * Commits routed Firehose records to the local lake, per their otfMetadata operation, the way the
 * Iceberg destination does (Firehose developer guide, "Route incoming records to different Iceberg
 * tables"): `insert` appends; `update` replaces the row with the same unique key (a delete plus an
 * insert, inserting when missing); `delete` removes it. Each table's records go in one commit per
 * operation kind (appends first, then keyed changes, which therefore win over an insert of the same
 * key in the same delivery).
 */
export function lakeCommitter(lake: Lake, sequence = new DeliverySequence()): FirehoseCommit {
  return async (records: readonly RoutedRecord[]) => {
    const byTable = new Map<string, RoutedRecord[]>();
    for (const r of records) {
      const list = byTable.get(r.table) ?? [];
      list.push(r);
      byTable.set(r.table, list);
    }
    for (const [table, list] of byTable) {
      const inserts = list.filter((r) => r.operation === 'insert');
      const keyed = list.filter((r) => r.operation !== 'insert');
      if (inserts.length > 0) {
        await lake.append(
          table,
          inserts.map((r) => ({ ...r.row, _seq: sequence.next(r.arrivalMs), _updated_at: eventTime(r) })),
        );
      }
      if (keyed.length > 0) {
        // The transform's data carries the columns in staging encoding (core mapImage), as a StagingRow's.
        const rows = keyed.map((r) => ({
          ...(r.row as Record<string, StagedValue>),
          _op: r.operation === 'delete' ? ('delete' as const) : ('upsert' as const),
          _seq: sequence.next(r.arrivalMs),
          _event_time: eventTime(r),
          _source: 'stream' as const,
        }));
        await lake.merge(table, rows);
      }
    }
  };
}
