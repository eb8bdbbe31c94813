import { LogLevel } from '@aws-lambda-powertools/logger';
import { LOG_LEVELS } from '@ddb-athena-sync/core/config/env';
import { declarationEnv } from '@ddb-athena-sync/core/config/env';
import { books, orders } from '@ddb-athena-sync/schemas/test-support/example-tables';
import { describe, expect, it } from 'vitest';

import { loadConfig } from '../src/config.js';
import { ConfigError } from '../src/errors.js';

describe('loadConfig', () => {
  it('reports every missing or bad variable in one error', () => {
    // Act
    const attempt = () => loadConfig({ TABLE_NAME: 'nope', STAGING_PREFIX: 'no-slash', LOG_LEVEL: 'LOUD' });

    // Assert
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (error) {
      const paths = (error as ConfigError).problems.map((p) => p.split(':')[0]);
      expect(paths.sort()).toEqual([
        'LOG_LEVEL',
        'STAGING_BUCKET',
        'STAGING_PREFIX',
        'TABLE_DECLARATION_SHA256',
      ]);
    }
  });

  it('applies the documented defaults', () => {
    // Act
    const config = loadConfig({ STAGING_BUCKET: 'my-lake', ...declarationEnv(books) });

    // Assert
    expect(config).toMatchObject({
      bucket: 'my-lake',
      stagingPrefix: 'staging/',
      quarantinePrefix: 'quarantine/',
      logLevel: 'INFO',
    });
    expect(config.table.name).toBe('books');
  });

  it('refuses a firehose-mode table, in the same error as the other bad keys', () => {
    expect(() => loadConfig({ STAGING_BUCKET: 'my-lake', ...declarationEnv(orders) })).toThrow(
      /firehose mode/,
    );

    const problems = (() => {
      try {
        loadConfig({ ...declarationEnv(orders), LOG_LEVEL: 'LOUD' });
      } catch (error) {
        return (error as ConfigError).problems;
      }
    })();
    expect(problems?.map((p) => p.split(':')[0]).sort()).toEqual([
      'LOG_LEVEL',
      'STAGING_BUCKET',
      'TABLE_DECLARATION',
    ]);
  });

  it('accepts every Powertools log level, in either case', () => {
    expect([...LOG_LEVELS].sort()).toEqual(Object.values(LogLevel).sort());
    for (const level of LOG_LEVELS) {
      const env = { STAGING_BUCKET: 'my-lake', ...declarationEnv(books), LOG_LEVEL: level.toLowerCase() };
      expect(loadConfig(env).logLevel).toBe(level);
    }
  });
});
