import type { LagSample } from './lag-tracker.js';

export interface LagChartOptions {
  readonly samples: readonly LagSample[];
  /** Epoch ms of the start of the run (x = 0). */
  readonly startedAt: number;
  readonly mergeIntervalMs: number;
  /** Horizontal reference line (e.g. merge interval + 3 s). */
  readonly budgetMs?: number;
  readonly width?: number;
  readonly height?: number;
  readonly title?: string;
}

const COLORS: Record<string, string> = { books: '#1f77b4', orders: '#ff7f0e' };
const FALLBACK = ['#2ca02c', '#d62728', '#9467bd', '#8c564b'];

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Round step for about `n` ticks over `range`. */
function niceStep(range: number, n: number): number {
  const raw = range / Math.max(1, n);
  const magnitude = 10 ** Math.floor(Math.log10(raw || 1));
  for (const m of [1, 2, 5, 10]) if (raw <= m * magnitude) return m * magnitude;
  return 10 * magnitude;
}

/**
 * Lag over time as a standalone SVG: one dot per change (x = when it was written, seconds since the
 * start; y = lag in seconds), one colour per table, the merge budget as a dashed line. Plain SVG,
 * no chart library.
 */
export function renderLagChart(options: LagChartOptions): string {
  const width = options.width ?? 900;
  const height = options.height ?? 420;
  const m = { left: 60, right: 20, top: 40, bottom: 50 };
  const w = width - m.left - m.right;
  const h = height - m.top - m.bottom;
  const samples = options.samples;
  const maxX = Math.max(1, ...samples.map((s) => (s.writtenAt - options.startedAt) / 1000));
  const maxY = Math.max(1, (options.budgetMs ?? 0) / 1000, ...samples.map((s) => s.lagMs / 1000)) * 1.08;
  const x = (sec: number): number => m.left + (sec / maxX) * w;
  const y = (sec: number): number => m.top + h - (sec / maxY) * h;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
  );
  parts.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  parts.push(
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15">${escapeXml(options.title ?? 'Lag from DynamoDB write to lake visibility')}</text>`,
  );
  const xs = niceStep(maxX, 10);
  for (let t = 0; t <= maxX + 1e-9; t += xs) {
    parts.push(
      `<line x1="${x(t).toFixed(1)}" y1="${m.top + h}" x2="${x(t).toFixed(1)}" y2="${m.top}" stroke="#eee"/>`,
    );
    parts.push(
      `<text x="${x(t).toFixed(1)}" y="${m.top + h + 16}" text-anchor="middle">${+t.toFixed(2)}</text>`,
    );
  }
  const ys = niceStep(maxY, 8);
  for (let v = 0; v <= maxY + 1e-9; v += ys) {
    parts.push(
      `<line x1="${m.left}" y1="${y(v).toFixed(1)}" x2="${m.left + w}" y2="${y(v).toFixed(1)}" stroke="#eee"/>`,
    );
    parts.push(
      `<text x="${m.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${+v.toFixed(2)}</text>`,
    );
  }
  parts.push(`<line x1="${m.left}" y1="${m.top + h}" x2="${m.left + w}" y2="${m.top + h}" stroke="#333"/>`);
  parts.push(`<line x1="${m.left}" y1="${m.top}" x2="${m.left}" y2="${m.top + h}" stroke="#333"/>`);
  parts.push(
    `<text x="${m.left + w / 2}" y="${height - 10}" text-anchor="middle">write time (s since start)</text>`,
  );
  parts.push(
    `<text x="16" y="${m.top + h / 2}" text-anchor="middle" transform="rotate(-90 16 ${m.top + h / 2})">lag (s)</text>`,
  );
  if (options.budgetMs !== undefined) {
    const yb = y(options.budgetMs / 1000).toFixed(1);
    parts.push(
      `<line x1="${m.left}" y1="${yb}" x2="${m.left + w}" y2="${yb}" stroke="#c00" stroke-dasharray="6 4"/>`,
    );
    parts.push(
      `<text x="${m.left + w - 4}" y="${(Number(yb) - 5).toFixed(1)}" text-anchor="end" fill="#c00">merge interval + 3 s</text>`,
    );
  }
  const tables = [...new Set(samples.map((s) => s.table))].sort();
  tables.forEach((table, i) => {
    const color = COLORS[table] ?? FALLBACK[i % FALLBACK.length]!;
    const dots = samples
      .filter((s) => s.table === table)
      .map(
        (s) =>
          `<circle cx="${x((s.writtenAt - options.startedAt) / 1000).toFixed(1)}" cy="${y(s.lagMs / 1000).toFixed(1)}" r="2"/>`,
      )
      .join('');
    parts.push(`<g fill="${color}" fill-opacity="0.6">${dots}</g>`);
    parts.push(`<rect x="${m.left + 10}" y="${m.top + 6 + i * 18}" width="10" height="10" fill="${color}"/>`);
    parts.push(
      `<text x="${m.left + 26}" y="${m.top + 15 + i * 18}">${escapeXml(table)} (${samples.filter((s) => s.table === table).length} changes)</text>`,
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
