import { relative } from 'node:path';

import { Option } from '@commander-js/extra-typings';

import { DEFAULT_ASSUMPTIONS } from '@ddb-athena-sync/cost/assumptions';
import { costReport } from '@ddb-athena-sync/cost/cost-report';
import type { TableProfile } from '@ddb-athena-sync/cost/cost-types';
import { formatCostReport } from '@ddb-athena-sync/cost/format-cost-report';
import { DEFAULT_PRICE_FILE, loadPriceBook } from '@ddb-athena-sync/cost/price-book';
import { SCENARIOS } from '@ddb-athena-sync/cost/scenarios';

import { pathValue } from '../args.js';
import type { CliContext, Program } from '../cli.js';
import { UsageError } from '../errors.js';

const PROFILE_FLAGS = ['items', 'item-bytes', 'writes-per-sec', 'freshness-sec'] as const;

function positiveNumber(flag: string, raw: string, allowZero: boolean): number | string {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0 || (!allowZero && n === 0)) {
    return `--${flag} must be a ${allowZero ? 'non-negative' : 'positive'} number, got "${raw}"`;
  }
  return n;
}

interface CostFlags {
  scenario?: string;
  items?: string;
  itemBytes?: string;
  writesPerSec?: string;
  freshnessSec?: string;
  updateFraction?: string;
  name?: string;
  prices?: string;
  json?: true;
}

export function register(program: Program, context: CliContext): void {
  program
    .command('cost')
    .summary('estimate the AWS cost of a configuration')
    .description(
      `Monthly cost of keeping a DynamoDB table queryable in Athena, per design this project builds (merge,
firehose and append modes, each with the Terraform module that builds it), with every line item,
assumption and how the figures were checked. Prices: ${DEFAULT_PRICE_FILE}.
Without profile flags the scenario is "seed" (the article's books and orders tables); a custom
profile needs --items, --item-bytes, --writes-per-sec and --freshness-sec.`,
    )
    .addOption(new Option('--scenario <name>', `a built-in scenario: ${Object.keys(SCENARIOS).join(', ')}`))
    .addOption(new Option('--items <n>', 'custom profile: items in the table'))
    .addOption(new Option('--item-bytes <n>', 'custom profile: average item size'))
    .addOption(new Option('--writes-per-sec <n>', 'custom profile: writes per second'))
    .addOption(new Option('--freshness-sec <n>', 'custom profile: how fresh Athena must be'))
    .addOption(
      new Option('--update-fraction <f>', 'custom profile: share of writes that update (0..1, default 0.5)'),
    )
    .addOption(new Option('--name <name>', 'custom profile: its name'))
    .addOption(new Option('--prices <file>', 'price file').argParser(pathValue))
    .addOption(new Option('--json', 'the report as JSON'))
    .action(async (flags) => {
      context.exitCode = await cost(flags, context);
    });
}

/** `ddb-athena-sync cost`: prints the cost report (text, or JSON with --json). Returns the exit code. */
async function cost(flags: CostFlags, context: CliContext): Promise<number> {
  const { io } = context;
  const values = {
    ...flags,
    'item-bytes': flags.itemBytes,
    'writes-per-sec': flags.writesPerSec,
    'freshness-sec': flags.freshnessSec,
    'update-fraction': flags.updateFraction,
  };
  const given = PROFILE_FLAGS.filter((f) => values[f] !== undefined);
  let scenario: string;
  let profiles: TableProfile[];
  if (given.length > 0) {
    const problems: string[] = [];
    if (values.scenario !== undefined) problems.push('--scenario cannot be combined with profile flags');
    for (const f of PROFILE_FLAGS)
      if (values[f] === undefined) problems.push(`--${f} is required with a custom profile`);
    const num = (flag: string, raw: string | undefined, fallback: number, allowZero = false): number => {
      if (raw === undefined) return fallback;
      const parsed = positiveNumber(flag, raw, allowZero);
      if (typeof parsed === 'string') {
        problems.push(parsed);
        return fallback;
      }
      return parsed;
    };
    const profile: TableProfile = {
      name: values.name ?? 'custom',
      items: num('items', values.items, 1, true),
      itemBytes: num('item-bytes', values['item-bytes'], 1),
      writesPerSec: num('writes-per-sec', values['writes-per-sec'], 0, true),
      freshnessSec: num('freshness-sec', values['freshness-sec'], 1),
      updateFraction: num('update-fraction', values['update-fraction'], 0.5, true),
    };
    if (profile.updateFraction > 1) problems.push('--update-fraction must be between 0 and 1');
    if (problems.length > 0) throw new UsageError(problems.join('; '));
    scenario = 'custom';
    profiles = [profile];
  } else {
    scenario = values.scenario ?? 'seed';
    const found = SCENARIOS[scenario];
    if (found === undefined)
      throw new UsageError(`unknown scenario "${scenario}" (known: ${Object.keys(SCENARIOS).join(', ')})`);
    profiles = found;
  }

  // A PriceFileError says which price is missing or bad: cli.ts prints its message (exit code 1).
  let book = await loadPriceBook(
    values.prices === undefined ? DEFAULT_PRICE_FILE : context.path(values.prices),
  );
  // Show the price file relative to the working directory, so reports from a clone read the same.
  book = { ...book, file: relative(context.cwd, book.file) || book.file };
  const report = costReport(scenario, profiles, book, DEFAULT_ASSUMPTIONS);
  io.stdout(values.json === true ? `${JSON.stringify(report, null, 2)}\n` : formatCostReport(report));
  return 0;
}
