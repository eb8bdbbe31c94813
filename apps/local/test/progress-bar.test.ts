import fc from 'fast-check';
import { describe, expect, test } from 'vitest';

import { barText, progressBar, startProgress } from '../src/progress-bar.js';

// eslint-disable-next-line no-control-regex -- the point is to find terminal control characters
const CONTROL = /[\x1b\r]/;

/** A stream that records what is written to it. */
function recorder(isTTY: boolean): {
  stream: { isTTY: boolean; columns: number; write(s: string): boolean };
  out: string[];
} {
  const out: string[] = [];
  return {
    stream: {
      isTTY,
      columns: 100,
      write: (s: string) => {
        out.push(s);
        return true;
      },
    },
    out,
  };
}

describe('progressBar (one string)', () => {
  test.each([
    [0, 10, '[..........]   0%  0 / 10'],
    [4200, 10_000, '[####......]  42%  4,200 / 10,000'],
    [15, 10, '[##########] 100%  15 / 15'],
    [0, 0, '[##########] 100%  0 / 0'],
  ])('%d of %d', (done, total, expected) => {
    expect(progressBar(done, total, 10)).toBe(expected);
  });

  test('property: the bar has the width asked for and fills with the fraction done (clamped)', () => {
    fc.assert(
      fc.property(fc.nat(10_000), fc.nat(10_000), fc.integer({ min: 1, max: 80 }), (done, total, width) => {
        const bar = /^\[([#.]*)\]/.exec(progressBar(done, total, width))![1]!;
        expect(bar).toHaveLength(width);
        const f = total === 0 ? 1 : Math.min(1, done / total);
        expect(bar.replace(/\./g, '')).toHaveLength(Math.round(f * width));
      }),
    );
  });
});

describe('barText (the bar of the demo live view)', () => {
  test.each([
    [-0.5, '[....]'],
    [0, '[....]'],
    [0.5, '[##..]'],
    [1, '[####]'],
    [3, '[####]'],
    [Number.NaN, '[....]'],
    [Number.POSITIVE_INFINITY, '[####]'],
  ])('%d', (fraction, expected) => {
    expect(barText(fraction, 4)).toBe(expected);
  });
});

describe('startProgress', () => {
  test('not a terminal: one plain line per step, at most one per interval, the last state on stop', () => {
    // Arrange
    const { stream, out } = recorder(false);
    let now = 0;
    const progress = startProgress({ label: 'scanning books', stream, everyMs: 2000, now: () => now });

    // Act
    progress.update(100, 1000, '1 objects');
    now = 1000;
    progress.update(200, 1000, '1 objects'); // within 2 s of the last line: held
    now = 2500;
    progress.update(300, 1000, '2 objects');
    now = 3000;
    progress.update(1200, 1000, '3 objects'); // the estimate was low: shown as 100%
    progress.stop();
    progress.stop();

    // Assert
    expect(out).toEqual([
      'scanning books: 100 of ~1,000 (10%), 1 objects\n',
      'scanning books: 300 of ~1,000 (30%), 2 objects\n',
      'scanning books: 1,200 of ~1,200 (100%), 3 objects\n',
    ]);
    expect(out.some((l) => CONTROL.test(l) || l.includes('#'))).toBe(false);
  });

  test('not a terminal, nothing held back: stop prints nothing more', () => {
    const { stream, out } = recorder(false);
    const progress = startProgress({ label: 'x', stream, now: () => 0 });
    progress.update(1, 2);
    progress.stop();
    expect(out).toEqual(['x: 1 of ~2 (50%)\n']);
  });

  test('a terminal: cli-progress draws a bar in place, and stop ends its line', () => {
    // Arrange
    const { stream, out } = recorder(true);
    const progress = startProgress({ label: 'scanning books', stream });

    // Act
    progress.update(10, 100, '1 objects');
    progress.update(150, 100, '3 objects');
    progress.stop();

    // Assert: every frame goes back to column 1 (ESC [1G) and clears the rest (ESC [0K).
    const frames = out.filter((s) => s.startsWith('scanning books'));
    expect(frames[0]).toBe('scanning books [###...........................] 10%  10 / 100  1 objects');
    expect(frames.at(-1)).toBe('scanning books [##############################] 100%  150 / 150  3 objects');
    expect(out).toContain('\x1b[1G');
    expect(out.at(-1)).toBe('\n');
    const written = out.length;
    progress.update(160, 100);
    progress.stop();
    expect(out).toHaveLength(written);
  });

  test('a terminal that never got a step writes nothing', () => {
    const { stream, out } = recorder(true);
    startProgress({ label: 'x', stream }).stop();
    expect(out).toEqual([]);
  });
});
