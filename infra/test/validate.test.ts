import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadProviderSchema } from '../src/provider-schema.js';
import type { ProviderSchema } from '../src/provider-schema.js';
import { validateTree } from '../src/validate.js';

const fixtures = join(import.meta.dirname, 'fixtures');
let schema: ProviderSchema;

beforeAll(() => {
  schema = loadProviderSchema();
});

describe('validateTree', () => {
  it('passes the whole of infra/', async () => {
    const { findings, figures } = await validateTree(join(import.meta.dirname, '..'), schema);

    expect(findings).toEqual([]);
    expect(figures.modules).toBeGreaterThanOrEqual(5);
    expect(figures.resources).toBeGreaterThan(30);
  });

  it('rejects a misspelled argument and suggests the right one', async () => {
    const { findings } = await validateTree(join(fixtures, 'misspelled'), schema);

    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ rule: 'unknown-argument', address: 'aws_sqs_queue.this' });
    expect(findings[0]?.message).toContain('did you mean "message_retention_seconds"');
  });

  it('rejects a missing required argument', async () => {
    const { findings } = await validateTree(join(fixtures, 'missing-required'), schema);

    expect(findings.map((f) => [f.rule, f.message])).toEqual([
      ['missing-required-argument', 'required argument "role" is missing'],
    ]);
  });

  it('rejects unresolved var., local. and resource references', async () => {
    const { findings } = await validateTree(join(fixtures, 'unresolved'), schema);

    expect(findings.every((f) => f.rule === 'unresolved-reference')).toBe(true);
    expect(findings.map((f) => f.message.split(':')[0]).sort()).toEqual([
      'aws_sqs_queue.that.arn',
      'local.key',
      'var.nmae',
    ]);
  });

  it('rejects wildcard IAM actions and unjustified "*" resources', async () => {
    const { findings } = await validateTree(join(fixtures, 'wildcard-iam'), schema);

    expect(findings.map((f) => [f.rule, f.address])).toEqual([
      ['iam-wildcard-action', 'data.aws_iam_policy_document.this.statement[TooBroad]'],
      ['iam-wildcard-resource', 'data.aws_iam_policy_document.this.statement[AnyResource]'],
      ['iam-wildcard-resource', 'data.aws_iam_policy_document.this.statement[Unjustified]'],
    ]);
  });

  it('rejects a module call with an undeclared variable and without a required one', async () => {
    const { findings } = await validateTree(join(fixtures, 'module-call'), schema);

    expect(findings.map((f) => f.rule).sort()).toEqual([
      'module-missing-variable',
      'module-unknown-variable',
    ]);
  });
});
