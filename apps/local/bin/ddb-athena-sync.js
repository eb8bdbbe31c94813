#!/usr/bin/env node
// Runs the TypeScript CLI (src/cli.ts) through tsx, so `pnpm ddb-athena-sync ...` needs no build step.
import { register } from 'tsx/esm/api';

// The AWS SDK warns once per process that releases after January 2027 need Node 22; the local
// stack only talks to 127.0.0.1, and the warning would sit in the middle of the demo's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

register();
const { main } = await import('../src/cli.ts');
process.exitCode = await main(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
});
