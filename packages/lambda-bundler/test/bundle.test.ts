import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { unzipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';

import { bundleLambda, formatBytes } from '../src/bundle.mjs';
import { runZippedHandler } from '../src/run-zipped-handler.mjs';

const appDir = fileURLToPath(new URL('./fixtures/tiny-app/', import.meta.url));
const scratch: string[] = [];

afterAll(async () => {
  await Promise.all(scratch.map((d) => rm(d, { recursive: true, force: true })));
});

async function outDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bundle-test-'));
  scratch.push(dir);
  return dir;
}

describe('bundleLambda', () => {
  it('writes an ESM handler with a source map and zips both under the unscoped package name', async () => {
    // Act
    const result = await bundleLambda({ appDir, outDir: await outDir() });

    // Assert
    expect(result.appName).toBe('tiny-app');
    expect(result.zipFile.endsWith('/tiny-app.zip')).toBe(true);
    const code = await readFile(result.handlerFile, 'utf8');
    expect(code.startsWith("import { createRequire as __lambdaCreateRequire } from 'node:module';")).toBe(
      true,
    );
    expect(code).toMatch(/\/\/# sourceMappingURL=handler\.mjs\.map\s*$/);
    const entries = unzipSync(new Uint8Array(await readFile(result.zipFile)));
    expect(Object.keys(entries).sort()).toEqual(['handler.mjs', 'handler.mjs.map']);
    expect(Buffer.from(entries['handler.mjs']!).toString('utf8')).toBe(code);
    expect(result.bundleBytes).toBe(Buffer.byteLength(code));
  });

  it('produces the same zip bytes from the same sources', async () => {
    // Act
    const a = await bundleLambda({ appDir, outDir: await outDir() });
    const b = await bundleLambda({ appDir, outDir: await outDir() });

    // Assert
    const hash = async (f: string) =>
      createHash('sha256')
        .update(await readFile(f))
        .digest('hex');
    expect(await hash(a.zipFile)).toBe(await hash(b.zipFile));
  });

  it('builds a zip whose handler runs in a fresh Node process', async () => {
    // Arrange
    const result = await bundleLambda({ appDir, outDir: await outDir() });

    // Act
    const run = await runZippedHandler(result.zipFile, { text: 'abc' }, {});

    // Assert
    expect(run.result).toEqual({ sha256: createHash('sha256').update('abc').digest('hex') });
  });
});

describe('formatBytes', () => {
  it('prints KiB below a MiB and MiB above', () => {
    expect(formatBytes(2048)).toBe('2.0 KiB');
    expect(formatBytes(3 * 1024 * 1024)).toBe('3.00 MiB');
  });
});
