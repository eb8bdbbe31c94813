// Offline checks of a tree of Terraform modules: provider schema, references, module calls, IAM.
import { existsSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { blockInstances, findModuleDirs, isBody, labelled1, labelled2, loadModule } from './hcl.js';
import type { HclBody, HclValue, TfFile, TfModule } from './hcl.js';
import type { BlockSchema, ProviderSchema } from './provider-schema.js';
import { lintPolicyDocument, lintInlinePolicy } from './iam-lint.js';

export type Rule =
  | 'unknown-resource-type'
  | 'unknown-argument'
  | 'missing-required-argument'
  | 'unresolved-reference'
  | 'module-unknown-variable'
  | 'module-missing-variable'
  | 'module-source'
  | 'iam-wildcard-action'
  | 'iam-wildcard-resource'
  | 'moved-address';

export interface Finding {
  readonly rule: Rule;
  readonly file: string;
  readonly address: string;
  readonly message: string;
}

export interface Figures {
  modules: number;
  files: number;
  resources: number;
  dataSources: number;
  moduleCalls: number;
  argumentsChecked: number;
  referencesChecked: number;
  policyStatements: number;
}

export interface ValidationResult {
  readonly findings: Finding[];
  readonly figures: Figures;
}

const RESOURCE_META = new Set([
  'count',
  'for_each',
  'depends_on',
  'provider',
  'lifecycle',
  'provisioner',
  'connection',
]);
const MODULE_META = new Set(['source', 'version', 'count', 'for_each', 'providers', 'depends_on']);

interface Declared {
  variables: Map<string, { required: boolean }>;
  locals: Set<string>;
  outputs: Set<string>;
  resources: Set<string>;
  dataSources: Set<string>;
  modules: Map<string, string | undefined>;
}

function declared(module: TfModule): Declared {
  const d: Declared = {
    variables: new Map(),
    locals: new Set(),
    outputs: new Set(),
    resources: new Set(),
    dataSources: new Set(),
    modules: new Map(),
  };
  for (const file of module.files) {
    for (const [name, body] of labelled1(file.body.variable))
      d.variables.set(name, { required: !('default' in body) });
    for (const locals of blockInstances(file.body.locals))
      for (const name of Object.keys(locals)) d.locals.add(name);
    for (const [name] of labelled1(file.body.output)) d.outputs.add(name);
    for (const [type, name] of labelled2(file.body.resource)) d.resources.add(`${type}.${name}`);
    for (const [type, name] of labelled2(file.body.data)) d.dataSources.add(`${type}.${name}`);
    for (const [name, body] of labelled1(file.body.module)) {
      d.modules.set(name, typeof body.source === 'string' ? body.source : undefined);
    }
  }
  return d;
}

/** Every string that holds an expression, with the path of keys that leads to it. */
function* expressions(value: HclValue, path: string): Generator<[string, string]> {
  if (typeof value === 'string') {
    if (value.includes('${')) yield [path, value];
  } else if (Array.isArray(value)) {
    for (const item of value) yield* expressions(item, path);
  } else if (isBody(value)) {
    for (const [key, item] of Object.entries(value))
      yield* expressions(item, path === '' ? key : `${path}.${key}`);
  }
}

// Identifiers that start a reference; anything after `data.` / `module.` / a resource type is checked.
const REFERENCE =
  /(?<![\w.$-])(var|local|module|data|aws_[a-z0-9_]+)\.([A-Za-z_][\w-]*)(?:\.([A-Za-z_][\w-]*))?/g;

function checkReferences(
  module: TfModule,
  d: Declared,
  outputsOf: (source: string) => Set<string> | undefined,
  findings: Finding[],
  figures: Figures,
): void {
  const report = (file: TfFile, address: string, message: string): void => {
    findings.push({ rule: 'unresolved-reference', file: file.path, address, message });
  };
  for (const file of module.files) {
    for (const [blockType, value] of Object.entries(file.body)) {
      // moved { from, to } holds addresses, not expressions: checkMoved reads them.
      if (blockType === 'variable' || blockType === 'terraform' || blockType === 'moved') continue;
      for (const [path, expr] of expressions(value, blockType)) {
        for (const match of expr.matchAll(REFERENCE)) {
          const [, head, first, second] = match;
          if (head === undefined || first === undefined) continue;
          figures.referencesChecked += 1;
          const ref = match[0];
          if (head === 'var') {
            if (!d.variables.has(first))
              report(file, path, `${ref}: no variable "${first}" is declared in ${module.dir}`);
          } else if (head === 'local') {
            if (!d.locals.has(first))
              report(file, path, `${ref}: no local "${first}" is defined in ${module.dir}`);
          } else if (head === 'module') {
            if (!d.modules.has(first)) {
              report(file, path, `${ref}: no module "${first}" is called in ${module.dir}`);
            } else if (second !== undefined) {
              const outputs = outputsOf(d.modules.get(first) ?? '');
              if (outputs !== undefined && !outputs.has(second))
                report(file, path, `${ref}: module "${first}" has no output "${second}"`);
            }
          } else if (head === 'data') {
            if (second === undefined || !d.dataSources.has(`${first}.${second}`))
              report(file, path, `${ref}: no data source ${first}.${second ?? '?'} in ${module.dir}`);
          } else if (!d.resources.has(`${head}.${first}`)) {
            report(file, path, `${ref}: no resource ${head}.${first} in ${module.dir}`);
          }
        }
      }
    }
  }
}

const ADDRESS = /^\$\{((?:module\.[A-Za-z_][\w-]*\.)*)([a-z][a-z0-9_]*\.[A-Za-z_][\w-]*)\}$/;

/**
 * `moved` blocks (Terraform 1.1+, "Refactoring" in the Terraform language docs): `to` must be a
 * resource the configuration declares (in a called module for `module.<name>.<type>.<name>`) and
 * `from` one it no longer declares, else Terraform refuses the plan. Module-level moves (no resource
 * part) are left alone.
 */
function checkMoved(
  module: TfModule,
  d: Declared,
  declaredIn: (source: string) => Declared | undefined,
  findings: Finding[],
): void {
  for (const file of module.files) {
    for (const moved of blockInstances(file.body.moved)) {
      const declares = (address: HclValue | undefined): boolean | undefined => {
        const match = typeof address === 'string' ? ADDRESS.exec(address) : null;
        if (match === null) return undefined;
        let scope: Declared | undefined = d;
        for (const call of match[1]!.split('.').filter((_, i) => i % 2 === 1)) {
          const source: string | undefined = scope?.modules.get(call);
          scope = source === undefined ? undefined : declaredIn(source);
        }
        return scope?.resources.has(match[2]!) ?? false;
      };
      const at = { file: file.path, address: 'moved' };
      if (declares(moved.to) === false)
        findings.push({
          rule: 'moved-address',
          ...at,
          message: `to = ${JSON.stringify(moved.to)}: no such resource`,
        });
      if (declares(moved.from) === true)
        findings.push({
          rule: 'moved-address',
          ...at,
          message: `from = ${JSON.stringify(moved.from)}: still declared, so nothing moves`,
        });
    }
  }
}

/** Checks one block body against its schema; `dynamic "x" { content { } }` counts as block x. */
function checkBody(
  body: HclBody,
  schema: BlockSchema,
  meta: ReadonlySet<string>,
  at: { file: string; address: string },
  findings: Finding[],
  figures: Figures,
): void {
  const present = new Set<string>();
  const instances: [string, HclBody][] = [];
  for (const [key, value] of Object.entries(body)) {
    if (meta.has(key)) continue;
    if (key === 'dynamic') {
      for (const [name, dyn] of labelled1(value)) {
        present.add(name);
        for (const content of blockInstances(dyn.content)) instances.push([name, content]);
        if (!(name in schema.arguments)) {
          findings.push({
            rule: 'unknown-argument',
            ...at,
            message: `dynamic "${name}": no block "${name}" in ${at.address}`,
          });
        }
      }
      continue;
    }
    present.add(key);
    figures.argumentsChecked += 1;
    const arg = schema.arguments[key];
    if (arg === undefined) {
      findings.push({
        rule: 'unknown-argument',
        ...at,
        message: `unsupported argument or block "${key}"${suggest(key, Object.keys(schema.arguments))}`,
      });
      continue;
    }
    if (arg.block) for (const instance of blockInstances(value)) instances.push([key, instance]);
  }
  for (const [name, instance] of instances) {
    const nested = schema.arguments[name]?.nested;
    if (nested !== undefined)
      checkBody(
        instance,
        nested,
        new Set(),
        { file: at.file, address: `${at.address}.${name}` },
        findings,
        figures,
      );
  }
  for (const [name, arg] of Object.entries(schema.arguments)) {
    if (arg.required && !present.has(name)) {
      findings.push({
        rule: 'missing-required-argument',
        ...at,
        message: `required ${arg.block ? 'block' : 'argument'} "${name}" is missing`,
      });
    }
  }
}

function suggest(name: string, candidates: readonly string[]): string {
  const distance = (a: string, b: string): number => {
    const row = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i += 1) {
      let prev = row[0]!;
      row[0] = i;
      for (let j = 1; j <= b.length; j += 1) {
        const tmp = row[j]!;
        row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
        prev = tmp;
      }
    }
    return row[b.length]!;
  };
  const best = candidates.map((c) => [c, distance(name, c)] as const).sort((x, y) => x[1] - y[1])[0];
  return best !== undefined && best[1] <= 3 ? ` (did you mean "${best[0]}"?)` : '';
}

function isLocalSource(source: string): boolean {
  return source.startsWith('./') || source.startsWith('../');
}

export async function validateTree(root: string, schema: ProviderSchema): Promise<ValidationResult> {
  const absRoot = resolve(root);
  const modules = await Promise.all(findModuleDirs(absRoot).map((dir) => loadModule(absRoot, dir)));
  // A root module outside this tree (a user's, calling infra/modules/* by relative path) is checked
  // with the modules it calls: those are loaded too, wherever they are, so calls are checked
  // against their variables and their own resources against the provider schema.
  for (let i = 0; i < modules.length; i++) {
    const loaded = new Set(modules.map((m) => m.absDir));
    for (const file of modules[i]!.files)
      for (const [, body] of labelled1(file.body.module)) {
        const source = typeof body.source === 'string' ? body.source : '';
        const dir = resolve(modules[i]!.absDir, source);
        if (isLocalSource(source) && !loaded.has(dir) && existsSync(dir)) {
          modules.push(await loadModule(absRoot, dir));
          loaded.add(dir);
        }
      }
  }
  const declaredByDir = new Map(modules.map((m) => [m.absDir, declared(m)]));
  const findings: Finding[] = [];
  const figures: Figures = {
    modules: modules.length,
    files: modules.reduce((n, m) => n + m.files.length, 0),
    resources: 0,
    dataSources: 0,
    moduleCalls: 0,
    argumentsChecked: 0,
    referencesChecked: 0,
    policyStatements: 0,
  };

  for (const module of modules) {
    const d = declaredByDir.get(module.absDir)!;
    const calledDeclared = (source: string): Declared | undefined => {
      if (!isLocalSource(source)) return undefined;
      return declaredByDir.get(resolve(module.absDir, source));
    };

    for (const file of module.files) {
      for (const [type, name, body] of labelled2(file.body.resource)) {
        figures.resources += 1;
        const at = { file: file.path, address: `${type}.${name}` };
        const s = schema.resources[type];
        if (s === undefined) {
          findings.push({
            rule: 'unknown-resource-type',
            ...at,
            message: `resource type "${type}" is not in hashicorp/aws ${schema.providerVersion}`,
          });
          continue;
        }
        checkBody(body, s, RESOURCE_META, at, findings, figures);
        if (
          ['aws_iam_role_policy', 'aws_iam_policy', 'aws_s3_bucket_policy', 'aws_sqs_queue_policy'].includes(
            type,
          )
        ) {
          lintInlinePolicy(body, at, findings);
        }
      }
      for (const [type, name, body] of labelled2(file.body.data)) {
        figures.dataSources += 1;
        const at = { file: file.path, address: `data.${type}.${name}` };
        const s = schema.dataSources[type];
        if (s === undefined) {
          findings.push({
            rule: 'unknown-resource-type',
            ...at,
            message: `data source "${type}" is not in hashicorp/aws ${schema.providerVersion}`,
          });
          continue;
        }
        checkBody(body, s, RESOURCE_META, at, findings, figures);
        if (type === 'aws_iam_policy_document')
          figures.policyStatements += lintPolicyDocument(body, file, at, findings);
      }
      for (const [name, body] of labelled1(file.body.module)) {
        figures.moduleCalls += 1;
        const at = { file: file.path, address: `module.${name}` };
        const source = typeof body.source === 'string' ? body.source : '';
        const callee = calledDeclared(source);
        if (callee === undefined) {
          if (isLocalSource(source) || source === '') {
            findings.push({
              rule: 'module-source',
              ...at,
              message: `module source "${source}" is not a module directory under ${relative(process.cwd(), absRoot) || '.'}`,
            });
          }
          continue;
        }
        for (const key of Object.keys(body)) {
          if (MODULE_META.has(key)) continue;
          if (!callee.variables.has(key)) {
            findings.push({
              rule: 'module-unknown-variable',
              ...at,
              message: `argument "${key}": module ${source} declares no such variable${suggest(key, [...callee.variables.keys()])}`,
            });
          }
        }
        for (const [variable, { required }] of callee.variables) {
          if (required && !(variable in body)) {
            findings.push({
              rule: 'module-missing-variable',
              ...at,
              message: `required variable "${variable}" of module ${source} is not set`,
            });
          }
        }
      }
    }

    checkMoved(module, d, (source) => calledDeclared(source), findings);
    checkReferences(
      module,
      d,
      (source) =>
        isLocalSource(source) ? declaredByDir.get(resolve(module.absDir, source))?.outputs : undefined,
      findings,
      figures,
    );
  }
  return { findings, figures };
}

/** Resolves a path argument against the current directory. */
export function resolveRoot(path: string): string {
  const abs = isAbsolute(path) ? path : resolve(process.cwd(), path);
  if (!existsSync(abs)) throw new Error(`no such directory: ${path}`);
  return abs;
}
