import { declarationEnv } from '@ddb-athena-sync/core/config/env';
import { books, orders } from '@ddb-athena-sync/schemas/test-support/example-tables';
import { describe, expect, test } from 'vitest';

import { loadConfig } from '../src/config.js';
import { ConfigError } from '../src/errors.js';

describe('loadConfig', () => {
  test('reads every key and defaults STAGING_PREFIX', () => {
    const config = loadConfig({
      ...declarationEnv(books),
      STAGING_BUCKET: 'lake',
      CONTROL_TABLE: 'ddb-athena-sync-control',
      ATHENA_WORKGROUP: 'wg',
      GLUE_DATABASE: 'library',
      TABLE_LOCATION: 's3://lake/tables/books/',
      POWERTOOLS_SERVICE_NAME: 'merger-books',
      LOG_LEVEL: 'debug',
    });
    expect(config).toMatchObject({
      tableName: 'books',
      stagingPrefix: 'staging/',
      logLevel: 'DEBUG',
      serviceName: 'merger-books',
    });
  });

  test('refuses a firehose-mode declaration and one of another table, with the other bad keys', () => {
    const problems = (tableEnv: Record<string, string>): readonly string[] | undefined => {
      try {
        loadConfig({ ...tableEnv, STAGING_BUCKET: 'lake', LOG_LEVEL: 'LOUD' });
      } catch (e) {
        return (e as ConfigError).problems;
      }
    };
    for (const [tableEnv, message] of [
      [
        declarationEnv(orders),
        'table "orders" is in firehose mode; merger serves merge- or append-mode tables',
      ],
      [
        { ...declarationEnv(books), TABLE_NAME: 'novels' },
        'declares table "books", but TABLE_NAME is "novels"',
      ],
    ] as const) {
      const found = problems(tableEnv);
      expect(found?.map((p) => p.split(':')[0]).sort()).toEqual([
        'ATHENA_WORKGROUP',
        'CONTROL_TABLE',
        'GLUE_DATABASE',
        'LOG_LEVEL',
        'TABLE_DECLARATION',
        'TABLE_LOCATION',
      ]);
      expect(found?.find((p) => p.startsWith('TABLE_DECLARATION:'))).toContain(message);
    }
  });

  test('reports every missing or bad key in one error', () => {
    const error = (() => {
      try {
        loadConfig({ TABLE_NAME: 'Books', TABLE_LOCATION: 'lake/tables' });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    const keys = (error as ConfigError).problems.map((p) => p.split(':')[0]).sort();
    expect(keys).toEqual([
      'ATHENA_WORKGROUP',
      'CONTROL_TABLE',
      'GLUE_DATABASE',
      'STAGING_BUCKET',
      'TABLE_DECLARATION_SHA256',
      'TABLE_LOCATION',
      'TABLE_NAME',
    ]);
  });

  test('a timeout too short for one batch is a ConfigError naming both keys', () => {
    const env = {
      ...declarationEnv(books),
      STAGING_BUCKET: 'lake',
      CONTROL_TABLE: 'ddb-athena-sync-control',
      ATHENA_WORKGROUP: 'wg',
      GLUE_DATABASE: 'library',
      TABLE_LOCATION: 's3://lake/tables/books/',
    };
    // 40 s - 20 s safety = 20 s, less than the 30 s a batch needs.
    expect(() => loadConfig({ ...env, MERGER_TIMEOUT_SECONDS: '40' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...env, MERGER_TIMEOUT_SECONDS: '40' })).toThrow(
      /MERGER_TIMEOUT_SECONDS.*MIN_BATCH_BUDGET_MS/,
    );
    expect(
      loadConfig({ ...env, MERGER_TIMEOUT_SECONDS: '50', TOMBSTONE_RETENTION_MS: '108000000' }),
    ).toMatchObject({
      timeoutSeconds: 50,
      minBatchBudgetMs: 30_000,
      tombstoneRetentionMs: 108_000_000,
    });
    expect(() => loadConfig({ ...env, MERGER_TIMEOUT_SECONDS: '60', MIN_BATCH_BUDGET_MS: '45000' })).toThrow(
      ConfigError,
    );
  });
});
