import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { describeRefusal, normalizeType, planColumnChanges } from '../../src/merge/column-changes.js';
import type { ColumnShape } from '../../src/merge/column-changes.js';

const TYPES = ['string', 'bigint', 'int', 'double', 'boolean', 'timestamp', 'decimal(10,2)', 'array<string>'];

const columnsArb = fc
  .uniqueArray(
    fc.record({
      name: fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/),
      type: fc.constantFrom(...TYPES),
    }),
    { selector: (c) => c.name, minLength: 1, maxLength: 8 },
  )
  .map((cs): ColumnShape[] => cs);

describe('planColumnChanges (schema evolution rules)', () => {
  it.each([
    {
      rule: 'same columns: nothing to do',
      declared: [{ name: 'id', type: 'string' }],
      existing: [{ name: 'id', type: 'string' }],
      add: [],
      refused: [],
    },
    {
      rule: 'a new column is added',
      declared: [
        { name: 'id', type: 'string' },
        { name: 'pages', type: 'int' },
      ],
      existing: [{ name: 'id', type: 'string' }],
      add: ['pages'],
      refused: [],
    },
    {
      rule: 'a type change is refused',
      declared: [{ name: 'id', type: 'bigint' }],
      existing: [{ name: 'id', type: 'string' }],
      add: [],
      refused: ['type-change:id'],
    },
    {
      rule: 'a removal is refused',
      declared: [{ name: 'id', type: 'string' }],
      existing: [
        { name: 'id', type: 'string' },
        { name: 'old', type: 'int' },
      ],
      add: [],
      refused: ['removal:old'],
    },
    {
      rule: 'a rename is a removal (refused) plus an addition',
      declared: [{ name: 'title', type: 'string' }],
      existing: [{ name: 'name', type: 'string' }],
      add: ['title'],
      refused: ['removal:name'],
    },
    {
      rule: "Iceberg's and Hive's names of one type are the same type",
      declared: [
        { name: 'n', type: 'bigint' },
        { name: 's', type: 'struct<long:int, b:decimal(10, 2)>' },
      ],
      existing: [
        { name: 'n', type: 'long' },
        { name: 's', type: 'STRUCT<long:integer,b:decimal(10,2)>' },
      ],
      add: [],
      refused: [],
    },
    {
      rule: 'a struct field name is not a type name',
      declared: [{ name: 's', type: 'struct<long:int>' }],
      existing: [{ name: 's', type: 'struct<bigint:int>' }],
      add: [],
      refused: ['type-change:s'],
    },
  ])('$rule', ({ declared, existing, add, refused }) => {
    // Act
    const plan = planColumnChanges(declared, existing);
    // Assert
    expect(plan.add.map((c) => c.name)).toEqual(add);
    expect(plan.refused.map((r) => `${r.kind}:${r.column}`)).toEqual(refused);
  });

  it('adds exactly the declared columns the table lacks, in declaration order, and refuses nothing', () => {
    fc.assert(
      fc.property(columnsArb, fc.nat(), (declared, cut) => {
        // Arrange: the table has a prefix of the declaration (columns are only ever appended).
        const existing = declared.slice(0, cut % declared.length);
        // Act
        const plan = planColumnChanges(declared, existing);
        // Assert
        expect(plan.refused).toEqual([]);
        expect(plan.add).toEqual(declared.slice(existing.length));
      }),
    );
  });

  it('after applying its additions, the plan is empty (idempotent), whatever the column order', () => {
    fc.assert(
      fc.property(columnsArb, columnsArb, (declared, existing) => {
        // Act
        const first = planColumnChanges(declared, existing);
        const second = planColumnChanges(declared, [...existing, ...first.add].reverse());
        // Assert
        expect(second.add).toEqual([]);
        const names = (p: typeof first): string[] => p.refused.map((r) => `${r.kind}:${r.column}`).sort();
        expect(names(second)).toEqual(names(first));
      }),
    );
  });

  it('refuses every existing column the declaration lost or retyped, and only those', () => {
    fc.assert(
      fc.property(columnsArb, columnsArb, (declared, existing) => {
        // Act
        const plan = planColumnChanges(declared, existing);
        // Assert
        const byName = new Map(declared.map((c) => [c.name, c.type]));
        const expected = existing
          .filter((c) => byName.get(c.name) !== c.type)
          .map((c) => c.name)
          .sort();
        expect(plan.refused.map((r) => r.column).sort()).toEqual(expected);
        for (const a of plan.add) expect(existing.some((e) => e.name === a.name)).toBe(false);
      }),
    );
  });

  it('normalizeType is idempotent', () => {
    fc.assert(
      fc.property(fc.constantFrom(...TYPES, 'LONG', 'struct<a: Integer>', 'Decimal(12, 2)'), (t) => {
        expect(normalizeType(normalizeType(t))).toBe(normalizeType(t));
      }),
    );
  });

  it('a refusal names the table and the column and says what to do', () => {
    // Arrange
    const [typeChange, removal] = planColumnChanges(
      [
        { name: 'id', type: 'bigint' },
        { name: 'title', type: 'string' },
      ],
      [
        { name: 'id', type: 'string' },
        { name: 'name', type: 'string' },
      ],
    ).refused;
    // Act
    const messages = [describeRefusal('shelf', typeChange!), describeRefusal('shelf', removal!)];
    // Assert
    expect(messages[0]).toMatch(/^shelf\.id: .*bigint.*string.*declare a new column/);
    expect(messages[1]).toMatch(/^shelf\.name: .*renamed to title.*DROP COLUMN/);
  });
});
