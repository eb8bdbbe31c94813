// Issue 15, "Done when": a root module in a directory outside the repository, holding only the
// user's declarations file (a new table: composite key, TTL attribute, nested map column), its
// Terraform export and a main.tf that uses the modules by path, passes `terraform fmt -check` and
// the repository's offline validation (`pnpm validate:infra <dir>` runs the same validateTree).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

import { parseTablesFile } from '@ddb-athena-sync/schemas/config-file';
import { renderTerraformExport, TERRAFORM_EXPORT_FILE_NAME } from '@ddb-athena-sync/schemas/export-terraform';
import { authorsInput } from '@ddb-athena-sync/schemas/test-support/authors';
import { afterAll, describe, expect, it } from 'vitest';

import { loadProviderSchema } from '../src/provider-schema.js';
import { validateTree } from '../src/validate.js';

const modules = join(import.meta.dirname, '..', 'modules');
const dir = mkdtempSync(join(tmpdir(), 'outside-root-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The same `authors` table the demo's outside-the-repository test runs (apps/local).
const declarations = JSON.stringify({ tables: [authorsInput] });

// By relative path, as Terraform takes a local module (a git source is the same tree, fetched).
const modulePath = (name: string): string => relative(dir, join(modules, name));

const mainTf = `terraform {
  required_version = ">= 1.6"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.40.0"
    }
  }
}

provider "aws" {
  region = "eu-west-1"
}

locals {
  tables = jsondecode(file("\${path.module}/${TERRAFORM_EXPORT_FILE_NAME}")).tables
}

module "lake" {
  source = "${modulePath('lake')}"

  name_prefix        = "authors"
  glue_database_name = "authors"
}

module "authors" {
  source = "${modulePath('merge-table')}"

  name_prefix       = "authors"
  table             = local.tables.authors
  lake              = module.lake.lake
  stream_writer_zip = "\${path.module}/zips/stream-writer.zip"
  merger_zip        = "\${path.module}/zips/merger.zip"
}
`;

describe('a root module outside the repository', () => {
  it('passes terraform fmt and the offline validation', async () => {
    // Arrange
    writeFileSync(join(dir, 'ddb-athena-sync.tables.json'), declarations);
    const file = parseTablesFile(declarations, join(dir, 'ddb-athena-sync.tables.json'));
    writeFileSync(join(dir, TERRAFORM_EXPORT_FILE_NAME), renderTerraformExport(file.tables.values()));
    writeFileSync(join(dir, 'main.tf'), mainTf);

    // Act
    const fmt = (): string =>
      execFileSync('terraform', ['fmt', '-check', '-diff', dir], { encoding: 'utf8', stdio: 'pipe' });
    const { findings, figures } = await validateTree(dir, loadProviderSchema());

    // Assert
    expect(fmt).not.toThrow();
    expect(findings).toEqual([]);
    // The modules it calls were checked too: lake, merge-table and the internal ones they call.
    expect(figures.modules).toBeGreaterThanOrEqual(6);
    expect(figures.resources).toBeGreaterThan(20);
  });

  it('the same validation refuses a module call that misses a variable (it checks the call)', async () => {
    const broken = mkdtempSync(join(tmpdir(), 'outside-root-broken-'));
    try {
      writeFileSync(join(broken, TERRAFORM_EXPORT_FILE_NAME), '{"tables": {}}');
      writeFileSync(join(broken, 'main.tf'), mainTf.replace(/\n {2}merger_zip .*\n/, '\n'));
      const { findings } = await validateTree(broken, loadProviderSchema());
      expect(findings.map((f) => f.rule)).toContain('module-missing-variable');
    } finally {
      rmSync(broken, { recursive: true, force: true });
    }
  });
});
