import { describe, expect, it } from 'vitest';

import {
  assertReferenceMatches,
  expectedRow,
  observedRow,
  ReferenceMappingError,
} from '../../src/reliability/reference-mapping.js';
import { reliabilityTable } from '../../src/reliability/scenario-model.js';
import { parseDeclaration } from '@ddb-athena-sync/schemas/declaration';

describe('reference mapping', () => {
  it('maps a DynamoDB item and the lake row that holds it to the same text, exactly', () => {
    // Arrange: a 38-digit number in the json map, a decimal, a bigint beyond 2^53, a set in another order.
    const item = {
      id: { S: 'k1' },
      name: { S: 'a "name"' },
      n: { N: '-9223372036854775808' },
      price: { N: '12.5' },
      tags: { SS: ['b', 'a'] },
      doc: { M: { label: { S: 'x' }, exact: { N: '12345678901234567890123456789012345678' } } },
    };
    const lake = {
      id: 'k1',
      name: 'a "name"',
      n: '-9223372036854775808',
      price: '12.50',
      tags: ['a', 'b'],
      doc: '{"exact":12345678901234567890123456789012345678,"label":"x"}',
    };

    // Act / Assert
    expect(observedRow(lake)).toBe(expectedRow(item));
  });

  it('tells values apart that a lossy mapping would merge', () => {
    // Arrange
    const base = { id: 'k1', name: 'a', n: '1', price: '1.00', tags: null, doc: '{"exact":1,"label":"a"}' };

    // Act / Assert: the 38th digit, a cent, a missing set, a different bigint.
    expect(
      observedRow({ ...base, doc: '{"exact":12345678901234567890123456789012345679,"label":"a"}' }),
    ).not.toBe(observedRow({ ...base, doc: '{"exact":12345678901234567890123456789012345678,"label":"a"}' }));
    expect(observedRow({ ...base, price: '1.01' })).not.toBe(observedRow(base));
    expect(observedRow({ ...base, tags: ['x'] })).not.toBe(observedRow(base));
    expect(observedRow({ ...base, n: '9007199254740993' })).not.toBe(
      observedRow({ ...base, n: '9007199254740992' }),
    );
  });

  it('is checked against the declaration: a changed column fails loudly', () => {
    // Arrange
    const changed = parseDeclaration({
      name: 'changed',
      dynamodb: { tableName: 'changed', partitionKey: 'id' },
      columns: [
        { name: 'id', type: 'string' },
        { name: 'name', type: 'string' },
        { name: 'n', type: 'double' },
        { name: 'price', type: 'decimal(12,2)' },
        { name: 'tags', type: 'array<string>' },
        { name: 'doc', type: 'json' },
      ],
      mode: 'merge',
    });

    // Act / Assert
    expect(() => assertReferenceMatches(reliabilityTable('rel_reference'))).not.toThrow();
    expect(() => assertReferenceMatches(changed)).toThrow(ReferenceMappingError);
  });
});
