import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mapAttributeValue } from '@ddb-athena-sync/core/stream/map-value';
import { parseDeclaration } from '@ddb-athena-sync/schemas/declaration';
import { describe, expect, it } from 'vitest';

import { GenericWorkload, genericWorkloadProblem, probeColumn } from '../src/demo/generic-workload.js';
import { LagTracker } from '../src/demo/lag-tracker.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const declaration = (columns: { name: string; type: string; conversion?: string }[]) =>
  parseDeclaration({
    name: 'things',
    dynamodb: { tableName: 'things', partitionKey: 'pk', sortKey: 'sk', ttlAttribute: 'ttl' },
    columns,
    mode: 'merge',
  });

const EVERY_TYPE = [
  { name: 'pk', type: 'string' },
  { name: 'sk', type: 'int' },
  { name: 'ttl', type: 'timestamp', conversion: 'epoch-seconds' },
  { name: 'label', type: 'string' },
  { name: 'big', type: 'bigint' },
  { name: 'small', type: 'int' },
  { name: 'ratio', type: 'double' },
  { name: 'weight', type: 'float' },
  { name: 'flag', type: 'boolean' },
  { name: 'blob', type: 'binary' },
  { name: 'price', type: 'decimal(5,3)' },
  { name: 'whole', type: 'decimal(3,0)' },
  { name: 'at_ms', type: 'timestamp', conversion: 'epoch-millis' },
  { name: 'at_us', type: 'timestamp', conversion: 'epoch-micros' },
  { name: 'at_ns', type: 'timestamp', conversion: 'epoch-nanos' },
  { name: 'at_iso', type: 'timestamp', conversion: 'iso8601' },
  { name: 'day', type: 'date', conversion: 'iso8601' },
  { name: 'doc', type: 'json' },
  { name: 'nested', type: 'array<struct<a:string,b:array<decimal(6,2)>,c:struct<d:boolean,e:bigint>>>' },
];

describe('GenericWorkload values', () => {
  it('generates, for every column type, values the stream mapper accepts (floats exactly)', () => {
    // Arrange
    const d = declaration(EVERY_TYPE);
    const w = new GenericWorkload({ ddb: new DynamoDBClient({}), tracker: new LagTracker(), declaration: d });

    // Act
    const failures: string[] = [];
    for (let i = 0; i < 200; i++)
      for (const c of d.columns) {
        // core declares its own AttributeValue type; the SDK's, which the workload writes, holds the same data.
        const value = w.value(c.type, c.conversion) as Parameters<typeof mapAttributeValue>[0];
        try {
          const mapped = mapAttributeValue(value, c.type, {
            table: d.name,
            sequenceNumber: undefined,
            key: undefined,
            attribute: c.source,
            conversion: c.conversion,
          });
          if (c.type.kind === 'float' && mapped !== Number((value as { N: string }).N))
            failures.push(`${c.name}: float not exact`);
        } catch (error) {
          failures.push(`${c.name}: ${(error as Error).message}`);
        }
      }

    // Assert
    expect(failures).toEqual([]);
    expect(probeColumn(d)?.name).toBe('label');
    expect(genericWorkloadProblem(d)).toBeUndefined();
  });

  it('names the table and column it cannot generate a workload for', () => {
    expect(
      genericWorkloadProblem(
        declaration([
          { name: 'pk', type: 'binary' },
          { name: 'sk', type: 'int' },
          { name: 'label', type: 'string' },
        ]),
      ),
    ).toBe('table "things": key column "pk" is binary; the demo generates string, bigint or int keys only');
    expect(
      genericWorkloadProblem(
        declaration([
          { name: 'pk', type: 'string' },
          { name: 'sk', type: 'int' },
          { name: 'n', type: 'bigint' },
        ]),
      ),
    ).toBe('table "things": the demo needs a non-key string column to carry each write\'s version');
  });
});
