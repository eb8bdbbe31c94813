// Rules of the merge-table module that `terraform validate` cannot see, read from the parsed .tf files.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { SAFETY_MS } from '@ddb-athena-sync/merger/config';
import { describe, expect, it } from 'vitest';

import { blockInstances, labelled1, labelled2, loadModule } from '../src/hcl.js';
import type { HclBody, TfModule } from '../src/hcl.js';
import { moduleAlarms } from '../src/terraform-alarms.js';

const infraRoot = join(import.meta.dirname, '..');
const repoRoot = join(infraRoot, '..');

async function mergeTable(): Promise<TfModule> {
  return loadModule(infraRoot, join(infraRoot, 'modules', 'merge-table'));
}

function resourcesOf(module: TfModule, type: string): [string, HclBody][] {
  return module.files.flatMap((f) =>
    labelled2(f.body.resource)
      .filter(([t]) => t === type)
      .map(([, name, body]): [string, HclBody] => [name, body]),
  );
}

/** Lambda functions: resources and calls of the internal lambda-function module. */
function functionsOf(module: TfModule): [string, HclBody][] {
  const calls = module.files.flatMap((f) =>
    labelled1(f.body.module).filter(
      ([, body]) => typeof body.source === 'string' && body.source.endsWith('/lambda-function'),
    ),
  );
  return [...resourcesOf(module, 'aws_lambda_function'), ...calls];
}

describe('merge-table', () => {
  it('reserves no Lambda concurrency unless the caller asks for it', async () => {
    // Reserving concurrency needs 100 unreserved executions left in the account; new accounts with a
    // quota of 10 fail `apply` on `reserved_concurrent_executions = 1` (Lambda developer guide,
    // https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html). The lease already
    // serialises mergers, so the module must not reserve by default.
    // Arrange
    const module = await mergeTable();
    const variables = module.files.find((f) => f.path.endsWith('variables.tf'))!;
    const merger = labelled1(variables.body.variable).find(([name]) => name === 'merger')![1];

    // Act
    const reservations = functionsOf(module).map(([name, body]) => [
      name,
      body.reserved_concurrent_executions ?? null,
    ]);

    // Assert: no literal reservation anywhere; the merger's comes from an optional variable (null).
    expect(reservations.filter(([, value]) => typeof value === 'number')).toEqual([]);
    expect(reservations).toContainEqual(['merger', '${var.merger.reserved_concurrent_executions}']);
    expect(JSON.stringify(merger.type)).toMatch(/reserved_concurrent_executions\s*=\s*optional\(number\)/);
  });

  it('runs maintenance on its own function and alarms when no maintenance succeeded for hours', async () => {
    // Two Scheduler targets on one concurrency-1 function starve each other: a throttled async
    // invocation older than MaximumEventAgeInSeconds is dropped without error (Lambda developer guide,
    // https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html).
    // Arrange
    const module = await mergeTable();
    const schedules = Object.fromEntries(resourcesOf(module, 'aws_scheduler_schedule'));
    const target = (name: string): HclBody => blockInstances(schedules[name]?.target)[0]!;

    // Act
    const mergeArn = target('merge').arn;
    const maintainArn = target('maintain').arn;
    const alarms = await moduleAlarms(module, { vars: { table: { name: 'books' } } });
    const missing = alarms.find((a) => a.metricName === 'MaintenanceSucceeded');

    // Assert
    expect(mergeArn).not.toEqual(maintainArn);
    // No data point is no success (a `busy` run publishes none): missing data must breach.
    expect(missing).toMatchObject({
      comparisonOperator: 'LessThanThreshold',
      threshold: 1,
      treatMissingData: 'breaching',
      statistic: 'Sum',
    });
  });

  it('takes the key attribute types from the exported declaration, not from a pattern over column types', async () => {
    // DynamoDB key attributes are S, N or B (DynamoDB developer guide, "Core components",
    // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.CoreComponents.html).
    // Arrange
    const exported = JSON.parse(
      readFileSync(join(repoRoot, 'packages', 'schemas', 'export', 'tables.json'), 'utf8'),
    ) as { tables: Record<string, { dynamodb: { partition_key: string; attribute_types?: unknown } }> };
    const sources = (
      await Promise.all(
        ['merge-table', 'firehose-table'].map((m) => loadModule(infraRoot, join(infraRoot, 'modules', m))),
      )
    ).flatMap((m) => m.files.map((f) => f.text));

    // Act
    const types = Object.values(exported.tables).map((t) => t.dynamodb.attribute_types);

    // Assert
    expect(types).toEqual([{ id: 'S' }, { id: 'S' }]);
    expect(sources.filter((text) => /regex\("\^\(bigint\|int/.test(text))).toEqual([]);
  });

  it('accepts no merger timeout below what the merger needs to start a batch', async () => {
    // The merger refuses at cold start a MERGER_TIMEOUT_SECONDS below SAFETY_MS + MIN_BATCH_BUDGET_MS
    // (default 30 s); the variable must refuse it at plan time instead of shipping a function that
    // never merges.
    // Arrange
    const module = await mergeTable();
    const variables = module.files.find((f) => f.path.endsWith('variables.tf'))!;
    const merger = labelled1(variables.body.variable).find(([name]) => name === 'merger')![1];

    // Act
    const conditions = blockInstances(merger.validation).map((v) => JSON.stringify(v.condition));
    const minimum = conditions
      .map((c) => /var\.merger\.timeout >= (\d+)/.exec(c)?.[1])
      .find((m) => m !== undefined);

    // Assert
    expect(Number(minimum)).toBe((SAFETY_MS + 30_000) / 1000);
  });
  it('alarms on unreadable staged objects and on a backfill guard held for hours', async () => {
    // The merger publishes StagedObjectsQuarantined and StagedNotMergedBackfillGuard on every run that
    // held the lease (apps/merger handler.ts); without alarms, quarantined changes and a stuck backfill
    // go unnoticed.
    // Arrange
    const module = await mergeTable();

    // Act
    const alarms = await moduleAlarms(module, { vars: { table: { name: 'books' }, alarm_thresholds: {} } });
    const byMetric = (name: string) => alarms.filter((a) => a.metricName === name);

    // Assert
    expect(byMetric('StagedObjectsQuarantined')).toHaveLength(1);
    expect(byMetric('StagedNotMergedBackfillGuard')).toHaveLength(1);
    expect(byMetric('StagedObjectsQuarantined')[0]!.dimensions).toEqual({
      service: 'merger',
      table: 'books',
    });
    expect(byMetric('StagedNotMergedBackfillGuard')[0]!.dimensions).toEqual({
      service: 'merger',
      table: 'books',
    });
  });
});
