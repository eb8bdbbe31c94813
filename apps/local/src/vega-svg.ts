import type { TopLevelSpec } from 'vega-lite';

/**
 * Settings every chart of this package shares: a white background (the SVGs are shown on GitHub,
 * whose dark theme would otherwise put black axes on black) and one sans-serif font.
 */
export const CHART_CONFIG = {
  background: 'white',
  font: 'Helvetica, Arial, sans-serif',
  title: { fontSize: 15, subtitleFontSize: 12, subtitleColor: '#4a5568', anchor: 'start' },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#edf2f7' },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 320 },
} as const;

/**
 * A Vega-Lite spec as a standalone SVG document (no fonts, scripts or external data to load).
 *
 * Vega-Lite compiles the spec to a Vega spec; Vega runs it headless with the `none` renderer and
 * `View.toSVG` writes the scene graph as SVG markup. That path needs no `canvas` package: without
 * one, Vega estimates text widths instead of measuring them, which only shifts legend and title
 * layout by a few pixels ("Headless" and `toSVG` in https://vega.github.io/vega/docs/api/view/).
 * Only inline `data.values` are used, so the loader never touches the file system or network.
 */
export async function renderVegaLiteSvg(spec: TopLevelSpec): Promise<string> {
  // Loaded on first use: every command module is imported when the CLI starts, and Vega's import
  // alone took 0.3 to 1.2 s on the 2-core machine (measured), which `--help` should not pay.
  const [{ parse, View }, { compile }] = await Promise.all([import('vega'), import('vega-lite')]);
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    return svg.endsWith('\n') ? svg : `${svg}\n`;
  } finally {
    view.finalize();
  }
}
