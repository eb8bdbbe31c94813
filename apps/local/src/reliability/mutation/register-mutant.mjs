// Loaded with `node --import` in the mutation gate's child processes only (never by the product or
// the CLI itself): registers the source-rewriting `load` hook for the mutant named in the
// environment. Registered before tsx, so tsx's own hook asks this one for a file's source and
// compiles the mutated TypeScript (Node docs, "Customization hooks": hooks chain, the last
// registered runs first and calls the earlier ones through nextLoad).
import { register } from 'node:module';

const spec = process.env.DDB_ATHENA_SYNC_MUTANT;
if (spec !== undefined && spec !== '') {
  register('./mutant-hooks.mjs', import.meta.url, { data: JSON.parse(spec) });
}
