// The AWS provider schema, as far as an offline check needs it: for every resource and data source,
// which arguments and nested blocks exist, which are required, and which names are blocks.
//
// Source: the jsii manifest (`.jsii`) of @cdktn/provider-aws, generated from the provider's own
// `terraform providers schema -json`. The manifest is ~150 MB, so it is read once and a compact
// extract (~a few MB) is cached under node_modules/.cache, keyed by the package version.
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface ArgumentSchema {
  /** Required by the provider schema (no `optional` in the generated config struct). */
  readonly required: boolean;
  /** A nested block (`name { ... }`) rather than an attribute (`name = ...`). */
  readonly block: boolean;
  /** Arguments of the nested block or of the object attribute, when it has a known shape. */
  readonly nested?: BlockSchema;
}

export interface BlockSchema {
  readonly arguments: Readonly<Record<string, ArgumentSchema>>;
}

export interface ProviderSchema {
  readonly providerVersion: string;
  readonly packageVersion: string;
  readonly resources: Readonly<Record<string, BlockSchema>>;
  readonly dataSources: Readonly<Record<string, BlockSchema>>;
}

/** The newest provider schema the modules are validated against. */
export const NEWEST_PACKAGE = '@cdktn/provider-aws';
/**
 * The schema of the minimum provider version in versions.tf, installed under an npm alias
 * (package.json: "@cdktn/provider-aws-minimum": "npm:@cdktn/provider-aws@23.7.0", hashicorp/aws 6.40.0).
 * infra/README.md, "Provider versions", says why that version.
 */
export const MINIMUM_PACKAGE = '@cdktn/provider-aws-minimum';
const CACHE_FORMAT = 2;

/**
 * The cache file. Blocks are stored in a table and referenced by index because some provider schemas
 * are recursive (wafv2 rule statements nest statements).
 */
interface SerializedSchema {
  readonly providerVersion: string;
  readonly packageVersion: string;
  /** Each block: argument name -> [required, block, nested block index or -1]. */
  readonly blocks: readonly Record<string, readonly [boolean, boolean, number]>[];
  readonly resources: Readonly<Record<string, number>>;
  readonly dataSources: Readonly<Record<string, number>>;
}

interface JsiiTypeRef {
  readonly primitive?: string;
  readonly fqn?: string;
  readonly collection?: { readonly kind: string; readonly elementtype: JsiiTypeRef };
  readonly union?: { readonly types: readonly JsiiTypeRef[] };
}

interface JsiiProperty {
  readonly name: string;
  readonly optional?: boolean;
  readonly static?: boolean;
  readonly docs?: { readonly summary?: string; readonly remarks?: string };
  readonly type: JsiiTypeRef;
}

interface JsiiType {
  readonly kind: string;
  readonly datatype?: boolean;
  readonly docs?: { readonly summary?: string };
  readonly properties?: readonly JsiiProperty[];
  readonly initializer?: {
    readonly parameters?: readonly { readonly name: string; readonly type: JsiiTypeRef }[];
  };
}

interface JsiiManifest {
  readonly version: string;
  readonly types: Readonly<Record<string, JsiiType>>;
}

const REPRESENTS =
  /Represents a \{@link https:\/\/registry\.terraform\.io\/providers\/hashicorp\/aws\/([\d.]+)\/docs\/(resources|data-sources)\/\w+ (\w+)\}/;
const ANCHOR = /#(\w+) \w+#\w+\}/;

function camelToSnake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** Terraform's own argument name: the anchor of the registry link in the generated docs. */
function terraformName(property: JsiiProperty): string {
  const text = `${property.docs?.summary ?? ''} ${property.docs?.remarks ?? ''}`;
  return ANCHOR.exec(text)?.[1] ?? camelToSnake(property.name);
}

function structFqns(ref: JsiiTypeRef, types: JsiiManifest['types']): string[] {
  if (ref.fqn !== undefined) {
    const t = types[ref.fqn];
    return t !== undefined && t.kind === 'interface' && t.datatype === true ? [ref.fqn] : [];
  }
  if (ref.collection !== undefined) return structFqns(ref.collection.elementtype, types);
  if (ref.union !== undefined) return ref.union.types.flatMap((u) => structFqns(u, types));
  return [];
}

/** Builds the compact, serialisable schema from a parsed jsii manifest. */
function extractSchema(manifest: JsiiManifest): SerializedSchema {
  const types = manifest.types;
  const memo = new Map<string, number>();
  const blocks: Record<string, readonly [boolean, boolean, number]>[] = [];

  const blockOf = (fqn: string): number => {
    const cached = memo.get(fqn);
    if (cached !== undefined) return cached;
    const args: Record<string, readonly [boolean, boolean, number]> = {};
    const index = blocks.push(args) - 1;
    memo.set(fqn, index);
    for (const property of types[fqn]?.properties ?? []) {
      if (property.static === true) continue;
      const summary = property.docs?.summary ?? '';
      const nestedFqn = structFqns(property.type, types)[0];
      args[terraformName(property)] = [
        property.optional !== true,
        /\bblock\.$/.test(summary),
        nestedFqn === undefined ? -1 : blockOf(nestedFqn),
      ];
    }
    return index;
  };

  const resources: Record<string, number> = {};
  const dataSources: Record<string, number> = {};
  let providerVersion = 'unknown';
  for (const type of Object.values(types)) {
    if (type.kind !== 'class') continue;
    const match = REPRESENTS.exec(type.docs?.summary ?? '');
    if (match === null) continue;
    const [, version, kind, tfType] = match;
    const configFqn = type.initializer?.parameters?.find((p) => p.name === 'config')?.type.fqn;
    if (version === undefined || tfType === undefined || configFqn === undefined) continue;
    providerVersion = version;
    (kind === 'resources' ? resources : dataSources)[tfType] = blockOf(configFqn);
  }
  return { providerVersion, packageVersion: manifest.version, blocks, resources, dataSources };
}

/** Turns the block table back into an object graph (cycles allowed). */
function hydrate(serialized: SerializedSchema): ProviderSchema {
  const blocks: { arguments: Record<string, ArgumentSchema> }[] = serialized.blocks.map(() => ({
    arguments: {},
  }));
  serialized.blocks.forEach((args, index) => {
    const target = blocks[index]!.arguments;
    for (const [name, [required, block, nested]] of Object.entries(args)) {
      const nestedBlock = nested >= 0 ? blocks[nested] : undefined;
      target[name] = { required, block, ...(nestedBlock === undefined ? {} : { nested: nestedBlock }) };
    }
  });
  const pick = (table: Readonly<Record<string, number>>): Record<string, BlockSchema> =>
    Object.fromEntries(Object.entries(table).map(([name, index]) => [name, blocks[index]!]));
  return {
    providerVersion: serialized.providerVersion,
    packageVersion: serialized.packageVersion,
    resources: pick(serialized.resources),
    dataSources: pick(serialized.dataSources),
  };
}

function packageDir(name: string): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve(`${name}/package.json`));
}

/** Loads the schema from the cache, building the cache from the jsii manifest when missing. */
export function loadProviderSchema(
  options: { cacheDir?: string; packageName?: string } = {},
): ProviderSchema {
  const dir = packageDir(options.packageName ?? NEWEST_PACKAGE);
  const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string };
  const cacheDir =
    options.cacheDir ?? join(import.meta.dirname, '..', 'node_modules', '.cache', 'validate-infra');
  const cacheFile = join(cacheDir, `aws-schema-${version}-v${CACHE_FORMAT}.json`);
  if (existsSync(cacheFile)) return hydrate(JSON.parse(readFileSync(cacheFile, 'utf8')) as SerializedSchema);
  const manifest = JSON.parse(readFileSync(join(dir, '.jsii'), 'utf8')) as JsiiManifest;
  const serialized = extractSchema(manifest);
  mkdirSync(cacheDir, { recursive: true });
  // Written to a temporary name and renamed so that concurrent runs never read half a file.
  const tmp = `${cacheFile}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(serialized));
  renameSync(tmp, cacheFile);
  return hydrate(serialized);
}
