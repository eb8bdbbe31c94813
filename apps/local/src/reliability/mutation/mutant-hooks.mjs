// The mutation gate's `load` hook (Node docs, "Customization hooks", `initialize` and `load`): when
// the mutant's target file is loaded, its source text gets the mutant's replacements. Each
// replacement must find its snippet the expected number of times, or loading fails loudly: a
// mutant whose target moved can never silently become a no-op. A marker file records that the
// mutant was applied, and the gate checks it.
import { writeFileSync } from 'node:fs';

let mutant;

export function initialize(data) {
  mutant = data;
}

export async function load(url, context, nextLoad) {
  const loaded = await nextLoad(url, context);
  if (mutant === undefined || !url.startsWith('file:') || !url.endsWith(mutant.file)) return loaded;
  let source = String(loaded.source);
  for (const r of mutant.replacements) {
    const found = source.split(r.find).length - 1;
    if (found !== r.count)
      throw new Error(
        `mutant ${mutant.name}: expected ${r.count} occurrence(s) of its snippet in ${mutant.file}, found ${found}`,
      );
    source = source.split(r.find).join(r.replace);
  }
  writeFileSync(mutant.marker, `${mutant.name} applied to ${url}\n`);
  return { ...loaded, source };
}
