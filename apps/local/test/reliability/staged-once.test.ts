import { describe, expect, it } from 'vitest';

import { StagedOnce } from '../../src/reliability/staged-once.js';

/** Two staged inputs, compacted into one output. */
function compactedPair(): StagedOnce {
  const check = new StagedOnce();
  check.put('staging/t/a.json.gz');
  check.put('staging/t/b.json.gz');
  check.put('staging/t/compacted/c1.json.gz');
  check.compacted('staging/t/compacted/c1.json.gz', ['staging/t/a.json.gz', 'staging/t/b.json.gz']);
  return check;
}

describe('StagedOnce', () => {
  it('accepts an output appended, then appended again by the replay of its batch', () => {
    // Arrange
    const check = compactedPair();

    // Act
    check.committed('append 1', ['staging/t/compacted/c1.json.gz']);
    check.committed('replay of append 1', ['staging/t/compacted/c1.json.gz']);

    // Assert
    expect(check.violations).toEqual([]);
  });

  it('accepts an input staged again by a redelivery after its compaction (a new generation)', () => {
    // Arrange
    const check = compactedPair();
    check.committed('append 1', ['staging/t/compacted/c1.json.gz']);

    // Act
    check.put('staging/t/a.json.gz');
    check.committed('append 2', ['staging/t/a.json.gz']);

    // Assert
    expect(check.violations).toEqual([]);
  });

  it('reports an input appended besides the output that folded it', () => {
    // Arrange
    const check = compactedPair();

    // Act
    check.committed('append 1', ['staging/t/compacted/c1.json.gz', 'staging/t/b.json.gz']);

    // Assert
    expect(check.violations).toEqual([
      'append 1: staged object staging/t/b.json.gz#1 reached the lake through staging/t/compacted/c1.json.gz and again through staging/t/b.json.gz',
    ]);
  });

  it('reports two outputs of the same inputs', () => {
    // Arrange
    const check = compactedPair();
    check.put('staging/t/compacted/c2.json.gz');
    check.compacted('staging/t/compacted/c2.json.gz', ['staging/t/a.json.gz', 'staging/t/b.json.gz']);

    // Act
    check.committed('append 1', ['staging/t/compacted/c1.json.gz', 'staging/t/compacted/c2.json.gz']);

    // Assert
    expect(check.violations).toHaveLength(2);
  });
});
