import { describe, expect, it } from 'vitest';

import { ERROR_OUTCOMES, loadCorpus } from './corpus.js';

const OUTCOMES_BY_PATH: Record<string, readonly string[]> = {
  'stream-record': ['quarantined', 'staged'],
  'firehose-record': ['processing-failed'],
  declaration: ['rejected'],
  'staging-object': ['rejected'],
  'object-key': ['rejected', 'ignored', 'sanitised', 'escaped'],
};

describe('the bad-input corpus', () => {
  const corpus = loadCorpus();

  it('has at least 30 cases that must get a typed error, each naming its error class', () => {
    // Arrange / Act
    const typed = corpus.filter((c) => ERROR_OUTCOMES.has(c.expected.outcome));

    // Assert
    expect(typed.length).toBeGreaterThanOrEqual(30);
    for (const c of typed) expect(c.expected.error, c.name).toMatch(/^[A-Z][A-Za-z]+Error$/);
  });

  it('every case enters by a known path, with an outcome that path can have, and a description', () => {
    for (const c of corpus) {
      expect(OUTCOMES_BY_PATH[c.path], c.name).toContain(c.expected.outcome);
      expect(c.description.length, c.name).toBeGreaterThan(10);
      if (c.path === 'stream-record' || c.path === 'firehose-record') expect(c.table, c.name).toBeDefined();
    }
  });

  it('covers each kind of bad input the issue lists', () => {
    // Names are the index: each kind must have at least one case.
    const kinds = [
      /wrong-type|in-bigint|in-string|in-int/,
      /39-digit/,
      /nan|infinity|hex-number/,
      /huge/,
      /deep-nesting/,
      /binary/,
      /-set-/,
      /empty-(string|set|number)/,
      /missing-key|null-key/,
      /unknown-attribute-(fail|ignore|extra)/,
      /^stream-(no-dynamodb|sequence|unknown-event|creation-time|keys-missing|modify-keys-only|record-is)/,
      /^firehose-(data|no-dynamodb|unknown-event|creation-time|modify-without)/,
      /base64/,
      /^decl-.*(quote|semicolon|unicode|homoglyph)/,
      /^key-/,
    ];
    for (const kind of kinds)
      expect(
        corpus.some((c) => kind.test(c.name)),
        String(kind),
      ).toBe(true);
  });
});
