// Test support, not part of the library: a table's declaration put in S3 the way
// infra/modules/merge-table writes it when the functions' variables would pass Lambda's 4 KB (the
// key carries the SHA-256 the function is given), plus an edited copy that does not match that hash.
// The zip tests of the apps import it from `@ddb-athena-sync/core/test-support/declaration-object`;
// nothing bundled into a Lambda may import this module.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';

import { declarationEnv } from '../src/config/env.js';

export interface DeclarationObjects {
  /** TABLE_DECLARATION_S3_URI of the object Terraform writes. */
  readonly uri: string;
  /** The same text with a trailing newline: its hash is not `sha256`. */
  readonly editedUri: string;
  /** TABLE_DECLARATION_SHA256. */
  readonly sha256: string;
}

export async function putDeclarationObjects(
  s3: S3Client,
  bucket: string,
  table: TableDeclaration,
): Promise<DeclarationObjects> {
  const { TABLE_DECLARATION: text, TABLE_DECLARATION_SHA256: sha256 } = declarationEnv(table);
  const key = `declarations/${table.name}/${sha256}.json`;
  const edited = `declarations/${table.name}/edited.json`;
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: text }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: edited, Body: `${text}\n` }));
  return { uri: `s3://${bucket}/${key}`, editedUri: `s3://${bucket}/${edited}`, sha256 };
}
