// What a table module's alarms watch and what its functions are told, read from the parsed .tf files
// (hcl2json's JSON shape), the alarms through the module's call of _internal/alarms. The metric/alarm
// contract test runs the handlers with the functions' environment and checks that they publish exactly
// what the alarms ask for.
//
// Only the few expression forms the modules use are evaluated: literals, `var.` / `local.` paths,
// object literals `{ k = <expr>, ... }`, `tomap({...})` and `merge(a, b, ...)` of those. Anything else (a resource attribute such as a function name, known only
// after apply) is left unresolved, and a caller that needs it says so.
import { resolve } from 'node:path';

import { blockInstances, isBody, labelled1, labelled2, loadModule } from './hcl.js';
import type { HclBody, HclValue, TfModule } from './hcl.js';

/** A value the evaluator could not compute offline (a resource attribute, a function call). */
export const UNRESOLVED: unique symbol = Symbol('unresolved');
export type Resolved = string | number | boolean | null | typeof UNRESOLVED | Resolved[] | ResolvedMap;
export interface ResolvedMap {
  readonly [key: string]: Resolved;
}

export interface Bindings {
  /** Values of `var.` references, e.g. { table: { name: 'books' } }. */
  readonly vars: Readonly<Record<string, unknown>>;
  /** Outputs of `module.` references, e.g. { declaration: { environment: {...} } }. */
  readonly modules?: Readonly<Record<string, unknown>>;
}

export interface AlarmSpec {
  /** Key of the alarm in the map given to _internal/alarms (its for_each key). */
  readonly key: string;
  /** The alarm name after the module's name prefix. */
  readonly name: Resolved;
  readonly namespace: string;
  readonly metricName: string;
  /** Dimension name -> value; a value may be UNRESOLVED (for AWS/* metrics: a resource's name). */
  readonly dimensions: Readonly<Record<string, string | typeof UNRESOLVED>>;
  // The rest as CloudWatch gets them, defaults applied; UNRESOLVED where a variable is not bound.
  readonly statistic: Resolved;
  readonly period: Resolved;
  readonly evaluationPeriods: Resolved;
  readonly datapointsToAlarm: Resolved;
  readonly threshold: Resolved;
  readonly comparisonOperator: Resolved;
  readonly treatMissingData: Resolved;
}

export interface FunctionSpec {
  /** `aws_lambda_function.<name>` or `module.<name>` (a call of the internal lambda-function module). */
  readonly address: string;
  readonly environment: Readonly<Record<string, string | typeof UNRESOLVED>>;
}

function moduleLocals(module: TfModule): HclBody {
  const out: Record<string, HclValue> = {};
  for (const file of module.files)
    for (const locals of blockInstances(file.body.locals)) Object.assign(out, locals);
  return out;
}

function lookupPath(root: unknown, path: readonly string[]): unknown {
  let value = root;
  for (const key of path) {
    if (typeof value !== 'object' || value === null || !(key in value)) return UNRESOLVED;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** Splits `a = x, b = y` at top-level commas (no commas inside brackets or quotes). */
function splitPairs(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (c === '"' && text[i - 1] !== '\\') quoted = !quoted;
    if (quoted) continue;
    if (c === '(' || c === '{' || c === '[') depth += 1;
    else if (c === ')' || c === '}' || c === ']') depth -= 1;
    else if ((c === ',' || c === '\n') && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

const PATH = /^(var|local|module)((?:\.[A-Za-z_][\w-]*)+)$/;
const TOMAP = /^tomap\(\s*\{([\s\S]*)\}\s*\)$/;
const OBJECT = /^\{([\s\S]*)\}$/;
const MERGE = /^merge\(([\s\S]*)\)$/;
const QUOTED = /^"((?:[^"\\]|\\.)*)"$/;

/** Evaluates one hcl2json value in a module, with the given variable bindings. */
export function evaluate(value: HclValue | undefined, module: TfModule, bindings: Bindings): Resolved {
  const locals = moduleLocals(module);
  const inner = (expr: string, depth: number): Resolved => {
    if (depth > 20) return UNRESOLVED;
    const text = expr.trim();
    const quoted = QUOTED.exec(text);
    if (quoted !== null) return JSON.parse(text) as string;
    const path = PATH.exec(text);
    if (path !== null) {
      const [, head, rest] = path;
      const keys = rest!.slice(1).split('.');
      if (head === 'var' || head === 'module') {
        const v = lookupPath(head === 'var' ? bindings.vars : (bindings.modules ?? {}), keys);
        return v === UNRESOLVED ? UNRESOLVED : (v as Resolved);
      }
      const local = lookupPath(locals, keys.slice(0, 1));
      if (local === UNRESOLVED) return UNRESOLVED;
      return walk(local as HclValue, keys.slice(1), depth + 1);
    }
    const object = TOMAP.exec(text) ?? OBJECT.exec(text);
    if (object !== null) {
      const out: Record<string, Resolved> = {};
      for (const pair of splitPairs(object[1]!)) {
        const eq = pair.indexOf('=');
        if (eq < 0) return UNRESOLVED;
        out[pair.slice(0, eq).trim().replace(/^"|"$/g, '')] = inner(pair.slice(eq + 1), depth + 1);
      }
      return out;
    }
    const merged = MERGE.exec(text);
    if (merged !== null) {
      const out: Record<string, Resolved> = {};
      for (const arg of splitPairs(merged[1]!)) {
        const part = inner(arg, depth + 1);
        if (typeof part !== 'object' || part === null || Array.isArray(part)) return UNRESOLVED;
        Object.assign(out, part);
      }
      return out;
    }
    return UNRESOLVED;
  };
  const walk = (v: HclValue, rest: readonly string[], depth: number): Resolved => {
    const resolved = one(v, depth);
    if (rest.length === 0) return resolved;
    const next = lookupPath(resolved, rest.slice(0, 1));
    if (next === UNRESOLVED) return UNRESOLVED;
    return rest.length === 1 ? (next as Resolved) : walk(next as HclValue, rest.slice(1), depth + 1);
  };
  const one = (v: HclValue | undefined, depth: number): Resolved => {
    if (v === undefined) return UNRESOLVED;
    if (typeof v === 'string') {
      const whole = /^\$\{([\s\S]*)\}$/.exec(v);
      if (whole !== null && !whole[1]!.includes('${')) return inner(whole[1]!, depth);
      if (!v.includes('${')) return v;
      // A template: every interpolation must resolve to a string.
      let failed = false;
      const text = v.replace(/\$\{([^}]*)\}/g, (_, e: string) => {
        const r = inner(e, depth);
        if (typeof r === 'string' || typeof r === 'number') return String(r);
        failed = true;
        return '';
      });
      return failed ? UNRESOLVED : text;
    }
    if (Array.isArray(v)) return v.map((x) => one(x, depth + 1));
    if (isBody(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, one(x, depth + 1)]));
    return v;
  };
  return one(value, 0);
}

function stringMap(value: Resolved): Record<string, string | typeof UNRESOLVED> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, typeof v === 'string' ? v : UNRESOLVED] as const),
  );
}

/** The `optional(type, default)` attributes of an object type expression, with their defaults. */
export function optionalDefaults(type: string): Record<string, Resolved> {
  const out: Record<string, Resolved> = {};
  const OPTIONAL =
    /([A-Za-z_]\w*)\s*=\s*optional\(\s*[a-z]+\s*(?:,\s*("(?:[^"\\]|\\.)*"|-?[\d.]+|true|false|null)\s*)?\)/g;
  for (const [, name, literal] of type.matchAll(OPTIONAL))
    out[name!] = literal === undefined ? null : (JSON.parse(literal) as Resolved);
  return out;
}

const ALARMS_SOURCE = /(^|\/)_internal\/alarms$/;

/**
 * Every alarm of a table module as CloudWatch gets it: the `alarms` argument of the module's call of
 * _internal/alarms (which makes one aws_cloudwatch_metric_alarm per entry), with the defaults of that
 * module's `alarms` variable filled in where an entry leaves an attribute out, as Terraform does for
 * `optional(type, default)` attributes.
 */
export async function moduleAlarms(module: TfModule, bindings: Bindings): Promise<AlarmSpec[]> {
  const calls = module.files.flatMap((f) =>
    labelled1(f.body.module).filter(([, b]) => typeof b.source === 'string' && ALARMS_SOURCE.test(b.source)),
  );
  if (calls.length !== 1)
    throw new Error(`${module.dir}: expected one call of _internal/alarms, found ${calls.length}`);
  const [name, call] = calls[0]!;
  const callee = await loadModule(module.absDir, resolve(module.absDir, call.source as string));
  const variable = callee.files.flatMap((f) => labelled1(f.body.variable)).find(([n]) => n === 'alarms')?.[1];
  if (typeof variable?.type !== 'string') throw new Error(`${callee.dir}: no typed variable "alarms"`);
  const defaults = optionalDefaults(variable.type);
  const alarms = evaluate(call.alarms, module, bindings);
  if (typeof alarms !== 'object' || alarms === null || Array.isArray(alarms))
    throw new Error(`${module.dir}: module.${name}.alarms does not resolve to a map`);
  return Object.entries(alarms).map(([key, entry]) => {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
      throw new Error(`${module.dir}: alarm ${key} is not an object`);
    // An optional attribute without a default is null, not unknown (datapoints_to_alarm).
    const attribute = (attr: string): Resolved => {
      if (attr in entry) return entry[attr]!;
      return attr in defaults ? defaults[attr]! : UNRESOLVED;
    };
    const namespace = attribute('namespace');
    const metricName = attribute('metric_name');
    if (typeof namespace !== 'string' || typeof metricName !== 'string')
      throw new Error(`${module.dir}: alarm ${key}: namespace and metric_name must be resolvable`);
    return {
      key,
      name: attribute('name'),
      namespace,
      metricName,
      dimensions: stringMap(attribute('dimensions')),
      statistic: attribute('statistic'),
      period: attribute('period'),
      evaluationPeriods: attribute('evaluation_periods'),
      datapointsToAlarm: attribute('datapoints_to_alarm'),
      threshold: attribute('threshold'),
      comparisonOperator: attribute('comparison_operator'),
      treatMissingData: attribute('treat_missing_data'),
    };
  });
}

/**
 * Every Lambda function of the module with its environment: `aws_lambda_function` resources
 * (environment { variables = {...} }) and calls of the internal lambda-function module
 * (environment = {...}).
 */
export function moduleFunctions(module: TfModule, bindings: Bindings): FunctionSpec[] {
  const out: FunctionSpec[] = [];
  for (const file of module.files) {
    for (const [type, name, body] of labelled2(file.body.resource)) {
      if (type !== 'aws_lambda_function') continue;
      const variables = blockInstances(body.environment)[0]?.variables;
      out.push({
        address: `aws_lambda_function.${name}`,
        environment: stringMap(evaluate(variables, module, bindings)),
      });
    }
    for (const [name, body] of labelled1(file.body.module)) {
      if (typeof body.source !== 'string' || !body.source.endsWith('/lambda-function')) continue;
      out.push({
        address: `module.${name}`,
        environment: stringMap(evaluate(body.environment, module, bindings)),
      });
    }
  }
  return out;
}
