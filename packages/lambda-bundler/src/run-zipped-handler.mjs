// Test helper shared by the apps: unzip a Lambda zip into a fresh temporary directory (no
// node_modules anywhere above it) and invoke its handler once in a new Node process, the way the
// Lambda runtime would load it. Plain ESM so it is importable from any package's tests.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

import { unzipSync } from 'fflate';

const RUNNER = `
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
const [dir, eventFile, resultFile] = process.argv.slice(1);
const { handler } = await import(pathToFileURL(dir + '/handler.mjs').href);
// The parts of the Lambda context object the handlers read (Lambda Developer Guide, "Using the
// Lambda context object to retrieve Node.js function information"): a request id, and the time
// left before a 300 s timeout, counted from the invocation.
const deadline = Date.now() + 300000;
const context = {
  awsRequestId: 'zipped-run',
  functionName: 'zipped-run',
  getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
};
const result = await handler(JSON.parse(readFileSync(eventFile, 'utf8')), context);
writeFileSync(resultFile, JSON.stringify(result));
`;

/**
 * @typedef {object} ZippedRun
 * @property {unknown} result  What the handler returned.
 * @property {string[]} files  Entries of the zip.
 * @property {string} stdout   What the process printed (logs and EMF metrics).
 */

/**
 * @param {string} zipFile
 * @param {unknown} event
 * @param {Record<string, string>} env  The whole environment of the child (PATH is added): nothing
 *   else of the parent's environment, credentials included, reaches it.
 * @returns {Promise<ZippedRun>}
 */
export async function runZippedHandler(zipFile, event, env) {
  const dir = await mkdtemp(join(tmpdir(), 'lambda-zip-'));
  try {
    const entries = unzipSync(new Uint8Array(await readFile(zipFile)));
    const taskDir = join(dir, 'task');
    for (const [name, bytes] of Object.entries(entries)) {
      const path = join(taskDir, name);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, bytes);
    }
    const eventFile = join(dir, 'event.json');
    const resultFile = join(dir, 'result.json');
    await writeFile(eventFile, JSON.stringify(event));
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--enable-source-maps', '--input-type=module', '-e', RUNNER, taskDir, eventFile, resultFile],
      { cwd: dir, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 },
    );
    return {
      result: JSON.parse(await readFile(resultFile, 'utf8')),
      files: Object.keys(entries).sort(),
      stdout,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
