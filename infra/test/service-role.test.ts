// Every IAM role of the modules comes from _internal/service-role, and that module lets the service
// assume the role only for this account: without the account condition, another account's resource
// could make the service act as the role (IAM user guide, "The confused deputy problem").
import { join, resolve } from 'node:path';

import { describe, expect, it } from 'vitest';

import { blockInstances, findModuleDirs, labelled1, labelled2, loadModule } from '../src/hcl.js';
import type { HclBody, TfModule } from '../src/hcl.js';

const infraRoot = join(import.meta.dirname, '..');
const serviceRole = join(infraRoot, 'modules', '_internal', 'service-role');

async function allModules(): Promise<TfModule[]> {
  return Promise.all(findModuleDirs(infraRoot).map((dir) => loadModule(infraRoot, dir)));
}

describe('_internal/service-role', () => {
  it('is the only place a role is declared, and its trust policy names the service and this account', async () => {
    // Arrange
    const modules = await allModules();
    const role = modules.find((m) => m.absDir === serviceRole)!;

    // Act
    const roles = modules.flatMap((m) =>
      m.files.flatMap((f) =>
        labelled2(f.body.resource)
          .filter(([type]) => type === 'aws_iam_role')
          .map(([, name, body]) => ({ dir: m.dir, name, body })),
      ),
    );
    const assume = role.files
      .flatMap((f) => labelled2(f.body.data))
      .find(([type, name]) => type === 'aws_iam_policy_document' && name === 'assume')![2];
    const statement = blockInstances(assume.statement)[0]!;

    // Assert
    expect(roles.map((r) => `${r.dir}:${r.name}`)).toEqual(['modules/_internal/service-role:this']);
    expect(roles[0]!.body.assume_role_policy).toBe('${data.aws_iam_policy_document.assume.json}');
    expect(blockInstances(assume.statement)).toHaveLength(1);
    expect(statement.actions).toEqual(['sts:AssumeRole']);
    expect(blockInstances(statement.principals)).toEqual([
      { type: 'Service', identifiers: ['${var.service}'] },
    ]);
    expect(blockInstances(statement.condition)).toEqual([
      { test: 'StringEquals', variable: '${var.account_condition_key}', values: ['${var.account_id}'] },
    ]);
  });

  it('every call passes the account the caller runs in', async () => {
    // Arrange
    const modules = await allModules();

    // Act
    const calls: [string, HclBody][] = modules.flatMap((m) =>
      m.files.flatMap((f) =>
        labelled1(f.body.module)
          .filter(
            ([, body]) => typeof body.source === 'string' && resolve(m.absDir, body.source) === serviceRole,
          )
          .map(([name, body]): [string, HclBody] => [`${m.dir}:${name}`, body]),
      ),
    );

    // Assert: the firehose, scheduler, optimizer and Lambda roles; each bound to the caller's account.
    expect(calls.map(([name]) => name).sort()).toEqual([
      'modules/_internal/lambda-function:role',
      'modules/firehose-table:firehose_role',
      'modules/firehose-table:optimizer_role',
      'modules/merge-table:scheduler_role',
    ]);
    for (const [, body] of calls)
      expect(body.account_id).toMatch(
        /^\$\{(local\.account_id|data\.aws_caller_identity\.current\.account_id)\}$/,
      );
  });
});
