// infra/modules/_internal/declaration, evaluated by Terraform itself: which way a declaration reaches
// the functions (environment or S3 object), and that the hash Terraform computes is the one the
// functions check (packages/core config/env.ts). No provider is needed: the module's variables and
// locals are evaluated with `terraform console` in a scratch directory.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { declaredTable, declarationEnv } from '@ddb-athena-sync/core/config/env';
import { declarationJson, sha256Hex } from '@ddb-athena-sync/schemas/declaration-json';
import { parseDeclaration } from '@ddb-athena-sync/schemas/declaration';
import { books } from '@ddb-athena-sync/schemas/test-support/example-tables';
import { describe, expect, it } from 'vitest';

const moduleDir = join(import.meta.dirname, '..', 'modules', '_internal', 'declaration');

/** The module without its resource: variables and the `locals` block only. */
function scratchModule(): string {
  const main = readFileSync(join(moduleDir, 'main.tf'), 'utf8');
  const locals = /^locals \{[\s\S]*?^\}$/m.exec(main)![0];
  const dir = mkdtempSync(join(tmpdir(), 'declaration-module-'));
  writeFileSync(join(dir, 'variables.tf'), readFileSync(join(moduleDir, 'variables.tf'), 'utf8'));
  writeFileSync(join(dir, 'locals.tf'), locals);
  return dir;
}

interface Delivery {
  readonly in_s3: boolean;
  readonly environment: Record<string, string>;
  readonly inline_bytes: number[];
}

function deliver(dir: string, vars: Record<string, unknown>): Delivery {
  writeFileSync(join(dir, 'terraform.tfvars.json'), JSON.stringify(vars));
  const out = execFileSync('terraform', ['console'], {
    cwd: dir,
    input:
      'jsonencode({ in_s3 = local.in_s3, environment = local.environment, inline_bytes = local.inline_bytes })',
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  return JSON.parse(JSON.parse(out.trim()) as string) as Delivery;
}

const base = {
  table_name: 'books',
  bucket_name: 'lake',
  bucket_arn: 'arn:aws:s3:::lake',
  environments: [{ STAGING_BUCKET: 'lake', TABLE_NAME: 'books', LOG_LEVEL: 'INFO' }],
};

/** A merge table with `n` columns whose descriptions are `description`. */
function wide(n: number, description: string): string {
  return declarationJson(
    parseDeclaration({
      name: 'books',
      dynamodb: { tableName: 'books', partitionKey: 'id' },
      columns: [
        { name: 'id', type: 'string' },
        ...Array.from({ length: n }, (_, i) => ({ name: `c${i}`, type: 'string', description })),
      ],
      mode: 'merge',
    }),
  );
}

describe('the declaration module', () => {
  it('puts a declaration that fits in the environment, with the SHA-256 the functions check', () => {
    // Arrange
    const dir = scratchModule();
    const text = declarationEnv(books).TABLE_DECLARATION;

    // Act
    const delivery = deliver(dir, { ...base, declaration: text });

    // Assert: Terraform's sha256() is the functions' sha256Hex, and the function accepts the result.
    expect(delivery.in_s3).toBe(false);
    expect(delivery.environment).toEqual({
      TABLE_DECLARATION: text,
      TABLE_DECLARATION_SHA256: sha256Hex(text),
    });
    expect(declaredTable('merge', 'merger').parse({ TABLE_NAME: 'books', ...delivery.environment })).toEqual(
      books,
    );
    expect(delivery.inline_bytes[0]).toBeLessThanOrEqual(4096);
  });

  it('moves a declaration to an S3 object once a function would pass 4 KB, counting bytes', () => {
    // Arrange: descriptions in a 3-byte script: the variables are under 4096 characters as JSON, but
    // over 4096 bytes (what Lambda counts).
    const dir = scratchModule();
    const multibyte = wide(40, '説明文'.repeat(8));
    const asJson = (text: string): string =>
      JSON.stringify({
        ...base.environments[0],
        TABLE_DECLARATION: text,
        TABLE_DECLARATION_SHA256: sha256Hex(text),
      });
    const ascii = wide(40, 'abc'.repeat(4));

    // Act
    const big = deliver(dir, { ...base, declaration: multibyte });
    const small = deliver(dir, { ...base, declaration: ascii });
    const forced = deliver(dir, { ...base, declaration: ascii, delivery: 's3' });
    const inline = deliver(dir, { ...base, declaration: multibyte, delivery: 'environment' });

    // Assert
    expect(Buffer.byteLength(asJson(multibyte))).toBeGreaterThan(4096);
    expect(asJson(multibyte).length).toBeLessThan(4096);
    expect(big.in_s3).toBe(true);
    expect(big.environment).toEqual({
      TABLE_DECLARATION_S3_URI: `s3://lake/declarations/books/${sha256Hex(multibyte)}.json`,
      TABLE_DECLARATION_SHA256: sha256Hex(multibyte),
    });
    expect(small.in_s3).toBe(false);
    expect(forced.in_s3).toBe(true);
    expect(inline.in_s3).toBe(false);
  });

  it('measures every function: one over the limit sends the declaration to S3 for all', () => {
    const dir = scratchModule();
    const text = wide(10, 'x');
    const delivery = deliver(dir, {
      ...base,
      declaration: text,
      environments: [{ A: 'small' }, { B: 'y'.repeat(4000) }],
    });
    expect(delivery.inline_bytes).toHaveLength(2);
    expect(delivery.in_s3).toBe(true);
  });
});
