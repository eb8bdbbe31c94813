// Writes export/tables.json, the declarations as Terraform reads them (infra/examples/library).
// The file is committed so that `terraform plan` needs no Node.js; a test fails when it is stale.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { renderTerraformExport } from '../src/export-terraform.js';
import { tables } from '../src/tables.js';

const target = fileURLToPath(new URL('../export/tables.json', import.meta.url));
writeFileSync(target, renderTerraformExport(tables.values()));
console.log(`wrote ${target}`);
