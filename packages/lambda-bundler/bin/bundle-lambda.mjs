#!/usr/bin/env node
// Run in an app directory (pnpm runs package scripts there): bundles src/handler.ts into
// dist/handler.mjs and zips it to dist/<app>.zip, printing both sizes.
import { relative } from 'node:path';

import { bundleLambda, formatBytes } from '../src/bundle.mjs';

try {
  const result = await bundleLambda({ appDir: process.cwd() });
  console.log(
    `${result.appName}: handler.mjs ${formatBytes(result.bundleBytes)}, ${relative(process.cwd(), result.zipFile)} ${formatBytes(result.zipBytes)}`,
  );
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}
