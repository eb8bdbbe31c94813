// The alarms of merge-table and firehose-table are made by _internal/alarms, and each entry leaves out
// what the module's `alarms` variable defaults (`optional(type, default)`). The other tests read the
// alarms through moduleAlarms, which fills those defaults in itself: here Terraform itself converts the
// same entries to the variable's type, and the two must agree on every attribute CloudWatch gets.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { loadModule } from '../src/hcl.js';
import { UNRESOLVED, evaluate, moduleAlarms } from '../src/terraform-alarms.js';
import type { AlarmSpec, Bindings, Resolved } from '../src/terraform-alarms.js';

const infraRoot = join(import.meta.dirname, '..');
const alarmsModule = join(infraRoot, 'modules', '_internal', 'alarms');
const AFTER_APPLY = 'known-after-apply';

/** UNRESOLVED (a resource attribute) as a placeholder string, so Terraform can take the value. */
function placeholders(value: Resolved): unknown {
  if (value === UNRESOLVED) return AFTER_APPLY;
  if (Array.isArray(value)) return value.map(placeholders);
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, placeholders(v)]));
  return value;
}

/** What the aws_cloudwatch_metric_alarm of an entry gets, in the variable's attribute names. */
function asAttributes(alarm: AlarmSpec): Record<string, unknown> {
  return {
    name: alarm.name,
    namespace: alarm.namespace,
    metric_name: alarm.metricName,
    dimensions: placeholders(alarm.dimensions),
    statistic: alarm.statistic,
    period: alarm.period,
    evaluation_periods: alarm.evaluationPeriods,
    datapoints_to_alarm: alarm.datapointsToAlarm,
    threshold: alarm.threshold,
    comparison_operator: alarm.comparisonOperator,
    treat_missing_data: alarm.treatMissingData,
  };
}

/** var.alarms as Terraform converts it: the module's variables.tf alone, given these entries. */
function terraformConverts(entries: unknown): Record<string, Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'alarms-variable-'));
  copyFileSync(join(alarmsModule, 'variables.tf'), join(dir, 'variables.tf'));
  writeFileSync(
    join(dir, 'terraform.tfvars.json'),
    JSON.stringify({ name_prefix: 'library-books', alarm_actions: [], alarms: entries }),
  );
  const printed = execFileSync('terraform', ['console'], {
    cwd: dir,
    input: 'jsonencode(var.alarms)',
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
  }).trim();
  // The console prints the string as an HCL literal: JSON-compatible escapes for this content.
  return JSON.parse(JSON.parse(printed) as string) as Record<string, Record<string, unknown>>;
}

const cases: [string, Bindings][] = [
  [
    'merge-table',
    {
      vars: {
        table: { name: 'books' },
        alarm_thresholds: {
          freshness_lag_ms: 300000,
          iterator_age_ms: 300000,
          oldest_staged_object_ms: 900000,
          maintenance_missing_hours: 6,
          backfill_guard_held_hours: 6,
        },
      },
    },
  ],
  [
    'firehose-table',
    { vars: { table: { name: 'orders' }, alarm_thresholds: { millis_behind_latest: 60000 } } },
  ],
];

describe('_internal/alarms', () => {
  it.each(cases)(
    '%s: the defaults moduleAlarms fills in are the ones Terraform applies',
    async (name, bindings) => {
      // Arrange: the module's alarm entries, as written (defaults left out).
      const module = await loadModule(infraRoot, join(infraRoot, 'modules', name));
      const entries = placeholders(evaluate('${local.alarms}', module, bindings));

      // Act
      const read = Object.fromEntries(
        (await moduleAlarms(module, bindings)).map((a) => [a.key, asAttributes(a)]),
      );
      // The description is text for people; everything else decides when the alarm fires.
      const converted = Object.fromEntries(
        Object.entries(terraformConverts(entries)).map(([key, { description: _, ...rest }]) => [key, rest]),
      );

      // Assert: the same alarms, attribute for attribute; the defaults did fill some in.
      expect(read).toEqual(converted);
      expect(Object.values(converted).some((a) => a.namespace === 'DdbAthenaSync')).toBe(true);
      expect(Object.values(converted).some((a) => a.treat_missing_data === 'notBreaching')).toBe(true);
    },
  );
});
