import { declarationEnv } from '@ddb-athena-sync/core/config/env';
import { books, orders } from '@ddb-athena-sync/schemas/test-support/example-tables';
import { describe, expect, it } from 'vitest';

import { loadConfig } from '../src/config.js';
import { ConfigError } from '../src/errors.js';

describe('loadConfig', () => {
  it('reports every missing or bad variable in one error', () => {
    // Act
    const attempt = () => loadConfig({ TABLE_NAME: 'nope', GLUE_DATABASE: 'Bad-Name' });

    // Assert
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(
      /TABLE_DECLARATION_SHA256[\s\S]*GLUE_DATABASE|GLUE_DATABASE[\s\S]*TABLE_DECLARATION_SHA256/,
    );
    expect(attempt).toThrow(/QUARANTINE_BUCKET/);
  });

  it('accepts a firehose-mode table and refuses a merge-mode one', () => {
    expect(
      loadConfig({ ...declarationEnv(orders), GLUE_DATABASE: 'lake', QUARANTINE_BUCKET: 'my-lake' }),
    ).toMatchObject({
      database: 'lake',
      quarantineBucket: 'my-lake',
      quarantinePrefix: 'quarantine/',
      logLevel: 'INFO',
    });
    expect(() =>
      loadConfig({ ...declarationEnv(books), GLUE_DATABASE: 'lake', QUARANTINE_BUCKET: 'my-lake' }),
    ).toThrow(/merge mode/);
  });

  it('reports a merge-mode table with the other bad keys, and GLUE_DATABASE by the lake module rule', () => {
    const problems = (() => {
      try {
        // infra/modules/lake: glue_database_name must match ^[a-z_][a-z0-9_]{0,254}$ (no leading digit).
        loadConfig({ ...declarationEnv(books), GLUE_DATABASE: '1lake', QUARANTINE_BUCKET: 'my-lake' });
      } catch (error) {
        return (error as ConfigError).problems;
      }
    })();
    expect(problems?.map((p) => p.split(':')[0]).sort()).toEqual(['GLUE_DATABASE', 'TABLE_DECLARATION']);
  });
});
