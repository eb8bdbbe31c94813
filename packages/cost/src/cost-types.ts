/**
 * The shapes of the cost model: its inputs (a table profile), its outputs (line items per design, per
 * table) and the machine-readable report that `ddb-athena-sync cost --json` prints. Every field of
 * `CostReport` is documented here; the JSON is exactly this type.
 */

/** One DynamoDB table as the cost model sees it. */
export interface TableProfile {
  /** Table name, for display. */
  name: string;
  /** Items in the table. */
  items: number;
  /** Average DynamoDB item size in bytes (what DynamoDB bills by). */
  itemBytes: number;
  /** Average item writes (insert, update or delete) per second. */
  writesPerSec: number;
  /** How stale the Athena copy may be, in seconds (worst case, not average). */
  freshnessSec: number;
  /** Share of writes that change an existing item (0..1). Such changes carry both images on Kinesis. */
  updateFraction: number;
}

/** The ways of doing the job that the model prices. */
/** The ways of doing the job that this project builds (and the model prices): nothing else. */
export type DesignId = 'merge' | 'firehose' | 'append';

/** One priced quantity: `usd = quantity / per * unitPrice`. */
export interface LineItem {
  /** What is paid for, e.g. "Athena MERGE (bytes billed)". */
  component: string;
  /** How much of it in a month, in `unit`. */
  quantity: number;
  /** Unit of `quantity`, e.g. "requests", "GB", "GB-s", "TB". */
  unit: string;
  /** Key of the price in packages/cost/data/prices.json, or null for a line that is free by construction. */
  priceKey: string | null;
  /** The price as read from the price file (null: unknown, see `usd`). */
  unitPrice: number | null;
  /** `quantity` is divided by this before multiplying by `unitPrice` (1e6 for "per million"). */
  per: number;
  /** Monthly USD; null when the price is unknown (the design total is then a lower bound). */
  usd: number | null;
  /** How the quantity was derived. */
  note: string;
}

export interface DesignCost {
  design: DesignId;
  /** Human title, e.g. "merge mode (this project)". */
  title: string;
  /** The Terraform module (and setting) that builds this design, e.g. "infra/modules/merge-table". */
  module: string;
  /** Sum of the priced lines, USD per month. */
  monthlyUsd: number;
  /** True when at least one line is not priced: the true cost is higher than `monthlyUsd`. */
  lowerBound: boolean;
  /** Worst-case delay from a DynamoDB write to Athena seeing it, in seconds, for this design. */
  achievedFreshnessSec: number;
  /** `achievedFreshnessSec <= profile.freshnessSec`. */
  meetsFreshness: boolean;
  /** False when the design cannot run at all at this size (e.g. a scan longer than Lambda's 15 minutes). */
  feasible: boolean;
  /** Caveats: what the design does not do, what breaks, which prices are unconfirmed. */
  notes: string[];
  lines: LineItem[];
}

/** Quantities derived once per table and shared by the designs. */
export interface DerivedProfile {
  /** Seconds in the billing month (price file `month.hours` x 3600). */
  secondsPerMonth: number;
  writesPerMonth: number;
  /** items x itemBytes. */
  tableBytes: number;
  /** DynamoDB stream shards assumed: one per 10 GB partition or per 1,000 WCU of writes, at least one. */
  streamShards: number;
}

export interface TableCost {
  profile: TableProfile;
  derived: DerivedProfile;
  /** In the order merge, firehose, append. */
  designs: DesignCost[];
}

/** One way of computing the article's Firehose figure. */
export interface FirehoseFigureCandidate {
  /** Price file key of the per-GB rate, or "implied" for the rate that would make the figure exact. */
  rateKey: string;
  usdPerGb: number;
  /** Days in the month used. */
  days: number;
  /** Label of the month convention, e.g. "730-hour month (30.4167 days)". */
  month: string;
  /** 20 GB/day x days x usdPerGb. */
  usd: number;
  /** usd rounded to cents equals the article's figure. */
  matches: boolean;
}

/** How the model relates to "To ingest 20GB of data a day it costs monthly 33.46 USD". */
export interface ArticleFirehoseCheck {
  articleUsd: number;
  gbPerDay: number;
  candidates: FirehoseFigureCandidate[];
  /** The rate per GB that reproduces the figure exactly with the 730-hour month. */
  impliedUsdPerGb: number;
  /** The Firehose ingestion line of this model for the seed's orders table (with 5 KB record rounding). */
  modelFirehoseUsd: number;
  /** The same line without record rounding. */
  modelFirehoseUnroundedUsd: number;
  /** Plain-language account of what matches and where the model differs. */
  explanation: string[];
}

/** What `ddb-athena-sync cost --json` prints. */
export interface CostReport {
  /** Version of this shape. */
  schema: 'ddb-athena-sync/cost@1';
  /** Scenario name ("seed", or "custom" for a profile given by flags). */
  scenario: string;
  prices: {
    /** Path of the price file used. */
    file: string;
    region: string;
    currency: string;
    /** Date the prices were read. */
    readOn: string;
    monthHours: number;
    /** Keys of prices whose status is not "aws-page" and that some line used. */
    notConfirmedOnAwsPage: string[];
  };
  /** Every modelling assumption with its value (see assumptions.ts). */
  assumptions: Record<string, number>;
  tables: TableCost[];
  /** Present for the seed scenario. */
  articleFirehose: ArticleFirehoseCheck | null;
  /** How the figures were checked (the model's own capacity checks, measurements, tests), per table. */
  checks: string[];
}
