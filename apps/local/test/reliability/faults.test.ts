import { describe, expect, it } from 'vitest';

import { InjectedFault, ProcessLife } from '../../src/reliability/faults.js';

describe('ProcessLife', () => {
  it('dies before its k-th call, and every later call fails', () => {
    // Arrange
    const life = new ProcessLife(3);

    // Act
    life.enter('one');
    life.enter('two');

    // Assert
    expect(() => life.enter('three')).toThrow(InjectedFault);
    expect(life.diedAt).toBe('three');
    expect(() => life.enter('four')).toThrow('the process is dead');
  });

  it('never dies without a planned crash', () => {
    // Arrange
    const life = new ProcessLife(undefined);

    // Act / Assert
    for (let i = 0; i < 100; i++) life.enter(`call ${i}`);
    expect(life.dead).toBe(false);
  });
});
