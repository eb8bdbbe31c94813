import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { blockInstances, findModuleDirs, labelled2, loadModule, parseTfFile } from '../src/hcl.js';
import type { HclBody, HclValue, TfFile } from '../src/hcl.js';

/** The same hcl2json parse as the validator; every bucket of every module must pass both checks. */
const infraRoot = join(import.meta.dirname, '..');

interface BucketFindings {
  readonly bucket: string;
  readonly problems: string[];
}

function strings(value: HclValue | undefined): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function resources(files: readonly TfFile[], type: string): [string, HclBody][] {
  return files.flatMap((f) =>
    labelled2(f.body.resource)
      .filter(([t]) => t === type)
      .map(([, name, body]): [string, HclBody] => [name, body]),
  );
}

function policyDocuments(files: readonly TfFile[]): Map<string, HclBody> {
  return new Map(
    files.flatMap((f) =>
      labelled2(f.body.data)
        .filter(([t]) => t === 'aws_iam_policy_document')
        .map(([, name, body]): [string, HclBody] => [name, body]),
    ),
  );
}

/** True when the statement denies every S3 action on the bucket and its objects to anyone without TLS. */
function deniesInsecureTransport(statement: HclBody, bucket: string): boolean {
  const arn = `aws_s3_bucket.${bucket}.arn`;
  const resourcesOf = strings(statement.resources).join(' ');
  const principals = blockInstances(statement.principals);
  const conditions = blockInstances(statement.condition);
  return (
    statement.effect === 'Deny' &&
    strings(statement.actions).includes('s3:*') &&
    resourcesOf.includes(`\${${arn}}`) &&
    resourcesOf.includes(`\${${arn}}/*`) &&
    principals.some((p) => p.type === '*' && strings(p.identifiers).includes('*')) &&
    conditions.some(
      (c) =>
        c.test === 'Bool' && c.variable === 'aws:SecureTransport' && strings(c.values).join() === 'false',
    )
  );
}

/**
 * For every aws_s3_bucket: a public access block with all four settings true, and a bucket policy
 * (from an aws_iam_policy_document) with a statement that denies requests without TLS
 * (aws:SecureTransport = false; AWS S3 user guide, "Security best practices for Amazon S3").
 */
function checkBuckets(files: readonly TfFile[]): BucketFindings[] {
  const documents = policyDocuments(files);
  return resources(files, 'aws_s3_bucket').map(([bucket]) => {
    const problems: string[] = [];
    const bucketRef = `\${aws_s3_bucket.${bucket}.id}`;
    const pab = resources(files, 'aws_s3_bucket_public_access_block').find(([, b]) => b.bucket === bucketRef);
    if (pab === undefined) problems.push('no aws_s3_bucket_public_access_block');
    else {
      for (const flag of [
        'block_public_acls',
        'block_public_policy',
        'ignore_public_acls',
        'restrict_public_buckets',
      ]) {
        if (pab[1][flag] !== true) problems.push(`public access block: ${flag} is not true`);
      }
    }
    const policy = resources(files, 'aws_s3_bucket_policy').find(([, b]) => b.bucket === bucketRef);
    const docName =
      typeof policy?.[1].policy === 'string'
        ? /^\$\{data\.aws_iam_policy_document\.([a-z0-9_]+)\.json\}$/.exec(policy[1].policy)?.[1]
        : undefined;
    const statements = docName === undefined ? [] : blockInstances(documents.get(docName)?.statement);
    if (policy === undefined) problems.push('no aws_s3_bucket_policy');
    else if (!statements.some((s) => deniesInsecureTransport(s, bucket)))
      problems.push('bucket policy does not deny aws:SecureTransport = false');
    return { bucket, problems };
  });
}

describe('S3 bucket security in infra/', () => {
  it('every bucket of every module blocks public access and denies non-TLS requests', async () => {
    // Arrange
    const modules = await Promise.all(findModuleDirs(infraRoot).map((dir) => loadModule(infraRoot, dir)));

    // Act
    const findings = modules.flatMap((m) => checkBuckets(m.files).map((f) => ({ module: m.dir, ...f })));

    // Assert: the lake module has its bucket, and no bucket anywhere has a problem.
    expect(findings.filter((f) => f.module === join('modules', 'lake'))).toEqual([
      { module: join('modules', 'lake'), bucket: 'this', problems: [] },
    ]);
    expect(findings.filter((f) => f.problems.length > 0)).toEqual([]);
  });

  it('the check reports a bucket whose policy allows plain HTTP and whose public access block is partial', async () => {
    // Arrange: the lake's shape, with the condition on "true" and one public access flag off.
    const file = await parseTfFile(
      'weak.tf',
      `
resource "aws_s3_bucket" "weak" {
  bucket = "weak"
}
resource "aws_s3_bucket_public_access_block" "weak" {
  bucket                  = aws_s3_bucket.weak.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = false
}
data "aws_iam_policy_document" "weak" {
  statement {
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.weak.arn, "\${aws_s3_bucket.weak.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["true"]
    }
  }
}
resource "aws_s3_bucket_policy" "weak" {
  bucket = aws_s3_bucket.weak.id
  policy = data.aws_iam_policy_document.weak.json
}
resource "aws_s3_bucket" "bare" {
  bucket = "bare"
}
`,
    );

    // Act
    const findings = checkBuckets([file]).sort((a, b) => a.bucket.localeCompare(b.bucket));

    // Assert
    expect(findings).toEqual([
      { bucket: 'bare', problems: ['no aws_s3_bucket_public_access_block', 'no aws_s3_bucket_policy'] },
      {
        bucket: 'weak',
        problems: [
          'public access block: restrict_public_buckets is not true',
          'bucket policy does not deny aws:SecureTransport = false',
        ],
      },
    ]);
  });
});
