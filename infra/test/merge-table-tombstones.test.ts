// The tombstone table `<table>__tombstones` as a Terraform resource of merge-table (issue 18 item 5
// loose end): `terraform destroy` removes it with the table it belongs to, and under Lake Formation
// the merger and maintainer roles get the grants the engine's statements on it need. The table's
// name, location and columns are read from the engine's own CREATE TABLE, not restated here.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { AthenaEngine } from '@ddb-athena-sync/core/aws/athena-engine';
import { toTerraformTable } from '@ddb-athena-sync/schemas/export-terraform';
import { books } from '@ddb-athena-sync/schemas/test-support/example-tables';
import { beforeAll, describe, expect, it } from 'vitest';

import { blockInstances, labelled1, labelled2, loadModule } from '../src/hcl.js';
import type { HclBody, TfModule } from '../src/hcl.js';

const infraRoot = join(import.meta.dirname, '..');
let module: TfModule;
let engineDdl: string;

beforeAll(async () => {
  module = await loadModule(infraRoot, join(infraRoot, 'modules', 'merge-table'));
  engineDdl = await tombstoneDdl();
});

/** The engine's CREATE TABLE of the tombstone table (ensureTable), through a recording Athena. */
async function tombstoneDdl(): Promise<string> {
  const sent: string[] = [];
  // StartQueryExecution -> id; GetQueryExecution -> SUCCEEDED (Athena API Reference).
  const athena = {
    send: ({ input }: { input: { QueryString?: string; QueryExecutionId?: string } }) => {
      if (input.QueryString !== undefined) {
        sent.push(input.QueryString);
        return Promise.resolve({ QueryExecutionId: `q-${sent.length}` });
      }
      return Promise.resolve({
        QueryExecution: {
          QueryExecutionId: input.QueryExecutionId,
          Status: { State: 'SUCCEEDED', SubmissionDateTime: new Date() },
          Statistics: {},
        },
      });
    },
  } as unknown as ConstructorParameters<typeof AthenaEngine>[0]['athena'];
  await new AthenaEngine({
    athena,
    workGroup: 'lake',
    database: 'library',
    tableLocation: `s3://lake/tables/${books.name}/`,
    stagingLocation: `s3://lake/staging/${books.name}/`,
    pollBaseMs: 1,
  }).ensureTable(books);
  return sent.find((s) => s.includes('__tombstones'))!;
}

/** Evaluates an HCL expression with Terraform itself (`terraform console`), `var.*` replaced by literals. */
function terraformValue(expression: string, replacements: Record<string, unknown>): unknown {
  let input = expression;
  // JSON is valid HCL expression syntax (object constructors take `:`).
  for (const [from, value] of Object.entries(replacements))
    input = input.replaceAll(from, JSON.stringify(value));
  const out = execFileSync('terraform', ['console'], {
    cwd: mkdtempSync(join(tmpdir(), 'tombstones-')),
    // The console reads one line per expression.
    input: `jsonencode(${input.replace(/\s*\n\s*/g, ' ')})\n`,
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'ignore'],
  }).trim();
  return JSON.parse(JSON.parse(out) as string);
}

function tombstoneModule(): HclBody | undefined {
  return module.files
    .flatMap((f) => labelled1(f.body.module))
    .find(([name]) => name === 'tombstone_table')?.[1];
}

/** A local's value as an HCL expression: `${expr}` unwrapped, any other template kept as a template. */
function localExpression(name: string): string {
  const raw = module.files.flatMap((f) => blockInstances(f.body.locals)).find((l) => l[name] !== undefined)?.[
    name
  ];
  const value = typeof raw === 'string' ? raw : JSON.stringify(raw);
  return /^\$\{([\s\S]*)\}$/.exec(value)?.[1] ?? JSON.stringify(value);
}

describe('merge-table: the tombstone table', () => {
  it('is a Terraform resource, so that terraform destroy removes it', () => {
    // Before: the engine created the table at run time (CREATE TABLE IF NOT EXISTS) and Terraform
    // did not know it, so a destroy left the Glue table behind (and the engine's CREATE on an
    // existing table is a no-op: "IF NOT EXISTS", Athena user guide, CREATE TABLE).
    // Act
    const tombstones = tombstoneModule();
    // Assert
    expect(tombstones?.source).toBe('../iceberg-table');
    expect(tombstones?.table_name).toBe('${local.tombstone_table_name}');
    expect(module.files.find((f) => f.path.endsWith('tombstones.tf'))).toBeDefined();
  });

  it("has the engine's name, location and columns", () => {
    // Arrange: what the engine would create.
    const name = /CREATE TABLE IF NOT EXISTS\s+`\w+`\.`(\w+)`/.exec(engineDdl)![1];
    const location = /LOCATION\s+'([^']+)'/.exec(engineDdl)![1];
    const columns = [...engineDdl.matchAll(/^\s+`(\w+)` (\w+)/gm)].map(([, n, t]) => ({ name: n, type: t }));
    const exported = toTerraformTable(books);
    const tombstones = tombstoneModule()!;

    // Act: the module's expressions, evaluated by Terraform for books.
    const columnsValue = terraformValue(localExpression('tombstone_columns'), {
      // As the module's variable types it: iceberg_type is optional, so null when absent.
      'var.table': {
        key_columns: exported.key_columns,
        columns: exported.columns.map((c) => ({ iceberg_type: null, ...c })),
      },
    }) as { name: string; type: string }[];
    const locationValue = terraformValue(localExpression('tombstone_location'), {
      'local.table_tombstone_prefix': `tables/${books.name}__tombstones/`,
      'var.lake.bucket_name': 'lake',
    });

    // Assert
    expect(name).toBe(`${books.name}__tombstones`);
    expect(tombstones.location).toBe('${local.tombstone_location}');
    expect(locationValue).toBe(location);
    expect(columnsValue.map((c) => ({ name: c.name, type: c.type }))).toEqual(columns);
  });

  it('under Lake Formation, grants the merger and maintainer what the engine does on it', () => {
    // The engine MERGEs into it (merge: INSERT, DELETE, SELECT), deletes expired tombstones
    // (maintain: DELETE) and runs CREATE TABLE IF NOT EXISTS, which reads its metadata (DESCRIBE).
    // INSERT, DELETE and SELECT are the data permissions of a table, ALTER and DESCRIBE metadata ones
    // (terraform-provider-aws, website/docs/r/lakeformation_permissions.html.markdown; Lake
    // Formation permissions reference, https://docs.aws.amazon.com/lake-formation/latest/dg/lf-permissions-reference.html).
    // Arrange / Act
    const grants = module.files
      .flatMap((f) => labelled2(f.body.resource))
      .filter(([type]) => type === 'aws_lakeformation_permissions');
    const [, name, grant] = grants.find(([, , body]) => JSON.stringify(body).includes('tombstone'))!;
    const table = blockInstances(grant.table)[0]!;
    const forEach = typeof grant.for_each === 'string' ? grant.for_each : '';

    // Assert
    expect(name).toBe('tombstones');
    expect(forEach).toMatch(/^\$\{var\.lake\.lake_formation \? \{/);
    expect(forEach).toContain('module.merger.role_arn');
    expect(forEach).toContain('module.maintainer.role_arn');
    expect(grant.principal).toBe('${each.value}');
    expect([...(grant.permissions as string[])].sort()).toEqual([
      'ALTER',
      'DELETE',
      'DESCRIBE',
      'INSERT',
      'SELECT',
    ]);
    expect(table.name).toBe('${module.tombstone_table.name}');
    expect(table.database_name).toBe('${var.lake.glue_database_name}');
  });
});
