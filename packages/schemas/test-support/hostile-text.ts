// Test support, not part of the library: the hostile text that SQL-injection property tests feed
// through every place a name, a path or a value can reach SQL (core's dialects and renderers, the
// local lake). Identifiers must meet assertIdentifier (../src/sql-safety.ts), literals must go
// through sqlStringLiteral; these strings are made to break out of either. Nothing bundled into a
// Lambda may import this module.
import fc from 'fast-check';

/** Quotes, comment markers, statement separators, whitespace, control and bidi characters, emoji. */
export const HOSTILE_UNITS: readonly string[] = [
  "'",
  '"',
  '`',
  ';',
  '-',
  '/',
  '*',
  '\\',
  ' ',
  '\n',
  '\t',
  '\r',
  '(',
  ')',
  ',',
  '=',
  '$',
  '%',
  'a',
  'Z',
  '0',
  'é',
  'ß',
  '\u200b',
  '\u202e',
  '😀',
  'ДРОП',
];

/** Classic injection payloads, whole. */
export const HOSTILE_STATEMENTS: readonly string[] = [
  "'; DROP TABLE books; --",
  "' OR '1'='1",
  "\\'; SELECT 1; --",
  "'/*",
  "*/'",
  "''''",
  "x'\n;\nDELETE FROM books;--",
  '"); SELECT 1; --',
  '$$; DROP TABLE x; $$',
];

/** Strings of hostile units, whole payloads, or any graphemes. */
export const hostileText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: fc.constantFrom(...HOSTILE_UNITS), minLength: 1, maxLength: 40 }),
  fc.constantFrom(...HOSTILE_STATEMENTS),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }),
);
