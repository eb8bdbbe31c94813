import { open, stat } from 'node:fs/promises';

/**
 * A `fetch` for `file://` URLs with HTTP Range support: Node 20's fetch rejects `file://`, and
 * icebird (through hyparquet) reads Parquet footers and pages with byte-range requests.
 */
export function installFileFetch(): () => void {
  const original = globalThis.fetch;
  const fileFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!url.startsWith('file://')) return original(input, init);
    const path = decodeURIComponent(url.slice('file://'.length));
    let size: number;
    try {
      size = (await stat(path)).size;
    } catch {
      return new Response(null, { status: 404, statusText: 'Not Found' });
    }
    const headers = new Headers(init?.headers);
    const method = init?.method ?? 'GET';
    if (method === 'HEAD')
      return new Response(null, { status: 200, headers: { 'content-length': String(size) } });
    const range = /^bytes=(\d*)-(\d*)$/.exec(headers.get('range') ?? '');
    let start = 0;
    let end = size - 1;
    if (range) {
      if (range[1] === '') start = Math.max(0, size - Number(range[2]));
      else {
        start = Number(range[1]);
        if (range[2] !== '') end = Math.min(size - 1, Number(range[2]));
      }
    }
    const length = Math.max(0, end - start + 1);
    const buf = Buffer.alloc(length);
    const fh = await open(path, 'r');
    try {
      await fh.read(buf, 0, length, start);
    } finally {
      await fh.close();
    }
    return new Response(buf, {
      status: range ? 206 : 200,
      headers: {
        'content-length': String(length),
        ...(range ? { 'content-range': `bytes ${start}-${end}/${size}` } : {}),
      },
    });
  };
  globalThis.fetch = fileFetch;
  return () => {
    globalThis.fetch = original;
  };
}
