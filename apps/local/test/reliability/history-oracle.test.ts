import { describe, expect, it } from 'vitest';

import { checkHistory } from '../../src/reliability/history-oracle.js';
import type {
  Commit,
  HistoryInput,
  Observation,
  ObservedRow,
  WriteRecord,
} from '../../src/reliability/history-oracle.js';

// Hand-made histories: key k1 is written a@10, b@20, deleted @30, written c@40.
const put = (key: string, seq: number, row: string): WriteRecord => ({
  key,
  seq: BigInt(seq),
  op: 'upsert',
  row,
});
const del = (key: string, seq: number): WriteRecord => ({ key, seq: BigInt(seq), op: 'delete' });
const row = (key: string, seq: number, value: string): ObservedRow => ({ key, seq: BigInt(seq), row: value });
const look = (at: number, observer: string, ...rows: ObservedRow[]): Observation => ({
  observer,
  label: `read at ${at}`,
  at,
  rows,
});
const commit = (at: number, ...changes: [string, number][]): Commit => ({
  label: `merge at ${at}`,
  at,
  changes: changes.map(([key, seq]) => ({ key, seq: BigInt(seq) })),
});

const writes = [put('k1', 10, 'a'), put('k1', 20, 'b'), del('k1', 30), put('k1', 40, 'c')];
const allMerged = [commit(1, ['k1', 10], ['k1', 20]), commit(5, ['k1', 30]), commit(9, ['k1', 40])];

function history(over: Partial<HistoryInput>): HistoryInput {
  return {
    writes,
    commits: allMerged,
    observations: [],
    final: [row('k1', 40, 'c')],
    scan: new Map([['k1', 'c']]),
    ...over,
  };
}

describe('history oracle', () => {
  it('accepts a history where every read shows a version at or after the last one it saw', () => {
    // Arrange: a reader sees nothing, b, the delete, c; versions may be skipped, never reversed.
    const input = history({
      observations: [
        look(0, 'r1'),
        look(2, 'r1', row('k1', 20, 'b')),
        look(6, 'r1'),
        look(10, 'r1', row('k1', 40, 'c')),
        look(3, 'merges', row('k1', 20, 'b')),
      ],
    });

    // Act / Assert
    expect(checkHistory(input)).toEqual([]);
  });

  it('catches a transient resurrection: a deleted row shown again before a later insert, though the end state is right', () => {
    // Arrange: after seeing the delete, the reader sees b again (an older upsert re-applied), then c.
    const input = history({
      observations: [
        look(2, 'r1', row('k1', 20, 'b')),
        look(6, 'r1'),
        look(7, 'r1', row('k1', 20, 'b')),
        look(10, 'r1', row('k1', 40, 'c')),
      ],
    });

    // Act
    const violations = checkHistory(input);

    // Assert
    expect(violations.map((v) => [v.kind, v.key])).toEqual([['resurrection', 'k1']]);
    expect(violations[0]!.detail).toContain('deleted @30');
  });

  it('catches an out-of-order update: an older version after a newer one, though the end state is right', () => {
    // Arrange: two readers; r2 sees b and then a.
    const input = history({
      writes: [put('k1', 10, 'a'), put('k1', 20, 'b'), put('k1', 40, 'c')],
      commits: [commit(1, ['k1', 10]), commit(2, ['k1', 20]), commit(9, ['k1', 40])],
      observations: [
        look(3, 'r1', row('k1', 20, 'b')),
        look(3, 'r2', row('k1', 20, 'b')),
        look(4, 'r2', row('k1', 10, 'a')),
      ],
    });

    // Act
    const violations = checkHistory(input);

    // Assert: r1 alone is fine; r2 went backwards.
    expect(violations.map((v) => [v.kind, v.where])).toEqual([['went-backwards', 'read at 4 (r2)']]);
  });

  it('catches a lost change that a later change hides from the end state', () => {
    // Arrange: the merge at 2 committed k1@20, yet the read after it still shows a@10; the end is right.
    const input = history({
      writes: [put('k1', 10, 'a'), put('k1', 20, 'b'), put('k1', 40, 'c')],
      commits: [commit(1, ['k1', 10]), commit(2, ['k1', 20]), commit(9, ['k1', 40])],
      observations: [
        look(1.5, 'merges', row('k1', 10, 'a')),
        look(3, 'merges', row('k1', 10, 'a')),
        look(10, 'merges', row('k1', 40, 'c')),
      ],
    });

    // Act
    const violations = checkHistory(input);

    // Assert: the end state (c@40, as in the Scan) alone would have passed.
    expect(violations.map((v) => [v.kind, v.where])).toEqual([['lost-change', 'read at 3']]);
    expect(violations[0]!.detail).toContain('merge at 2 had committed b @20');
  });

  it('catches a change no batch ever carried, even when a later version overwrote it', () => {
    // Arrange: k1@20 was never in a committed batch.
    const input = history({ commits: [commit(1, ['k1', 10]), commit(5, ['k1', 30]), commit(9, ['k1', 40])] });

    // Act / Assert
    expect(checkHistory(input).map((v) => v.kind)).toEqual(['never-merged']);
  });

  it('catches a value the key never had, a duplicate row, a phantom key and a row that vanished without a delete', () => {
    // Arrange
    const input = history({
      observations: [
        look(10, 'r1', row('k1', 40, 'c')),
        look(11, 'r1'),
        look(4, 'r2', row('k1', 20, 'B')),
        look(11, 'r3', row('k1', 40, 'c'), row('k1', 40, 'c'), row('zz', 1, 'x')),
      ],
    });

    // Act
    const kinds = checkHistory(input).map((v) => v.kind);

    // Assert
    expect(kinds.sort()).toEqual(['duplicate', 'phantom-key', 'unknown-version', 'vanished']);
  });

  it('accepts a backfill row (sequence number 0) equal to some version, and rejects one equal to none', () => {
    // Arrange
    const ok = history({
      observations: [look(2, 'r1', row('k1', 0, 'b')), look(3, 'r1', row('k1', 20, 'b'))],
    });
    const bad = history({ observations: [look(2, 'r1', row('k1', 0, 'zzz'))] });

    // Act / Assert
    expect(checkHistory(ok)).toEqual([]);
    expect(checkHistory(bad).map((v) => v.kind)).toEqual(['unknown-version']);
  });

  it('checks the end: the lake must hold the last version, and the Scan must agree with the stream', () => {
    // Arrange
    const staleEnd = history({ final: [row('k1', 20, 'b')] });
    const deletedEnd = history({
      writes: [put('k1', 10, 'a'), del('k1', 30)],
      commits: [commit(1, ['k1', 10], ['k1', 30])],
      final: [row('k1', 10, 'a')],
      scan: new Map(),
    });
    const scanDisagrees = history({ scan: new Map([['k1', 'b']]) });

    // Act / Assert
    expect(checkHistory(staleEnd).map((v) => v.kind)).toEqual(['final-differs']);
    expect(checkHistory(deletedEnd).map((v) => v.kind)).toEqual(['final-differs']);
    expect(checkHistory(scanDisagrees).map((v) => v.kind)).toEqual(['history-differs-from-scan']);
  });
});
