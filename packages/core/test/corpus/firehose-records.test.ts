import { describe, expect, it } from 'vitest';

import { decodeFirehoseRow } from '../../src/firehose/firehose-row.js';
import { transformFirehoseRecords } from '../../src/firehose/transform-records.js';
import type { FirehoseInputRecord } from '../../src/firehose/transform-records.js';
import { caseFirehoseData, casesFor, goodKinesisData, tableOf } from './corpus.js';

// Each case goes through the firehose-transform's own function inside a batch of good records:
// the case is ProcessingFailed with its typed error and its source data kept (Firehose's error
// output then holds the record), every good record is Ok with its recordId unchanged.
describe.each(casesFor('firehose-record'))('firehose record $name', (c) => {
  (c.openBug === undefined ? it : it.fails)(
    `${c.description} -> ${c.expected.outcome} (${c.expected.error})`,
    () => {
      // Arrange
      const good = (n: number): FirehoseInputRecord => ({
        recordId: `good-${n}`,
        data: goodKinesisData(`g-${n}`, `event-g-${n}`),
        approximateArrivalTimestamp: 1795767600_000,
      });
      const bad = {
        recordId: 'the-bad-one',
        data: caseFirehoseData(c),
        approximateArrivalTimestamp: 1795767600_000,
      } as FirehoseInputRecord;
      const records = [good(1), good(2), bad, good(3)];

      // Act
      const result = transformFirehoseRecords(records, { table: tableOf(c), database: 'lake' });

      // Assert
      expect(result.records.map((r) => r.recordId)).toEqual(['good-1', 'good-2', 'the-bad-one', 'good-3']);
      expect(result.records.map((r) => r.result)).toEqual(['Ok', 'Ok', 'ProcessingFailed', 'Ok']);
      expect(result.counts).toEqual({ Ok: 3, Dropped: 0, ProcessingFailed: 1 });
      const outcome = result.outcomes[2]!;
      expect(outcome).toMatchObject({
        recordId: 'the-bad-one',
        result: 'ProcessingFailed',
        errorName: c.expected.error,
        reason: c.expected.reason,
      });
      const fields = c.expected.fields ?? {};
      if (typeof fields.reason === 'string') expect(outcome.detail).toContain(fields.reason);
      if (typeof fields.attribute === 'string') expect(outcome.detail).toContain(fields.attribute);
      if (c.expected.messageIncludes !== undefined)
        expect(outcome.detail).toContain(c.expected.messageIncludes);
      // A failed record keeps its source data when it had a string one; the good rows are intact.
      expect(result.records[2]!.data).toBe(typeof bad.data === 'string' ? bad.data : '');
      const rows = [0, 1, 3].map((i) =>
        decodeFirehoseRow(tableOf(c), Buffer.from(result.records[i]!.data, 'base64').toString('utf8')),
      );
      expect(rows.map((r) => [r.id, r.total])).toEqual([
        ['g-1', '42'],
        ['g-2', '42'],
        ['g-3', '42'],
      ]);
      expect(result.records[0]!.metadata?.otfMetadata).toEqual({
        destinationDatabaseName: 'lake',
        destinationTableName: 'typed',
        operation: 'update',
      });
    },
  );
});
