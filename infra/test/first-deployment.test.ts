// The AWS rules a review of infra/ against the AWS docs found broken (issue 18), each encoded as a check
// on the parsed .tf files so that it cannot come back. Each test cites the page whose rule it encodes.
import { join } from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { blockInstances, findModuleDirs, labelled1, labelled2, loadModule } from '../src/hcl.js';
import type { HclBody, HclValue, TfModule } from '../src/hcl.js';

const infraRoot = join(import.meta.dirname, '..');
let modules: Map<string, TfModule>;

beforeAll(async () => {
  const all = await Promise.all(findModuleDirs(infraRoot).map((dir) => loadModule(infraRoot, dir)));
  modules = new Map(all.map((m) => [m.dir, m]));
});

function module(dir: string): TfModule {
  const m = modules.get(dir);
  if (m === undefined) throw new Error(`no module ${dir}`);
  return m;
}

function blocks(m: TfModule, kind: 'resource' | 'data', type: string): [string, HclBody][] {
  return m.files.flatMap((f) =>
    labelled2(f.body[kind])
      .filter(([t]) => t === type)
      .map(([, name, body]): [string, HclBody] => [name, body]),
  );
}

function text(m: TfModule): string {
  return m.files.map((f) => f.text).join('\n');
}

/** Statements of a policy document, including `dynamic "statement"` contents. */
function statements(document: HclBody): HclBody[] {
  const dynamic = labelled1(document.dynamic)
    .filter(([name]) => name === 'statement')
    .flatMap(([, d]) => blockInstances(d.content));
  return [...blockInstances(document.statement), ...dynamic];
}

/** An hcl2json value as text: expressions are strings already, anything else is shown as JSON. */
function str(value: HclValue | undefined): string {
  return typeof value === 'string' ? value : JSON.stringify(value ?? null);
}

function strings(value: HclValue | undefined): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

describe('issue 18: the first deployment works', () => {
  it('3. the alarm topic is encrypted with a customer managed key CloudWatch may use, never alias/aws/sns', () => {
    // CloudWatch cannot publish to a topic encrypted with the AWS managed alias/aws/sns; the key policy
    // must allow cloudwatch.amazonaws.com kms:Decrypt and kms:GenerateDataKey* (SNS developer guide,
    // https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services).
    // Arrange
    const example = module(join('examples', 'library'));

    // Act
    const topic = blocks(example, 'resource', 'aws_sns_topic').find(([name]) => name === 'alarms')?.[1];
    const key = blocks(example, 'resource', 'aws_kms_key').find(([name]) => name === 'alarms')?.[1];
    const userKey = example.files
      .flatMap((f) => labelled1(f.body.variable))
      .find(([name]) => name === 'alarm_topic_kms_key_arn')?.[1];

    // Assert
    expect(str(topic?.kms_master_key_id)).not.toContain('alias/aws/sns');
    expect(str(topic?.kms_master_key_id)).toContain('aws_kms_key.alarms[0].arn');
    expect(str(key?.policy)).toMatch(
      /Principal\s*=\s*\{\s*Service\s*=\s*"cloudwatch\.amazonaws\.com"\s*\}\s*Action\s*=\s*\["kms:Decrypt",\s*"kms:GenerateDataKey\*"\]/,
    );
    expect(JSON.stringify(userKey?.validation)).toContain(':key/');
  });

  it('5. MERGE and maintenance run in a workgroup with a bytes-scanned cutoff of their own', () => {
    // A workgroup's bytes_scanned_cutoff_per_query cancels any query over it, DML included (Athena user
    // guide, https://docs.aws.amazon.com/athena/latest/ug/workgroups-setting-control-limits-cloudwatch.html).
    // Arrange
    const lake = module(join('modules', 'lake'));
    const merge = module(join('modules', 'merge-table'));

    // Act
    const workgroups = Object.fromEntries(blocks(lake, 'resource', 'aws_athena_workgroup'));
    const cutoff = (name: string): HclValue | undefined =>
      blockInstances(workgroups[name]?.configuration)[0]?.bytes_scanned_cutoff_per_query;
    const lakeOutput = lake.files
      .flatMap((f) => labelled1(f.body.output))
      .find(([name]) => name === 'lake')?.[1].value as HclBody | undefined;
    const mergerEnvironment = merge.files
      .flatMap((f) => blockInstances(f.body.locals))
      .find((l) => l.merger_environment !== undefined)?.merger_environment as HclBody | undefined;

    // Assert
    expect(cutoff('merge')).toBe('${var.merge_bytes_scanned_cutoff_per_query}');
    expect(cutoff('this')).toBe('${var.athena_bytes_scanned_cutoff_per_query}');
    expect(lakeOutput?.merge_workgroup_name).toBe('${aws_athena_workgroup.merge.name}');
    expect(mergerEnvironment?.ATHENA_WORKGROUP).toBe('${local.merger_workgroup_name}');
    expect(text(merge)).toMatch(/merger_workgroup_name\s*=\s*coalesce\(var\.lake\.merge_workgroup_name,/);
  });

  it('6. firehose tables get Glue compaction, snapshot retention that deletes files, and orphan file deletion', () => {
    // Firehose does no compaction or snapshot expiry on Iceberg tables (Firehose developer guide,
    // https://docs.aws.amazon.com/firehose/latest/dev/apache-iceberg-destination.html); Glue table
    // optimizers do, and retention keeps expired files unless clean_expired_files = true (provider docs,
    // website/docs/r/glue_catalog_table_optimizer.html.markdown).
    // Arrange
    const firehose = module(join('modules', 'firehose-table'));

    // Act
    const optimizers = blocks(firehose, 'resource', 'aws_glue_catalog_table_optimizer').map(([, b]) => b);
    const retention = optimizers.find((o) => o.type === 'retention');
    const retentionConfig = blockInstances(
      blockInstances(blockInstances(retention?.configuration)[0]?.retention_configuration)[0]
        ?.iceberg_configuration,
    )[0];
    // The optimizers' role: _internal/service-role, assumed by Glue.
    const role = firehose.files
      .flatMap((f) => labelled1(f.body.module))
      .find(([n]) => n === 'optimizer_role')?.[1];

    // Assert
    expect(optimizers.map((o) => o.type).sort()).toEqual(['compaction', 'orphan_file_deletion', 'retention']);
    expect(retentionConfig?.clean_expired_files).toBe(true);
    expect(role?.source).toBe('../_internal/service-role');
    expect(role?.service).toBe('glue.amazonaws.com');
    expect(optimizers.map((o) => str(o.depends_on))).toEqual(
      optimizers.map(() => '["${module.optimizer_role}"]'),
    );
  });

  it('8. every role that reads lake tables gets lakeformation:GetDataAccess behind the lake_formation flag', () => {
    // Lake Formation-governed data needs lakeformation:GetDataAccess in the caller's IAM policy besides
    // the LF grants (Athena user guide, https://docs.aws.amazon.com/athena/latest/ug/lf-athena-limitations-permissions.html).
    // Arrange
    const documents: [string, string][] = [
      [join('modules', 'merge-table'), 'merger'],
      [join('modules', 'firehose-table'), 'firehose'],
      [join('modules', 'firehose-table'), 'optimizer'],
      [join('modules', 'lake'), 'query'],
    ];

    // The gate of the document's own LakeFormation statement, as the for_each expression.
    const ownGate = (doc: HclBody | undefined): string | undefined => {
      const lf = labelled1(doc?.dynamic)
        .filter(([n]) => n === 'statement')
        .find(([, d]) =>
          blockInstances(d.content).some((c) => strings(c.actions).includes('lakeformation:GetDataAccess')),
        );
      return lf === undefined ? undefined : str(lf[1].for_each);
    };
    // Or the gate of a document it merges from a module call (override_policy_documents =
    // [module.<call>.<output>]), in the caller's terms: the callee's variables replaced by the
    // call's arguments.
    const mergedGate = (m: TfModule, doc: HclBody | undefined): string | undefined => {
      for (const ref of strings(doc?.override_policy_documents).flatMap((s) => [
        ...s.matchAll(/module\.(\w+)\.(\w+)/g),
      ])) {
        const call = m.files.flatMap((f) => labelled1(f.body.module)).find(([n]) => n === ref[1])?.[1];
        if (typeof call?.source !== 'string') continue;
        const callee = module(join(m.dir, call.source));
        const output = callee.files.flatMap((f) => labelled1(f.body.output)).find(([n]) => n === ref[2]);
        const docName = /data\.aws_iam_policy_document\.(\w+)\.json/.exec(str(output?.[1].value))?.[1];
        const gate = ownGate(
          blocks(callee, 'data', 'aws_iam_policy_document').find(([n]) => n === docName)?.[1],
        );
        if (gate !== undefined)
          return gate.replace(/var\.(\w+)/g, (whole, v: string) =>
            typeof call[v] === 'string' ? call[v].replace(/^\$\{(.*)\}$/, '$1') : whole,
          );
      }
      return undefined;
    };

    // Act
    const gated = documents.map(([dir, name]) => {
      const doc = blocks(module(dir), 'data', 'aws_iam_policy_document').find(([n]) => n === name)?.[1];
      return [`${dir}:${name}`, ownGate(doc) ?? mergedGate(module(dir), doc)];
    });

    // Assert
    expect(gated).toEqual(
      documents.map(([dir, name]) => [
        `${dir}:${name}`,
        dir.endsWith('lake')
          ? '${var.lake_formation ? ["lakeformation"] : []}'
          : '${var.lake.lake_formation ? ["lakeformation"] : []}',
      ]),
    );
  });

  it('10. the transform is told where to quarantine rejected records and may write exactly there', () => {
    // Firehose's transformation response has no field for a reason (Firehose developer guide,
    // https://docs.aws.amazon.com/firehose/latest/dev/data-transformation-status-model.html), so the
    // transform writes quarantine/<table>/... itself (core firehose/quarantine-records.ts).
    // Arrange
    const firehose = module(join('modules', 'firehose-table'));

    // Act
    const transform = firehose.files
      .flatMap((f) => labelled1(f.body.module))
      .find(([name]) => name === 'transform')?.[1];
    // The function's variables: its own (local.transform_environment) and its table's declaration.
    expect(transform?.environment).toBe(
      '${merge(local.transform_environment, module.declaration.environment)}',
    );
    const environment = firehose.files
      .flatMap((f) => blockInstances(f.body.locals))
      .find((l) => l.transform_environment !== undefined)?.transform_environment as HclBody | undefined;
    const policy = blocks(firehose, 'data', 'aws_iam_policy_document').find(([n]) => n === 'transform')?.[1];
    const writes = statements(policy ?? {}).filter((st) => strings(st.actions).includes('s3:PutObject'));

    // Assert
    expect(environment?.QUARANTINE_BUCKET).toBe('${var.lake.bucket_name}');
    expect(environment?.QUARANTINE_PREFIX).toBe('${local.quarantine_prefix}');
    expect(writes.flatMap((st) => strings(st.resources))).toEqual([
      '${var.lake.bucket_arn}/${local.transform_quarantine_prefix}*',
    ]);
    expect(text(firehose)).toMatch(
      /transform_quarantine_prefix\s*=\s*"quarantine\/\$\{var\.table\.name\}\/"/,
    );
  });

  it('11a. no IAM statement names a KMS alias as its resource', () => {
    // An alias ARN in a policy's Resource matches no key: IAM names KMS keys by key ARN (KMS developer
    // guide, https://docs.aws.amazon.com/kms/latest/developerguide/alias-authorization.html).
    // Arrange
    const all = [...modules.values()];

    // Act
    const aliases = all.flatMap((m) =>
      blocks(m, 'data', 'aws_iam_policy_document').flatMap(([name, doc]) =>
        statements(doc)
          .filter((s) => strings(s.resources).some((r) => r.includes(':alias/')))
          .map((s) => `${m.dir}:${name}:${str(s.sid)}`),
      ),
    );

    // Assert
    expect(aliases).toEqual([]);
  });

  it('11b. the derived lake bucket name is checked against the 63-character limit', () => {
    // S3 bucket names are 3-63 characters (S3 user guide,
    // https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html).
    // Arrange: the longest name_prefix the variable accepts, an account id and a long region name.
    const lake = module(join('modules', 'lake'));
    const derived = `${'a'.repeat(32)}-lake-123456789012-ap-southeast-5`;

    // Act
    const bucket = blocks(lake, 'resource', 'aws_s3_bucket').find(([name]) => name === 'this')?.[1];
    const preconditions = blockInstances(blockInstances(bucket?.lifecycle)[0]?.precondition);

    // Assert: the derived name can exceed the limit, so a precondition must catch it at plan time.
    expect(derived.length).toBeGreaterThan(63);
    expect(preconditions.map((p) => p.condition)).toContainEqual(
      '${length(local.bucket_name) >= 3 && length(local.bucket_name) <= 63}',
    );
  });

  it('11c. every kms_key_arn variable accepts the same thing: a key ARN, never an alias', () => {
    // Arrange
    const all = [...modules.values()];

    // Act
    const patterns = all.flatMap((m) =>
      m.files.flatMap((f) =>
        labelled1(f.body.variable)
          .filter(([name]) => name.endsWith('kms_key_arn'))
          .map(([name, body]) => {
            const condition = str(blockInstances(body.validation)[0]?.condition);
            return [`${m.dir}:${name}`, /regex\("([^"]+)"/.exec(condition)?.[1]] as const;
          }),
      ),
    );

    // Assert
    expect(patterns.length).toBeGreaterThanOrEqual(3);
    expect(new Set(patterns.map(([, p]) => p))).toEqual(
      new Set(['^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[a-f0-9-]+$']),
    );
  });
});
