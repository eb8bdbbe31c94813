import { XMLParser, XMLValidator } from 'fast-xml-parser';

/** One element of a parsed SVG document, with the classes of the groups around it. */
export interface SvgElement {
  readonly tag: string;
  readonly attrs: Readonly<Record<string, string>>;
  /** The element's own text (a `<text>` element's content). */
  readonly text: string;
  /** `class` attributes of the element and its ancestors, innermost first. */
  readonly classes: readonly string[];
}

type Node = Record<string, unknown>;

/**
 * Parses `svg` as XML (throwing when it is not well-formed) and lists its elements in document
 * order. fast-xml-parser's `preserveOrder` output keeps each element as `{ tag: children, ':@': attrs }`.
 */
export function parseSvg(svg: string): SvgElement[] {
  const valid = XMLValidator.validate(svg);
  if (valid !== true) throw new Error(`not well-formed XML: ${valid.err.msg} at line ${valid.err.line}`);
  const parser = new XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: '',
    parseAttributeValue: false,
    parseTagValue: false,
    trimValues: false,
  });
  const out: SvgElement[] = [];
  const walk = (nodes: readonly Node[], outer: readonly string[]): void => {
    for (const node of nodes) {
      const tag = Object.keys(node).find((k) => k !== ':@');
      if (tag === undefined || tag === '#text') continue;
      const attrs = (node[':@'] ?? {}) as Record<string, string>;
      const children = node[tag] as Node[];
      const text = children
        .filter((c) => '#text' in c)
        .map((c) => String(c['#text']))
        .join('');
      const classes = attrs.class === undefined ? outer : [attrs.class, ...outer];
      out.push({ tag, attrs, text, classes });
      walk(children, classes);
    }
  };
  walk(parser.parse(svg) as Node[], []);
  return out;
}

/** Texts drawn inside groups whose class includes `role` (e.g. `role-axis-title`). */
export function textsOf(elements: readonly SvgElement[], role: string): string[] {
  return elements
    .filter((e) => e.tag === 'text' && e.classes.some((c) => c.split(' ').includes(role)))
    .map((e) => e.text);
}

/** `aria-label`s of the data marks (Vega's `role-mark` groups), in document order. */
export function markLabels(elements: readonly SvgElement[]): string[] {
  return elements
    .filter((e) => e.attrs['aria-label'] !== undefined && e.classes.some((c) => c.includes('role-mark')))
    .map((e) => e.attrs['aria-label']!);
}
