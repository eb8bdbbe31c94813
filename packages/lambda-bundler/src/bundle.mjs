// Bundles one Lambda app into a deployable zip. Plain ESM JavaScript (typed with JSDoc, checked by
// tsc with checkJs) so the `bundle-lambda` bin runs without a build step of its own.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { build } from 'esbuild';
import { zipSync } from 'fflate';

/**
 * CJS modules inside an ESM bundle still call `require` for Node built-ins; ESM has no `require`,
 * so the bundle defines one (esbuild FAQ, "ESM output and require"). Aliased import name so it
 * cannot clash with a bundled identifier.
 */
const REQUIRE_BANNER =
  "import { createRequire as __lambdaCreateRequire } from 'node:module'; const require = __lambdaCreateRequire(import.meta.url);";

/** Fixed timestamp inside the zip: the same sources give the same bytes (stable source_code_hash). */
const ZIP_MTIME = new Date('2020-01-01T00:00:00Z');

/**
 * @typedef {object} BundleOptions
 * @property {string} appDir   Directory of the app (holds package.json and src/handler.ts).
 * @property {string} [outDir] Where handler.mjs, its map and the zip go (default `<appDir>/dist`).
 */

/**
 * @typedef {object} BundleResult
 * @property {string} appName     Package name without its scope.
 * @property {string} handlerFile Path of dist/handler.mjs.
 * @property {string} zipFile     Path of dist/<appName>.zip.
 * @property {number} bundleBytes Size of handler.mjs.
 * @property {number} zipBytes    Size of the zip.
 */

/**
 * esbuild: ESM, platform node, target node20, minified, with a source map; everything the handler
 * imports is bundled, the AWS SDK clients included, so the deployed code runs the versions this
 * repository pins rather than whatever SDK the Lambda runtime ships. Then handler.mjs and
 * handler.mjs.map are zipped at the archive root (Lambda handler `handler.handler`).
 *
 * @param {BundleOptions} options
 * @returns {Promise<BundleResult>}
 */
export async function bundleLambda(options) {
  const appDir = options.appDir;
  const outDir = options.outDir ?? join(appDir, 'dist');
  const pkg = /** @type {{ name?: unknown }} */ (
    JSON.parse(await readFile(join(appDir, 'package.json'), 'utf8'))
  );
  if (typeof pkg.name !== 'string') throw new Error(`${join(appDir, 'package.json')} has no "name"`);
  const appName = pkg.name.replace(/^@[^/]+\//, '');
  await mkdir(outDir, { recursive: true });
  const handlerFile = join(outDir, 'handler.mjs');

  await build({
    absWorkingDir: appDir,
    entryPoints: ['src/handler.ts'],
    outfile: handlerFile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    // Prefer packages' ESM builds (smaller, tree-shaken), fall back to CJS.
    mainFields: ['module', 'main'],
    minify: true,
    // Class names survive minification: every error sets \`name = new.target.name\`, and the logs
    // (and a failed cold start's message) must say DeclarationHashMismatchError, not a mangled name.
    keepNames: true,
    sourcemap: true,
    // Mappings only: a stack trace needs file and line, not the sources (which would put every
    // dependency's comments into the zip, and make it twice as large).
    sourcesContent: false,
    banner: { js: REQUIRE_BANNER },
    legalComments: 'none',
    logLevel: 'warning',
  });

  const code = await readFile(handlerFile);
  const map = await readFile(`${handlerFile}.map`);
  /** @type {import('fflate').ZipOptions} */
  const entry = { level: 9, mtime: ZIP_MTIME, os: 3, attrs: 0o644 << 16 };
  const zip = zipSync({ 'handler.mjs': [code, entry], 'handler.mjs.map': [map, entry] });
  const zipFile = join(outDir, `${appName}.zip`);
  await writeFile(zipFile, zip);
  return { appName, handlerFile, zipFile, bundleBytes: code.byteLength, zipBytes: zip.byteLength };
}

/** @param {number} bytes */
export function formatBytes(bytes) {
  return bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
}
