// `pnpm validate:infra`: checks every .tf file under infra/ (or the directories given) offline.
import { resolve } from 'node:path';
import { MINIMUM_PACKAGE, NEWEST_PACKAGE, loadProviderSchema } from '../src/provider-schema.js';
import { resolveRoot, validateTree } from '../src/validate.js';

const started = Date.now();
const roots = process.argv.slice(2);
const targets = roots.length > 0 ? roots.map(resolveRoot) : [resolve(import.meta.dirname, '..')];
// Against the minimum provider version of versions.tf and the newest one we have a schema of.
const schemas = [MINIMUM_PACKAGE, NEWEST_PACKAGE].map((packageName) => loadProviderSchema({ packageName }));
let failed = false;
for (const schema of schemas)
  for (const root of targets) {
    const { findings, figures } = await validateTree(root, schema);
    for (const f of findings) console.error(`${f.file}: ${f.address}: [${f.rule}] ${f.message}`);
    console.log(
      `${root}: ${figures.modules} modules, ${figures.files} files, ${figures.resources} resources, ` +
        `${figures.dataSources} data sources, ${figures.moduleCalls} module calls, ${figures.argumentsChecked} arguments, ` +
        `${figures.referencesChecked} references, ${figures.policyStatements} IAM statements checked against ` +
        `hashicorp/aws ${schema.providerVersion}: ${findings.length} finding(s)`,
    );
    if (findings.length > 0) failed = true;
  }
console.log(`done in ${Date.now() - started} ms`);
process.exitCode = failed ? 1 : 0;
