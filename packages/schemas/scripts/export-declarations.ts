// Writes the generated files that are committed so that editors and `terraform plan` need no build:
// - ddb-athena-sync.tables.schema.json, the JSON Schema of a declarations file (from the zod schema);
// - export/tables.json, the example declarations (the repository's ddb-athena-sync.tables.json) as
//   the Terraform modules' derived form. Tests fail when either is stale.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { loadTablesFile, renderTablesFileJsonSchema } from '../src/config-file.js';
import { renderTerraformExport } from '../src/export-terraform.js';

const schemaTarget = fileURLToPath(new URL('../ddb-athena-sync.tables.schema.json', import.meta.url));
writeFileSync(schemaTarget, renderTablesFileJsonSchema());
console.log(`wrote ${schemaTarget}`);

const example = await loadTablesFile(
  fileURLToPath(new URL('../../../ddb-athena-sync.tables.json', import.meta.url)),
);
const exportTarget = fileURLToPath(new URL('../export/tables.json', import.meta.url));
writeFileSync(exportTarget, renderTerraformExport(example.tables.values()));
console.log(`wrote ${exportTarget}`);
