import { relative } from 'node:path';
import { parseArgs } from 'node:util';

import { DEFAULT_ASSUMPTIONS } from '@ddb-athena-sync/cost/assumptions';
import { costReport } from '@ddb-athena-sync/cost/cost-report';
import type { TableProfile } from '@ddb-athena-sync/cost/cost-types';
import { formatCostReport } from '@ddb-athena-sync/cost/format-cost-report';
import { DEFAULT_PRICE_FILE, loadPriceBook } from '@ddb-athena-sync/cost/price-book';
import { PriceFileError } from '@ddb-athena-sync/cost/errors';
import { SCENARIOS } from '@ddb-athena-sync/cost/scenarios';

const USAGE = `Usage: ddb-athena-sync cost [--scenario seed] [--json] [--prices <file>]
       ddb-athena-sync cost --items N --item-bytes N --writes-per-sec N --freshness-sec N
                            [--update-fraction F] [--name NAME] [--json] [--prices <file>]

Monthly cost of keeping a DynamoDB table queryable in Athena, per design this project builds (merge,
firehose and append modes, each with the Terraform module that builds it), with every line item,
assumption and how the figures were checked. Prices: ${DEFAULT_PRICE_FILE}.
Without profile flags the scenario is "seed" (the article's books and orders tables).
`;

const PROFILE_FLAGS = ['items', 'item-bytes', 'writes-per-sec', 'freshness-sec'] as const;

function positiveNumber(flag: string, raw: string, allowZero: boolean): number | string {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0 || (!allowZero && n === 0)) {
    return `--${flag} must be a ${allowZero ? 'non-negative' : 'positive'} number, got "${raw}"`;
  }
  return n;
}

/** `ddb-athena-sync cost`: prints the cost report (text, or JSON with --json). Returns the exit code. */
export async function run(
  args: string[],
  io: { stdout: (s: string) => void; stderr: (s: string) => void },
): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        scenario: { type: 'string' },
        items: { type: 'string' },
        'item-bytes': { type: 'string' },
        'writes-per-sec': { type: 'string' },
        'freshness-sec': { type: 'string' },
        'update-fraction': { type: 'string' },
        name: { type: 'string' },
        prices: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    io.stderr(`cost: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }

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
    if (problems.length > 0) {
      io.stderr(`cost: ${problems.join('; ')}\n\n${USAGE}`);
      return 2;
    }
    scenario = 'custom';
    profiles = [profile];
  } else {
    scenario = values.scenario ?? 'seed';
    const found = SCENARIOS[scenario];
    if (found === undefined) {
      io.stderr(`cost: unknown scenario "${scenario}" (known: ${Object.keys(SCENARIOS).join(', ')})\n`);
      return 2;
    }
    profiles = found;
  }

  let book;
  try {
    book = await loadPriceBook(values.prices ?? DEFAULT_PRICE_FILE);
  } catch (error) {
    if (error instanceof PriceFileError) {
      io.stderr(`cost: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
  // Show the price file relative to the working directory, so reports from a clone read the same.
  book = { ...book, file: relative(process.cwd(), book.file) || book.file };
  const report = costReport(scenario, profiles, book, DEFAULT_ASSUMPTIONS);
  io.stdout(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatCostReport(report));
  return 0;
}
