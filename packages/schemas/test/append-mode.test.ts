import { describe, expect, it } from 'vitest';

import { isStagedMode, parseDeclaration } from '../src/declaration.js';
import type { TableDeclarationInput } from '../src/declaration.js';
import { DeclarationError } from '../src/errors.js';
import { toTerraformTable } from '../src/export-terraform.js';
import { ordersInput } from '../test-support/example-tables.js';

/** `orders` as an append table: the firehose block goes, mode append comes in. */
function ordersAppend(extra: Partial<TableDeclarationInput> = {}): TableDeclarationInput {
  const { firehose: _firehose, ...rest } = ordersInput;
  return { ...rest, mode: 'append', ...extra };
}

function issuesOf(input: unknown): { path: string; message: string }[] {
  try {
    parseDeclaration(input);
  } catch (error) {
    expect(error).toBeInstanceOf(DeclarationError);
    return [...(error as DeclarationError).issues];
  }
  throw new Error('expected a DeclarationError');
}

describe('mode append', () => {
  it('defaults MODIFY and REMOVE to dropped-and-counted', () => {
    const d = parseDeclaration(ordersAppend());
    expect(d.mode).toBe('append');
    expect(d.append).toEqual({ modifies: 'drop', removes: 'drop' });
    expect(d.firehose).toBeUndefined();
    expect(isStagedMode(d.mode)).toBe(true);
  });

  it('keeps a quarantine policy when declared', () => {
    const d = parseDeclaration(ordersAppend({ append: { modifies: 'quarantine' } }));
    expect(d.append).toEqual({ modifies: 'quarantine', removes: 'drop' });
  });

  it('has no append block in the other modes', () => {
    const { firehose: _f, ...rest } = ordersInput;
    expect(issuesOf({ ...rest, mode: 'merge', append: { modifies: 'drop' } })).toEqual([
      { path: 'append', message: 'an append block only applies to mode "append"' },
    ]);
    expect(issuesOf({ ...ordersAppend(), firehose: ordersInput.firehose })).toEqual([
      { path: 'firehose', message: 'a firehose block only applies to mode "firehose"' },
    ]);
    expect(parseDeclaration(ordersInput).append).toBeUndefined();
    expect(isStagedMode('firehose')).toBe(false);
  });

  it('rejects an unknown policy with its path', () => {
    expect(issuesOf(ordersAppend({ append: { modifies: 'keep' as 'drop' } })).map((i) => i.path)).toEqual([
      'append.modifies',
    ]);
  });

  it('exports the mode to Terraform', () => {
    expect(toTerraformTable(parseDeclaration(ordersAppend())).mode).toBe('append');
  });
});
