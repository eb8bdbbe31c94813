// The logic of `validate`, `export-terraform` and `init`'s file writing, apart from commander so
// that tests call it directly.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

import { loadTablesFile, parseTablesFile } from '@ddb-athena-sync/schemas/config-file';
import type { TablesFile } from '@ddb-athena-sync/schemas/config-file';
import type { TableDeclarationInput } from '@ddb-athena-sync/schemas/declaration';
import { TablesFileError } from '@ddb-athena-sync/schemas/errors';
import { renderTerraformExport, TERRAFORM_EXPORT_FILE_NAME } from '@ddb-athena-sync/schemas/export-terraform';

import { UsageError } from './errors.js';

/** Where `export-terraform` writes by default: next to the declarations file. */
export function terraformExportPath(tablesFile: string): string {
  return join(dirname(tablesFile), TERRAFORM_EXPORT_FILE_NAME);
}

export interface ValidateReport {
  /** 0: valid (and its Terraform export, if there is one, up to date); 1: problems. */
  readonly exitCode: 0 | 1;
  readonly lines: readonly string[];
}

/**
 * Checks a declarations file: every problem of every table, with file and path (TablesFileError);
 * then, when a Terraform export sits next to it, that the export is the file's (a stale export
 * would deploy other declarations than the file says).
 */
export async function validateTablesFile(path: string): Promise<ValidateReport> {
  let file: TablesFile;
  try {
    file = await loadTablesFile(path);
  } catch (error) {
    if (error instanceof TablesFileError) return { exitCode: 1, lines: error.message.split('\n') };
    throw error;
  }
  const names = [...file.tables.keys()];
  const lines = [
    `${file.path}: ${names.length} table${names.length === 1 ? '' : 's'} (${names.join(', ')}), valid`,
  ];
  const exportPath = terraformExportPath(file.path);
  if (existsSync(exportPath)) {
    const current = await readFile(exportPath, 'utf8');
    if (current !== renderTerraformExport(file.tables.values())) {
      lines.push(
        `${exportPath}: out of date with the declarations (Terraform would deploy other ones): run ddb-athena-sync export-terraform`,
      );
      return { exitCode: 1, lines };
    }
    lines.push(`${exportPath}: up to date`);
  }
  return { exitCode: 0, lines };
}

/** Writes the Terraform export of `file` (default: next to it); returns the path written. */
export async function exportTerraform(file: TablesFile, out?: string): Promise<string> {
  const target = out ?? terraformExportPath(file.path);
  await writeFile(target, renderTerraformExport(file.tables.values()));
  return target;
}

/** The `$schema` pointer of a new declarations file at `path`: the JSON Schema this CLI ships. */
export function schemaPointer(path: string): string {
  const schema = fileURLToPath(
    import.meta.resolve('@ddb-athena-sync/schemas/ddb-athena-sync.tables.schema.json'),
  );
  const rel = relative(dirname(path), schema);
  return rel.startsWith('.') ? rel : `./${rel}`;
}

/**
 * Adds `declaration` to the declarations file at `path` (a new file when there is none), refusing to
 * replace a table of the same name unless `replace`; the result is checked before it is written.
 */
export async function addToTablesFile(
  path: string,
  declaration: TableDeclarationInput,
  options: { replace?: boolean } = {},
): Promise<{ created: boolean }> {
  const created = !existsSync(path);
  let doc: { $schema?: string; tables: TableDeclarationInput[] };
  if (created) {
    doc = { $schema: schemaPointer(path), tables: [] };
  } else {
    const text = await readFile(path, 'utf8');
    if (!/\.json$/i.test(path))
      throw new UsageError(`init writes JSON files; ${path} is not one (use --out <file>.json)`);
    doc = JSON.parse(text) as typeof doc;
    if (!Array.isArray(doc.tables)) throw new UsageError(`${path} has no "tables" list`);
  }
  const at = doc.tables.findIndex((t) => t.name === declaration.name);
  if (at >= 0 && options.replace !== true)
    throw new UsageError(`${path} already declares table "${declaration.name}" (pass --force to replace it)`);
  if (at >= 0) doc.tables[at] = declaration;
  else doc.tables.push(declaration);
  const text = `${JSON.stringify(doc, null, 2)}\n`;
  parseTablesFile(text, path);
  await writeFile(path, text);
  return { created };
}
