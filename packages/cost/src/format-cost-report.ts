import type { CostReport, DesignCost, TableCost } from './cost-types.js';
import { formatBytes, formatCount, formatSeconds, formatUsd } from './format-units.js';

function pad(text: string, width: number, right = false): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

function total(d: DesignCost): string {
  return `${d.lowerBound ? '>= ' : ''}${formatUsd(d.monthlyUsd)}`;
}

function summary(t: TableCost): string[] {
  const p = t.profile;
  const out = [
    `## ${p.name}: ${formatCount(p.items)} items x ${formatBytes(p.itemBytes)} (${formatBytes(t.derived.tableBytes)}), ` +
      `${formatCount(p.writesPerSec)} writes/s (${Math.round(p.updateFraction * 100)}% updates), freshness target ${formatSeconds(p.freshnessSec)}`,
    '',
    `| design | built by | USD/month | worst-case lag | meets target |`,
    `|---|---|---:|---:|:---:|`,
  ];
  for (const d of t.designs) {
    const meets = !d.feasible ? 'infeasible' : d.meetsFreshness ? 'yes' : 'no';
    out.push(
      `| ${d.title} | ${d.module} | ${total(d)} | ${formatSeconds(d.achievedFreshnessSec)} | ${meets} |`,
    );
  }
  return out;
}

function details(t: TableCost): string[] {
  const out: string[] = [];
  for (const d of t.designs) {
    out.push('', `### ${t.profile.name}: ${d.title}: ${total(d)} USD/month`, '');
    const width = Math.max(...d.lines.map((l) => l.component.length));
    for (const l of d.lines) {
      const price =
        l.unitPrice === null ? 'unknown' : `${l.unitPrice}${l.per === 1 ? '' : ` per ${formatCount(l.per)}`}`;
      const usd = l.usd === null ? 'not priced' : formatUsd(l.usd);
      out.push(
        `    ${pad(l.component, width)}  ${pad(formatCount(l.quantity), 9, true)} ${pad(l.unit, 19)} x ${pad(price, 20)} = ${pad(usd, 10, true)}   ${l.note}`,
      );
    }
    for (const n of d.notes) out.push(`    note: ${n}`);
  }
  return out;
}

/** The text form of the report: summary tables first, then every line item, assumptions and prices. */
export function formatCostReport(report: CostReport): string {
  const out = [
    `# ddb-athena-sync cost: scenario ${report.scenario}`,
    '',
    `Prices: ${report.prices.region}, ${report.prices.currency}, read ${report.prices.readOn} (${report.prices.file}); ` +
      `month = ${report.prices.monthHours} h; free tiers not applied; the source DynamoDB table's own reads, writes and storage are the same in every design and left out.`,
    '',
  ];
  for (const t of report.tables) out.push(...summary(t), '');
  if (report.articleFirehose !== null) {
    out.push("## The article's Firehose figure (33.46 USD/month for 20 GB a day)", '');
    for (const e of report.articleFirehose.explanation) out.push(`- ${e}`);
    out.push('');
  }
  if (report.checks.length > 0) {
    out.push('## How the numbers were checked', '');
    for (const c of report.checks) out.push(`- ${c}`);
    out.push('');
  }
  out.push('## Line items');
  for (const t of report.tables) out.push(...details(t));
  out.push('', '## Assumptions (packages/cost/src/assumptions.ts)', '');
  for (const [k, v] of Object.entries(report.assumptions)) out.push(`    ${k} = ${v}`);
  out.push(
    '',
    `Prices used that were not read on an AWS page (see packages/cost/data/prices.json for status and source): ${report.prices.notConfirmedOnAwsPage.join(', ')}`,
    '',
  );
  return out.join('\n');
}
