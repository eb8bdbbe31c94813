// Module READMEs: a usage snippet and the inputs and outputs tables, rendered from the parsed .tf files
// between terraform-docs' markers. terraform-docs itself is neither a Debian package nor an npm package,
// so this renders the same three sections offline; `pnpm --filter @ddb-athena-sync/infra docs` rewrites
// the READMEs and test/module-docs.test.ts fails when one is stale.
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

import { format, resolveConfig } from 'prettier';

import { findModuleDirs, labelled1, loadModule } from './hcl.js';
import type { HclBody, HclValue, TfModule } from './hcl.js';

export const BEGIN = '<!-- BEGIN_TF_DOCS -->';
export const END = '<!-- END_TF_DOCS -->';

/** `${string}` -> string; long object types abbreviated as terraform-docs' tables do. */
function typeText(value: HclValue | undefined): string {
  if (value === undefined) return 'any';
  const raw =
    typeof value === 'string' ? value.replace(/^\$\{([\s\S]*)\}$/, '$1').trim() : JSON.stringify(value);
  const open = raw.indexOf('({');
  return open >= 0
    ? `${raw.slice(0, open)}({...})${')'.repeat(raw.slice(0, open).split('(').length - 1)}`
    : raw;
}

function cell(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/\|/g, '\\|').trim();
}

function code(text: string): string {
  return `\`${text.replace(/`/g, "'")}\``;
}

function defaultText(body: HclBody): string {
  if (!('default' in body)) return 'n/a';
  const value = body.default;
  if (typeof value === 'string' && value.startsWith('${')) return code(value.slice(2, -1));
  return code(JSON.stringify(value ?? null));
}

function variables(module: TfModule): [string, HclBody][] {
  return module.files.flatMap((f) => labelled1(f.body.variable)).sort(([a], [b]) => a.localeCompare(b));
}

function outputs(module: TfModule): [string, HclBody][] {
  return module.files.flatMap((f) => labelled1(f.body.output)).sort(([a], [b]) => a.localeCompare(b));
}

/** The text of `module "<name>" { ... }` in a file, braces matched. */
function moduleBlockText(text: string, name: string): string | undefined {
  const start = text.search(new RegExp(`^module "${name}" \\{`, 'm'));
  if (start < 0) return undefined;
  let depth = 0;
  for (let i = start; i < text.length; i += 1) {
    if (text[i] === '{') depth += 1;
    else if (text[i] === '}') {
      depth -= 1;
      if (depth === 0) return text.slice(start, i + 1);
    }
  }
  return undefined;
}

/**
 * The usage snippet: a root module is applied with the Terraform CLI; any other module is shown by a
 * call that the repository itself makes (an example's first, else another module's), so the snippet
 * is validated and applied like the rest of the tree; a module nobody calls gets every required input.
 */
function usage(infraRoot: string, module: TfModule, callers: readonly TfModule[]): string {
  if (module.dir.startsWith('examples')) {
    return [
      '```sh',
      `cd infra/${module.dir}`,
      'cp backend.tf.example backend.tf   # optional: remote state, then edit it',
      'terraform init',
      'terraform apply -var region=eu-west-1',
      '```',
    ].join('\n');
  }
  for (const caller of callers) {
    for (const file of caller.files) {
      for (const [name, body] of labelled1(file.body.module)) {
        if (typeof body.source !== 'string') continue;
        if (join(caller.absDir, body.source) !== module.absDir) continue;
        const text = moduleBlockText(file.text, name);
        if (text !== undefined)
          return `From \`${relative(infraRoot, file.path.startsWith('/') ? file.path : join(infraRoot, file.path))}\`:\n\n\`\`\`hcl\n${text}\n\`\`\``;
      }
    }
  }
  const name = module.dir.split('/').at(-1)!.replace(/-/g, '_');
  const required = variables(module).filter(([, body]) => !('default' in body));
  const width = Math.max(6, ...required.map(([n]) => n.length));
  const lines = required.map(([n, body]) => `  ${n.padEnd(width)} = ... # ${typeText(body.type)}`);
  return `\`\`\`hcl\nmodule "${name}" {\n  ${'source'.padEnd(width)} = "./${module.dir}"\n\n${lines.join('\n')}\n}\n\`\`\``;
}

/** The three generated sections of one module, markers included. */
export function renderDocs(infraRoot: string, module: TfModule, callers: readonly TfModule[]): string {
  const inputs = variables(module).map(
    ([name, body]) =>
      `| ${code(name)} | ${cell(typeof body.description === 'string' ? body.description : '')} | ${code(typeText(body.type))} | ${defaultText(body)} | ${'default' in body ? 'no' : 'yes'} |`,
  );
  const outs = outputs(module).map(
    ([name, body]) =>
      `| ${code(name)} | ${cell(typeof body.description === 'string' ? body.description : '')} |`,
  );
  return [
    BEGIN,
    '## Usage',
    '',
    usage(infraRoot, module, callers),
    '',
    '## Inputs',
    '',
    ...(inputs.length === 0
      ? ['No inputs.']
      : [
          '| Name | Description | Type | Default | Required |',
          '| --- | --- | --- | --- | :---: |',
          ...inputs,
        ]),
    '',
    '## Outputs',
    '',
    ...(outs.length === 0 ? ['No outputs.'] : ['| Name | Description |', '| --- | --- |', ...outs]),
    END,
  ].join('\n');
}

/** The README with its generated part replaced (or appended), formatted as `prettier --check` wants. */
export async function renderReadme(
  infraRoot: string,
  module: TfModule,
  callers: readonly TfModule[],
  current: string,
  path: string,
): Promise<string> {
  const generated = renderDocs(infraRoot, module, callers);
  const begin = current.indexOf(BEGIN);
  const end = current.indexOf(END);
  const text =
    begin >= 0 && end > begin
      ? `${current.slice(0, begin)}${generated}${current.slice(end + END.length)}`
      : `${current.trimEnd()}\n\n${generated}\n`;
  // The repository's own Prettier options, so that `prettier --check .` agrees with the generator.
  const options = (await resolveConfig(path)) ?? {};
  return format(text, { ...options, filepath: path });
}

export interface ReadmeState {
  readonly path: string;
  readonly current: string;
  readonly expected: string;
}

/** Every module and example README under infra/, with what it should say. */
export async function readmeStates(infraRoot: string): Promise<ReadmeState[]> {
  const modules = await Promise.all(findModuleDirs(infraRoot).map((dir) => loadModule(infraRoot, dir)));
  // Calls in examples are preferred as usage snippets, then calls in other modules.
  const callers = [
    ...modules.filter((m) => m.dir.startsWith('examples')),
    ...modules.filter((m) => !m.dir.startsWith('examples')),
  ];
  return Promise.all(
    modules
      .filter((m) => m.dir !== '.')
      .map(async (m) => {
        const path = join(m.absDir, 'README.md');
        const current = existsSync(path) ? readFileSync(path, 'utf8') : `# ${m.dir}\n`;
        return { path, current, expected: await renderReadme(infraRoot, m, callers, current, path) };
      }),
  );
}
