import { UsageError } from './errors.js';

export interface FlagSpec {
  readonly type: 'string' | 'number' | 'boolean';
  readonly short?: string;
}

export interface ParsedArgs {
  readonly flags: Record<string, string | number | boolean | undefined>;
  readonly positionals: string[];
}

/**
 * A small `--flag value` / `--flag=value` / `--bool` parser: unknown flags and bad numbers are
 * usage errors that name the flag, so a typo never silently falls back to a default.
 */
export function parseArgs(args: readonly string[], spec: Readonly<Record<string, FlagSpec>>): ParsedArgs {
  const flags: Record<string, string | number | boolean | undefined> = {};
  const positionals: string[] = [];
  const byShort = new Map(
    Object.entries(spec).flatMap(([name, s]) => (s.short === undefined ? [] : [[s.short, name] as const])),
  );
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    let name: string | undefined;
    let inline: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      inline = eq < 0 ? undefined : arg.slice(eq + 1);
    } else if (/^-[a-zA-Z]$/.test(arg)) {
      name = byShort.get(arg.slice(1));
      if (name === undefined) throw new UsageError(`unknown option ${arg}`);
    } else {
      positionals.push(arg);
      continue;
    }
    const s = spec[name];
    if (s === undefined) throw new UsageError(`unknown option --${name}`);
    if (s.type === 'boolean') {
      flags[name] = inline === undefined ? true : inline !== 'false';
      continue;
    }
    const value = inline ?? args[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    if (s.type === 'number') {
      const n = Number(value);
      if (!Number.isFinite(n))
        throw new UsageError(`--${name} must be a number, got ${JSON.stringify(value)}`);
      flags[name] = n;
    } else flags[name] = value;
  }
  return { flags, positionals };
}

/** Seconds given on the command line -> milliseconds, with a lower bound. */
export function secondsFlag(
  value: string | number | boolean | undefined,
  fallbackMs: number,
  name: string,
  minMs = 0,
): number {
  if (value === undefined) return fallbackMs;
  if (typeof value !== 'number') throw new UsageError(`--${name} must be a number of seconds`);
  const ms = Math.round(value * 1000);
  if (ms < minMs) throw new UsageError(`--${name} must be at least ${minMs / 1000} s`);
  return ms;
}
