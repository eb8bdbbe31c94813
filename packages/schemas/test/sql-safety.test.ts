import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { InvalidIdentifierError, UnsafeLiteralError } from '../src/errors.js';
import { assertIdentifier, isIdentifier, sqlStringLiteral } from '../src/sql-safety.js';

/** Reads one SQL string literal back the way Trino and DuckDB do: doubled quotes are one quote. */
function unquote(literal: string): string {
  expect(literal.startsWith("'") && literal.endsWith("'")).toBe(true);
  const body = literal.slice(1, -1);
  // Outside doubled pairs, no quote may remain: otherwise the literal would end early.
  expect(body.replaceAll("''", '')).not.toContain("'");
  return body.replaceAll("''", "'");
}

describe('sqlStringLiteral', () => {
  it('is read back as exactly the original string, whatever it holds', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme' }).filter((s) => !s.includes('\u0000')),
        (value) => {
          expect(unquote(sqlStringLiteral(value))).toBe(value);
        },
      ),
    );
  });

  it('neutralises the classic injections', () => {
    expect(sqlStringLiteral("x' OR '1'='1")).toBe("'x'' OR ''1''=''1'");
    expect(sqlStringLiteral("'; DROP TABLE books; --")).toBe("'''; DROP TABLE books; --'");
    expect(sqlStringLiteral('back\\slash')).toBe("'back\\slash'");
  });

  it('rejects NUL and lone surrogates with a typed error', () => {
    expect(() => sqlStringLiteral('a\u0000b')).toThrow(UnsafeLiteralError);
    expect(() => sqlStringLiteral('a\uD800b')).toThrow(/lone UTF-16 surrogate/);
    expect(sqlStringLiteral('emoji \uD83D\uDE00')).toBe("'emoji \uD83D\uDE00'");
  });
});

describe('assertIdentifier', () => {
  it('accepts exactly ^[a-z_][a-z0-9_]*$ up to 128 characters', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 140 }), (value) => {
        const ok = /^[a-z_][a-z0-9_]*$/.test(value) && value.length <= 128;
        expect(isIdentifier(value)).toBe(ok);
        if (ok) expect(assertIdentifier(value)).toBe(value);
        else expect(() => assertIdentifier(value)).toThrow(InvalidIdentifierError);
      }),
    );
  });

  it.each(['books"', 'books`', 'books;', 'bóoks', 'Books', '', 'a b', 'x'.repeat(129)])(
    'rejects %j',
    (value) => {
      try {
        assertIdentifier(value, 'table name');
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidIdentifierError);
        expect((error as InvalidIdentifierError).identifier).toBe(value);
        expect((error as Error).message).toMatch(/^table name /);
      }
    },
  );
});
