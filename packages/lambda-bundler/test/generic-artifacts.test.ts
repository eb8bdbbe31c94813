import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { unzipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';

import { bundleLambda } from '../src/bundle.mjs';

// The three apps of the repository, built as `pnpm build` builds them (apps/*/package.json `build`).
const APPS = ['stream-writer', 'merger', 'firehose-transform'] as const;
const scratch: string[] = [];

afterAll(async () => {
  await Promise.all(scratch.map((d) => rm(d, { recursive: true, force: true })));
});

describe('the Lambda artifacts are generic', () => {
  // Issue 15: one build of the zips serves any number of tables, each function getting its
  // declaration at deploy time. A declaration compiled in (the example tables, a built-in map) or
  // a dependency's sources carried in the source map would put these names into a zip.
  it.each(APPS)('the %s zip contains neither "books" nor "orders" (any case, any entry)', async (app) => {
    // Arrange
    const outDir = await mkdtemp(join(tmpdir(), `generic-${app}-`));
    scratch.push(outDir);
    const appDir = fileURLToPath(new URL(`../../../apps/${app}/`, import.meta.url));

    // Act
    const built = await bundleLambda({ appDir, outDir });
    const entries = unzipSync(new Uint8Array(await readFile(built.zipFile)));

    // Assert
    expect(Object.keys(entries).sort()).toEqual(['handler.mjs', 'handler.mjs.map']);
    for (const [name, bytes] of Object.entries(entries)) {
      const text = Buffer.from(bytes).toString('utf8');
      expect(text.length, name).toBeGreaterThan(1000);
      const found = /books|orders/i.exec(text);
      expect(
        found === null
          ? undefined
          : `${name}: …${text.slice(Math.max(0, found.index - 60), found.index + 60)}…`,
      ).toBeUndefined();
    }
  });
});
