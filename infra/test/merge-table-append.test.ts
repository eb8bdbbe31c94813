// Mode append on the merge-table module: the declaration's mode is accepted, and the stream-writer's
// batching window defaults to 300 s for append tables (5 s for merge tables), evaluated by Terraform.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { blockInstances, labelled1, labelled2, loadModule } from '../src/hcl.js';

const infraRoot = join(import.meta.dirname, '..');

/** Evaluates an HCL expression with `terraform console` (no provider, no state). */
function evaluate(expression: string): string {
  return execFileSync('terraform', ['console'], {
    cwd: mkdtempSync(join(tmpdir(), 'append-mode-')),
    input: expression.replace(/\s*\n\s*/g, ' '),
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'ignore'],
  }).trim();
}

const unwrap = (text: string): string => /^\$\{([\s\S]*)\}$/.exec(text)![1]!;

describe('merge-table, mode append', () => {
  it('accepts mode merge and append, refuses firehose', async () => {
    // Arrange
    const module = await loadModule(infraRoot, join(infraRoot, 'modules', 'merge-table'));
    const variables = module.files.find((f) => f.path.endsWith('variables.tf'))!;
    const table = labelled1(variables.body.variable).find(([name]) => name === 'table')![1];
    const validations = blockInstances(table.validation);
    const mode = validations.find(
      (v) => typeof v.condition === 'string' && v.condition.includes('var.table.mode'),
    )!;

    // Act
    const accepted = ['merge', 'append', 'firehose'].map((m) =>
      evaluate(unwrap(mode.condition as string).replaceAll('var.table.mode', JSON.stringify(m))),
    );

    // Assert
    expect(accepted).toEqual(['true', 'true', 'false']);
  });

  it('batches the stream-writer for 300 s on an append table, 5 s on a merge table, unless set', async () => {
    // Arrange
    const module = await loadModule(infraRoot, join(infraRoot, 'modules', 'merge-table'));
    const locals = module.files.flatMap((f) => blockInstances(f.body.locals));
    const expression = unwrap(
      locals.find((l) => l.batching_window_seconds !== undefined)!.batching_window_seconds as string,
    );
    const mapping = module.files
      .flatMap((f) => labelled2(f.body.resource))
      .filter(([type]) => type === 'aws_lambda_event_source_mapping')
      .map(([, , body]) => body);

    // Act
    const window = (mode: string, set: string): string =>
      evaluate(
        expression
          .replaceAll('var.stream_writer.maximum_batching_window_in_seconds', set)
          .replaceAll('var.table.mode', JSON.stringify(mode)),
      );

    // Assert
    expect([window('append', 'null'), window('merge', 'null'), window('append', '20')]).toEqual([
      '300',
      '5',
      '20',
    ]);
    expect(mapping[0]!.maximum_batching_window_in_seconds).toBe('${local.batching_window_seconds}');
  });
});
