import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { findModuleDirs } from '../src/hcl.js';
import { MINIMUM_PACKAGE, loadProviderSchema } from '../src/provider-schema.js';
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

describe('moved blocks', () => {
  it('rejects a move to a resource nobody declares and a move from one still declared', async () => {
    const { findings } = await validateTree(join(fixtures, 'moved'), schema);

    expect(findings.map((f) => [f.rule, f.message])).toEqual([
      ['moved-address', 'to = "${module.queue.aws_sqs_queue.dead_letter}": no such resource'],
      ['moved-address', 'from = "${aws_sqs_queue.kept}": still declared, so nothing moves'],
    ]);
  });
});

describe('provider versions', () => {
  it('every versions.tf requires the minimum provider, which has iceberg_table_input, and infra/ passes its schema', async () => {
    // `open_table_format_input.iceberg_input.iceberg_table_input` arrived in hashicorp/aws 6.x
    // (provider .changelog/46843.txt, "resource/aws_glue_catalog_table: Add
    // open_table_format_input.iceberg_input.iceberg_table_input argument"; resource page
    // website/docs/r/glue_catalog_table.html.markdown). A lower minimum lets `init` pick a provider
    // that rejects the iceberg-table module.
    // Arrange
    const minimum = loadProviderSchema({ packageName: MINIMUM_PACKAGE });
    const root = join(import.meta.dirname, '..');

    // Act
    const icebergInput =
      minimum.resources.aws_glue_catalog_table?.arguments.open_table_format_input?.nested?.arguments
        .iceberg_input?.nested?.arguments;
    const constraints = findModuleDirs(root).map((dir) => {
      const text = readFileSync(join(dir, 'versions.tf'), 'utf8');
      return /hashicorp\/aws"\s+version\s*=\s*"([^"]+)"/.exec(text)?.[1];
    });
    const { findings } = await validateTree(root, minimum);

    // Assert
    expect(icebergInput?.iceberg_table_input?.block).toBe(true);
    expect(new Set(constraints)).toEqual(new Set([`>= ${minimum.providerVersion}`]));
    expect(findings).toEqual([]);
  });
});
