// `pnpm --filter @ddb-athena-sync/infra docs`: rewrites the generated part of every module README.
import { writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';

import { readmeStates } from '../src/module-docs.js';

const infraRoot = resolve(import.meta.dirname, '..');
for (const state of await readmeStates(infraRoot)) {
  if (state.current === state.expected) continue;
  writeFileSync(state.path, state.expected);
  console.log(`wrote ${relative(infraRoot, state.path)}`);
}
