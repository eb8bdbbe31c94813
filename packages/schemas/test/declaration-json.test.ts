import { describe, expect, it } from 'vitest';

import { declarationJson, sha256Hex, toDeclarationInput } from '../src/declaration-json.js';
import { parseDeclaration } from '../src/declaration.js';
import { books, orders } from '../test-support/example-tables.js';

const authors = parseDeclaration({
  name: 'authors',
  dynamodb: { tableName: 'authors-prod', partitionKey: 'pk', sortKey: 'born', ttlAttribute: 'expires_at' },
  columns: [
    { name: 'bio', type: 'struct<lang:string,text:string,links:array<string>>', description: 'nested map' },
    { name: 'born', type: 'bigint' },
    { name: 'author_id', type: 'string', source: 'pk' },
    { name: 'updated', type: 'timestamp', conversion: 'epoch-millis' },
  ],
  mode: 'merge',
  partitioning: ['bucket(8, author_id)'],
});

describe('toDeclarationInput', () => {
  it.each([books, orders, authors])('gives back the declaration when parsed again (%#)', (d) => {
    expect(parseDeclaration(toDeclarationInput(d))).toEqual(d);
    expect(parseDeclaration(JSON.parse(declarationJson(d)))).toEqual(d);
  });

  it('is stable text: the same declaration, the same JSON and hash', () => {
    const again = parseDeclaration(JSON.parse(declarationJson(authors)));
    expect(declarationJson(again)).toBe(declarationJson(authors));
    expect(sha256Hex(declarationJson(again))).toBe(sha256Hex(declarationJson(authors)));
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
