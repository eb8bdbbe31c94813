// IAM lint: no wildcard action in an Allow statement, and a "*" resource only for actions that support
// no resource-level permission, with a `# iam-wildcard: <why>` comment in the statement.
import { blockInstances, labelled1 } from './hcl.js';
import type { HclBody, HclValue, TfFile } from './hcl.js';
import type { Finding } from './validate.js';

/**
 * Actions that accept only "*" as resource (Service Authorization Reference: no resource type listed).
 * Extend with a citation when a module needs another one.
 */
export const RESOURCELESS_ACTIONS: ReadonlySet<string> = new Set([
  'dynamodb:ListStreams',
  'cloudwatch:PutMetricData',
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'kinesis:ListStreams',
  'athena:ListWorkGroups',
  'glue:GetCatalogImportStatus',
  // Service Authorization Reference, AWS Lake Formation: GetDataAccess lists no resource type; Lake
  // Formation's own grants scope it (Athena user guide, "Lake Formation permissions").
  'lakeformation:GetDataAccess',
]);

const JUSTIFICATION = /#\s*iam-wildcard:\s*\S/;

function strings(value: HclValue | undefined): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap((v) => strings(v));
  return [];
}

/** Statements of a policy document, `dynamic "statement"` content included. */
function statements(body: HclBody): HclBody[] {
  const direct = blockInstances(body.statement);
  const dynamic = labelled1(body.dynamic)
    .filter(([name]) => name === 'statement')
    .flatMap(([, dyn]) => blockInstances(dyn.content));
  return [...direct, ...dynamic];
}

/** The text of the statement with this sid, from its `sid = "..."` line to the next statement block. */
function statementText(file: TfFile, sid: string): string | undefined {
  const at = file.text.search(new RegExp(`sid\\s*=\\s*"${sid.replace(/[^\w-]/g, '')}"`));
  if (at < 0) return undefined;
  const before = file.text.lastIndexOf('statement', at);
  const next = file.text.indexOf('statement', at);
  return file.text.slice(before < 0 ? at : before, next < 0 ? undefined : next);
}

/** Lints one aws_iam_policy_document; returns the number of statements seen. */
export function lintPolicyDocument(
  body: HclBody,
  file: TfFile,
  at: { file: string; address: string },
  findings: Finding[],
): number {
  const all = statements(body);
  for (const statement of all) {
    const effect = typeof statement.effect === 'string' ? statement.effect : 'Allow';
    const sid = typeof statement.sid === 'string' ? statement.sid : undefined;
    const where = { file: at.file, address: `${at.address}.statement${sid === undefined ? '' : `[${sid}]`}` };
    // A Deny may cover a whole service ("s3:*" with aws:SecureTransport = false): it only ever narrows.
    if (effect === 'Deny') continue;
    const actions = strings(statement.actions);
    if (statement.not_actions !== undefined) {
      findings.push({
        rule: 'iam-wildcard-action',
        ...where,
        message: 'not_actions in an Allow statement grants every other action',
      });
    }
    for (const action of actions) {
      if (action.includes('*'))
        findings.push({
          rule: 'iam-wildcard-action',
          ...where,
          message: `action "${action}" is a wildcard; list the actions`,
        });
    }
    const resources = strings(statement.resources);
    if (statement.not_resources !== undefined) {
      findings.push({
        rule: 'iam-wildcard-resource',
        ...where,
        message: 'not_resources in an Allow statement grants every other resource',
      });
    }
    if (!resources.includes('*')) continue;
    const needing = actions.filter((a) => !RESOURCELESS_ACTIONS.has(a));
    if (needing.length > 0) {
      findings.push({
        rule: 'iam-wildcard-resource',
        ...where,
        message: `resource "*" with actions that support resource-level permissions: ${needing.join(', ')}`,
      });
      continue;
    }
    const text = sid === undefined ? undefined : statementText(file, sid);
    if (text === undefined || !JUSTIFICATION.test(text)) {
      findings.push({
        rule: 'iam-wildcard-resource',
        ...where,
        message: 'resource "*" needs a sid and a `# iam-wildcard: <why>` comment in the statement',
      });
    }
  }
  return all.length;
}

const INLINE_WILDCARD_ACTION = /\bAction\s*=\s*(?:\[[^\]]*?)?"(?:\*|[\w-]+:[\w]*\*[\w]*)"/;

/** Policies written inline with jsonencode() instead of a policy document: catch the obvious wildcard. */
export function lintInlinePolicy(
  body: HclBody,
  at: { file: string; address: string },
  findings: Finding[],
): void {
  const policy = body.policy;
  if (typeof policy !== 'string' || !policy.includes('jsonencode')) return;
  if (/Effect\s*=\s*"Deny"/.test(policy) && !/Effect\s*=\s*"Allow"/.test(policy)) return;
  if (INLINE_WILDCARD_ACTION.test(policy)) {
    findings.push({
      rule: 'iam-wildcard-action',
      ...at,
      message: 'inline policy allows a wildcard action; use an aws_iam_policy_document with listed actions',
    });
  }
}
