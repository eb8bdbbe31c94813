import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

import { PriceFileError } from './errors.js';

/** Every key the model reads. The price file must define each one (value may be null: unknown). */
export const PRICE_KEYS = [
  'athena.usdPerTbScanned',
  'athena.minBytesPerQuery',
  'dynamodb.usdPerMillionWriteRequestUnits',
  'dynamodb.usdPerMillionReadRequestUnits',
  'dynamodb.usdPerMillionStreamsReadsByLambda',
  'dynamodb.usdPerMillionChangeDataCaptureUnits',
  'dynamodb.usdPerGbFullExport',
  'dynamodb.usdPerGbIncrementalExport',
  'dynamodb.usdPerGbMonthPitr',
  'kinesis.onDemandUsdPerStreamHour',
  'kinesis.onDemandUsdPerGbIngested',
  'kinesis.onDemandUsdPerGbRetrieved',
  'kinesis.recordRoundingBytes',
  'kinesis.provisionedUsdPerShardHour',
  'kinesis.provisionedUsdPerMillionPutPayloadUnits',
  'firehose.icebergFromKinesisUsdPerGb',
  'firehose.icebergDirectPutUsdPerGb',
  'firehose.s3IngestUsdPerGb',
  'firehose.recordRoundingBytes',
  'lambda.usdPerMillionRequests',
  'lambda.arm64UsdPerGbSecond',
  's3.usdPer1000PutListRequests',
  's3.usdPer1000GetRequests',
  's3.standardUsdPerGbMonth',
  'scheduler.usdPerMillionInvocations',
  'glue.zeroEtlUsdPerGbIngested',
] as const;

export type PriceKey = (typeof PRICE_KEYS)[number];

export type PriceStatus = 'aws-page' | 'project-notes' | 'secondary' | 'unconfirmed';

export interface PriceEntry {
  value: number | null;
  unit: string;
  status: PriceStatus;
  source: { title: string; url: string }[];
  readOn: string;
  note?: string;
}

export interface PriceBook {
  /** Where the book was read from (for the report). */
  file: string;
  region: string;
  currency: string;
  readOn: string;
  monthHours: number;
  units: { bytesPerKb: number; bytesPerMb: number; bytesPerGb: number; bytesPerTb: number };
  prices: Record<PriceKey, PriceEntry>;
}

/** The price file shipped with the model: packages/cost/data/prices.json. */
export const DEFAULT_PRICE_FILE = fileURLToPath(new URL('../data/prices.json', import.meta.url));

const STATUSES: readonly string[] = ['aws-page', 'project-notes', 'secondary', 'unconfirmed'];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks the parsed price file and returns it typed. Every problem is reported at once, so a bad edit
 * is fixed in one pass.
 */
export function parsePriceBook(file: string, json: unknown): PriceBook {
  const problems: string[] = [];
  if (!isRecord(json)) throw new PriceFileError(file, ['the file is not a JSON object']);
  const text = (key: string): string => {
    const v = json[key];
    if (typeof v !== 'string' || v === '') problems.push(`"${key}" must be a non-empty string`);
    return typeof v === 'string' ? v : '';
  };
  const region = text('region');
  const currency = text('currency');
  const readOn = text('readOn');
  const month = json.month;
  const monthHours =
    isRecord(month) && typeof month.hours === 'number' && month.hours > 0 ? month.hours : NaN;
  if (Number.isNaN(monthHours)) problems.push('"month.hours" must be a positive number');
  const unitsIn = isRecord(json.units) ? json.units : {};
  const unit = (key: string): number => {
    const v = unitsIn[key];
    if (typeof v !== 'number' || v <= 0) problems.push(`"units.${key}" must be a positive number`);
    return typeof v === 'number' ? v : NaN;
  };
  const units = {
    bytesPerKb: unit('bytesPerKb'),
    bytesPerMb: unit('bytesPerMb'),
    bytesPerGb: unit('bytesPerGb'),
    bytesPerTb: unit('bytesPerTb'),
  };
  const pricesIn = isRecord(json.prices) ? json.prices : {};
  if (!isRecord(json.prices)) problems.push('"prices" must be an object');
  const prices = {} as Record<PriceKey, PriceEntry>;
  for (const key of PRICE_KEYS) {
    const entry = pricesIn[key];
    if (!isRecord(entry)) {
      problems.push(`price "${key}" is missing`);
      continue;
    }
    const value = entry.value;
    if (!(value === null || (typeof value === 'number' && Number.isFinite(value) && value >= 0))) {
      problems.push(`price "${key}": value must be a non-negative number or null (unknown)`);
    }
    if (typeof entry.status !== 'string' || !STATUSES.includes(entry.status)) {
      problems.push(`price "${key}": status must be one of ${STATUSES.join(', ')}`);
    }
    if (typeof entry.readOn !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(entry.readOn)) {
      problems.push(`price "${key}": readOn must be a YYYY-MM-DD date`);
    }
    if (!Array.isArray(entry.source))
      problems.push(`price "${key}": source must be a list (empty when none was found)`);
    if (entry.status !== 'unconfirmed' && Array.isArray(entry.source) && entry.source.length === 0) {
      problems.push(`price "${key}": a price that is not "unconfirmed" needs a source`);
    }
    prices[key] = {
      value: typeof value === 'number' ? value : null,
      unit: typeof entry.unit === 'string' ? entry.unit : '',
      status: entry.status as PriceStatus,
      source: Array.isArray(entry.source) ? (entry.source as { title: string; url: string }[]) : [],
      readOn: typeof entry.readOn === 'string' ? entry.readOn : '',
      ...(typeof entry.note === 'string' ? { note: entry.note } : {}),
    };
  }
  for (const key of Object.keys(pricesIn)) {
    if (!(PRICE_KEYS as readonly string[]).includes(key))
      problems.push(`price "${key}" is not used by the model (typo?)`);
  }
  if (problems.length > 0) throw new PriceFileError(file, problems);
  return { file, region, currency, readOn, monthHours, units, prices };
}

/** Reads and checks a price file (the shipped one by default). */
export async function loadPriceBook(file: string = DEFAULT_PRICE_FILE): Promise<PriceBook> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new PriceFileError(file, ['cannot be read'], { cause });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new PriceFileError(file, ['is not valid JSON'], { cause });
  }
  return parsePriceBook(file, json);
}
