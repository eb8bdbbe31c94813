/**
 * JSON with exact 64-bit integers. Iceberg snapshot ids are 63-bit longs (Java/Athena write them
 * with all bits used), which `JSON.parse` would round; Node 20 has no `JSON.parse` source-text
 * access, so this is a small recursive-descent parser (RFC 8259) that returns integers outside
 * Number's safe range as `bigint`. `stringifyLossless` writes `bigint` as bare integer literals.
 */
export type LosslessJson =
  null | boolean | number | bigint | string | LosslessJson[] | { [key: string]: LosslessJson };

export function parseLossless(text: string): LosslessJson {
  let pos = 0;
  const fail = (what: string): never => {
    throw new SyntaxError(`invalid JSON at position ${pos}: ${what}`);
  };
  const ws = (): void => {
    while (pos < text.length) {
      const c = text.charCodeAt(pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) pos++;
      else break;
    }
  };
  const value = (): LosslessJson => {
    ws();
    const c = text[pos];
    if (c === '{') {
      pos++;
      const out: Record<string, LosslessJson> = {};
      ws();
      if (text[pos] === '}') {
        pos++;
        return out;
      }
      for (;;) {
        ws();
        if (text[pos] !== '"') fail('expected a key');
        const key = str();
        ws();
        if (text[pos] !== ':') fail('expected ":"');
        pos++;
        out[key] = value();
        ws();
        if (text[pos] === ',') pos++;
        else if (text[pos] === '}') {
          pos++;
          return out;
        } else fail('expected "," or "}"');
      }
    }
    if (c === '[') {
      pos++;
      const out: LosslessJson[] = [];
      ws();
      if (text[pos] === ']') {
        pos++;
        return out;
      }
      for (;;) {
        out.push(value());
        ws();
        if (text[pos] === ',') pos++;
        else if (text[pos] === ']') {
          pos++;
          return out;
        } else fail('expected "," or "]"');
      }
    }
    if (c === '"') return str();
    if (text.startsWith('true', pos)) {
      pos += 4;
      return true;
    }
    if (text.startsWith('false', pos)) {
      pos += 5;
      return false;
    }
    if (text.startsWith('null', pos)) {
      pos += 4;
      return null;
    }
    const m = /^-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(pos, pos + 400));
    if (!m) return fail('unexpected character');
    pos += m[0].length;
    if (m[1] === undefined && m[2] === undefined) {
      const n = Number(m[0]);
      return Number.isSafeInteger(n) ? n : BigInt(m[0]);
    }
    return Number(m[0]);
  };
  const str = (): string => {
    // Strings hold no big numbers: delegate escapes to JSON.parse on the exact literal.
    const start = pos;
    pos++;
    while (pos < text.length) {
      const c = text[pos];
      if (c === '\\') pos += 2;
      else if (c === '"') {
        pos++;
        return JSON.parse(text.slice(start, pos)) as string;
      } else pos++;
    }
    return fail('unterminated string');
  };
  const result = value();
  ws();
  if (pos !== text.length) fail('trailing characters');
  return result;
}

export function stringifyLossless(value: unknown, indent = 2): string {
  const render = (v: unknown, depth: number): string => {
    const pad = indent > 0 ? '\n' + ' '.repeat(indent * (depth + 1)) : '';
    const end = indent > 0 ? '\n' + ' '.repeat(indent * depth) : '';
    const sep = indent > 0 ? ': ' : ':';
    if (typeof v === 'bigint') return v.toString();
    if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
    if (Array.isArray(v)) {
      if (v.length === 0) return '[]';
      return `[${v.map((x) => pad + render(x, depth + 1)).join(',')}${end}]`;
    }
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
    if (entries.length === 0) return '{}';
    return `{${entries.map(([k, x]) => `${pad}${JSON.stringify(k)}${sep}${render(x, depth + 1)}`).join(',')}${end}}`;
  };
  return render(value, 0);
}
