import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, extname, join, resolve } from 'node:path';

import { parseDocument } from 'yaml';
import { z } from 'zod';

import { declarationSchema, parseDeclaration } from './declaration.js';
import type { TableDeclaration, TableDeclarationInput } from './declaration.js';
import { DeclarationError, TablesFileError, UnknownTableError } from './errors.js';
import type { TablesFileIssue } from './errors.js';

/**
 * The declarations file names looked up from the working directory, in this order in each
 * directory: the JSON one is the documented default, YAML is accepted for teams that prefer it.
 */
export const TABLES_FILE_NAMES = [
  'ddb-athena-sync.tables.json',
  'ddb-athena-sync.tables.yaml',
  'ddb-athena-sync.tables.yml',
] as const;

export const DEFAULT_TABLES_FILE_NAME: (typeof TABLES_FILE_NAMES)[0] = TABLES_FILE_NAMES[0];

/**
 * The whole declarations file: `{ "$schema"?: "...", "tables": [ declaration, ... ] }`. `tables` is a
 * list (not a map keyed by name) so that a file reads like the declarations it holds and each
 * problem has one path (`tables[2].columns[1].type`); duplicate names are refused by `parseTablesFile`.
 */
export const tablesFileSchema = z.strictObject({
  $schema: z.string().optional().describe('Where editors find this JSON Schema (a path or URL).'),
  tables: z.array(declarationSchema).min(1).describe('One declaration per synchronised DynamoDB table.'),
});

/** What a user writes: the typed form of the file, for a TS helper that emits the JSON. */
export interface TablesFileInput {
  readonly $schema?: string;
  readonly tables: readonly TableDeclarationInput[];
}

/** Identity at run time; in TS it checks a declarations file written as code (then `JSON.stringify` it). */
export function defineTables(input: TablesFileInput): TablesFileInput {
  return input;
}

/** A validated declarations file. */
export interface TablesFile {
  /** Absolute path of the file the tables were read from. */
  readonly path: string;
  /** The declarations by table name, in file order. */
  readonly tables: ReadonlyMap<string, TableDeclaration>;
}

/** The top level only: each entry of `tables` is checked by `parseDeclaration`, so that its own checks run too. */
const fileShape = z.strictObject({
  $schema: z.string().optional(),
  tables: z.array(z.unknown()).min(1, 'declare at least one table'),
});

function pathOf(path: readonly PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join('');
}

function isYaml(path: string): boolean {
  const ext = extname(path).toLowerCase();
  return ext === '.yaml' || ext === '.yml';
}

/** Parses the text as JSON or YAML (by the file's extension); syntax errors become issues. */
function parseText(text: string, file: string): unknown {
  if (isYaml(file)) {
    const doc = parseDocument(text, { prettyErrors: false });
    if (doc.errors.length > 0) {
      throw new TablesFileError(
        file,
        doc.errors.map((e) => ({
          path: e.linePos === undefined ? '' : `line ${e.linePos[0].line}, column ${e.linePos[0].col}`,
          message: `YAML syntax: ${e.message}`,
        })),
      );
    }
    return doc.toJS() as unknown;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new TablesFileError(file, [{ path: '', message: `JSON syntax: ${(error as Error).message}` }], {
      cause: error,
    });
  }
}

/**
 * Validates the contents of a declarations file. Every problem is collected before anything is
 * thrown: each table is checked on its own (a bad table does not hide the problems of the next), and
 * a table name declared twice is refused (the name is the Iceberg table's name and the key of every
 * per-table resource). `file` only labels the problems.
 */
export function parseTablesFile(text: string, file: string): TablesFile {
  const raw = parseText(text, file);
  const shape = fileShape.safeParse(raw);
  if (!shape.success) {
    throw new TablesFileError(
      file,
      shape.error.issues.map((i) => ({ path: pathOf(i.path), message: i.message })),
    );
  }
  const issues: TablesFileIssue[] = [];
  const tables = new Map<string, TableDeclaration>();
  const firstAt = new Map<string, number>();
  shape.data.tables.forEach((entry, index) => {
    const at = `tables[${index}]`;
    const name =
      typeof entry === 'object' && entry !== null && typeof (entry as { name?: unknown }).name === 'string'
        ? (entry as { name: string }).name
        : undefined;
    if (name !== undefined) {
      const first = firstAt.get(name);
      if (first === undefined) firstAt.set(name, index);
      else
        issues.push({
          path: `${at}.name`,
          message: `table "${name}" is already declared at tables[${first}]`,
        });
    }
    try {
      const declaration = parseDeclaration(entry);
      if (!tables.has(declaration.name)) tables.set(declaration.name, declaration);
    } catch (error) {
      if (!(error instanceof DeclarationError)) throw error;
      for (const issue of error.issues) {
        issues.push({ path: issue.path === '' ? at : `${at}.${issue.path}`, message: issue.message });
      }
    }
  });
  if (issues.length > 0) throw new TablesFileError(file, issues);
  return { path: file, tables };
}

/** Reads and validates a declarations file (JSON, or YAML for `.yaml`/`.yml`). */
export async function loadTablesFile(path: string): Promise<TablesFile> {
  const file = resolve(path);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'cannot be read';
    throw new TablesFileError(file, [{ path: '', message: reason }], { cause: error });
  }
  return parseTablesFile(text, file);
}

/**
 * The declarations file that applies in `fromDir`: the first of `TABLES_FILE_NAMES` found in
 * `fromDir` or the nearest directory above it (the way a tool finds its config from any
 * subdirectory of a repository). Undefined when none exists up to the file system root.
 */
export function findTablesFile(fromDir: string): string | undefined {
  let dir = resolve(fromDir);
  for (;;) {
    for (const name of TABLES_FILE_NAMES) {
      const candidate = join(dir, name);
      if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * The JSON Schema of the declarations file, generated from the zod schema (zod 4 `z.toJSONSchema`,
 * input side: fields with defaults are optional, as a user writes them). Editors use it to complete
 * and check the file; the semantic checks (key columns, conversions, partitions, duplicates) stay
 * with `parseTablesFile`, which `ddb-athena-sync validate` runs.
 */
export function tablesFileJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(tablesFileSchema, { io: 'input', target: 'draft-2020-12' });
  return {
    ...generated,
    title: 'ddb-athena-sync table declarations',
  };
}

/** The committed JSON Schema file's text (stable formatting, trailing newline). */
export function renderTablesFileJsonSchema(): string {
  return `${JSON.stringify(tablesFileJsonSchema(), null, 2)}\n`;
}

/** The declaration named `name` in `from` (e.g. a `TablesFile`'s tables), or an error listing the declared ones. */
export function getTable(name: string, from: ReadonlyMap<string, TableDeclaration>): TableDeclaration {
  const found = from.get(name);
  if (found === undefined) throw new UnknownTableError(name, [...from.keys()]);
  return found;
}
