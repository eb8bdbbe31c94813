// Parsing .tf files into hcl2json's JSON shape (the WebAssembly build of tmccombs/hcl2json, so it runs
// offline): blocks become arrays of objects, expressions become "${...}" strings.
import { parse } from '@cdktn/hcl2json';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** A JSON value as hcl2json produces it. */
export type HclValue = string | number | boolean | null | HclValue[] | HclBody;
export interface HclBody {
  readonly [key: string]: HclValue;
}

export interface TfFile {
  readonly path: string;
  readonly text: string;
  readonly body: HclBody;
}

export interface TfModule {
  /** Directory, relative to the validated root. */
  readonly dir: string;
  readonly absDir: string;
  readonly files: readonly TfFile[];
}

export async function parseTfFile(path: string, text: string): Promise<TfFile> {
  const body = (await parse(path, text)) as HclBody;
  return { path, text, body };
}

const SKIP_DIRS = new Set(['node_modules', '.terraform', 'fixtures']);

/** Every directory under root that holds .tf files is a module. */
export function findModuleDirs(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    const entries = readdirSync(dir).sort();
    if (entries.some((e) => e.endsWith('.tf'))) out.push(dir);
    for (const entry of entries) {
      if (SKIP_DIRS.has(entry) || entry.startsWith('.')) continue;
      const full = join(dir, entry);
      if (statSync(full).isDirectory()) walk(full);
    }
  };
  walk(root);
  return out;
}

export async function loadModule(root: string, absDir: string): Promise<TfModule> {
  const names = readdirSync(absDir)
    .filter((e) => e.endsWith('.tf'))
    .sort();
  const files = await Promise.all(
    names.map((name) => {
      const path = join(absDir, name);
      return parseTfFile(relative(root, path) || name, readFileSync(path, 'utf8'));
    }),
  );
  return { dir: relative(root, absDir) || '.', absDir, files };
}

export function isBody(value: HclValue | undefined): value is HclBody {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The instances of a block: hcl2json writes `name { }` as [ {...} ]. */
export function blockInstances(value: HclValue | undefined): HclBody[] {
  if (Array.isArray(value)) return value.filter(isBody);
  return isBody(value) ? [value] : [];
}

/** `type "name" { }` at the top level: { type: { name: [ body ] } } -> [type, name, body]. */
export function labelled2(value: HclValue | undefined): [string, string, HclBody][] {
  const out: [string, string, HclBody][] = [];
  for (const byType of blockInstances(value)) {
    for (const [type, byName] of Object.entries(byType)) {
      for (const named of blockInstances(byName)) {
        for (const [name, bodies] of Object.entries(named)) {
          for (const body of blockInstances(bodies)) out.push([type, name, body]);
        }
      }
    }
  }
  return out;
}

/** `type "name" { }` with one label: { name: [ body ] } -> [name, body]. */
export function labelled1(value: HclValue | undefined): [string, HclBody][] {
  const out: [string, HclBody][] = [];
  for (const byName of blockInstances(value)) {
    for (const [name, bodies] of Object.entries(byName)) {
      for (const body of blockInstances(bodies)) out.push([name, body]);
    }
  }
  return out;
}
