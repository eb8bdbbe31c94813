import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { parseTfFile } from '../src/hcl.js';
import type { TfModule } from '../src/hcl.js';
import { BEGIN, END, readmeStates, renderDocs } from '../src/module-docs.js';

const infraRoot = join(import.meta.dirname, '..');

describe('module READMEs', () => {
  it('are up to date: usage, inputs and outputs between the terraform-docs markers (pnpm run docs)', async () => {
    // Act
    const states = await readmeStates(infraRoot);

    // Assert: every module and example has a README with a usage snippet, and none is stale.
    expect(states.length).toBeGreaterThanOrEqual(7);
    for (const state of states) {
      expect(state.current, `${state.path} has a usage snippet`).toMatch(
        /## Usage\n\n(From `[^`]+`:\n\n)?```(hcl|sh)\n/,
      );
      expect(state.current, `${state.path} is stale: run pnpm --filter @ddb-athena-sync/infra run docs`).toBe(
        state.expected,
      );
    }
  });

  it('renders a variable, its default and an output, and reports a required input in the usage', async () => {
    // Arrange
    const file = await parseTfFile(
      'main.tf',
      `variable "size" {
  description = "How | big."
  type        = number
  default     = 3
}
variable "name" {
  description = "The name."
  type        = object({ first = string })
}
output "id" {
  description = "The id."
  value       = var.name
}
`,
    );
    const module: TfModule = { dir: 'modules/thing', absDir: '/nowhere/modules/thing', files: [file] };

    // Act
    const docs = renderDocs('/nowhere', module, []);

    // Assert
    expect(docs.startsWith(BEGIN) && docs.endsWith(END)).toBe(true);
    expect(docs).toContain('| `name` | The name. | `object({...})` | n/a | yes |');
    expect(docs).toContain('| `size` | How \\| big. | `number` | `3` | no |');
    expect(docs).toContain('| `id` | The id. |');
    expect(docs).toMatch(
      /module "thing" \{\n {2}source = "\.\/modules\/thing"\n\n {2}name {3}= \.\.\. # object\(\{\.\.\.\}\)\n\}/,
    );
  });
});
