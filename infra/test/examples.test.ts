// Every example that carries its own declarations file carries its Terraform export, up to date:
// Terraform reads the export (`ddb-athena-sync export-terraform` writes it), never the TS code.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { loadTablesFile } from '@ddb-athena-sync/schemas/config-file';
import { renderTerraformExport, TERRAFORM_EXPORT_FILE_NAME } from '@ddb-athena-sync/schemas/export-terraform';
import { describe, expect, it } from 'vitest';

const examples = join(import.meta.dirname, '..', 'examples');
const withFile = readdirSync(examples).filter((d) =>
  existsSync(join(examples, d, 'ddb-athena-sync.tables.json')),
);

describe('examples with a declarations file', () => {
  it('include three-tables', () => {
    expect(withFile).toContain('three-tables');
  });

  it.each(withFile)('%s: the Terraform export is the one of its declarations file', async (dir) => {
    const file = await loadTablesFile(join(examples, dir, 'ddb-athena-sync.tables.json'));
    const committed = readFileSync(join(examples, dir, TERRAFORM_EXPORT_FILE_NAME), 'utf8');
    expect(committed).toBe(renderTerraformExport(file.tables.values()));
  });
});
