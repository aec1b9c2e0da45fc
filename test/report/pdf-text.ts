/**
 * The text of a PDF written by Chromium (Skia/PDF), for tests: no PDF library is installed, and
 * Skia's output is regular. Each page's content stream (FlateDecode) shows glyph ids in hex
 * strings (`<0012003F> Tj`, `[<..> -3 <..>] TJ`) under a font selected by `/Fn size Tf`; each
 * font's /ToUnicode CMap (bfchar, bfrange) maps its glyph ids back to text. Text objects
 * (BT … ET) are joined by a newline, the pieces of one object without a separator.
 * This reads what the renderer really wrote: a figure missing from the page is missing here.
 */
import { inflateSync } from 'node:zlib';

interface Obj {
  dict: string;
  stream: Buffer | null;
}

function objects(pdf: Buffer): Map<string, Obj> {
  const s = pdf.toString('latin1');
  const out = new Map<string, Obj>();
  const re = /(\d+) 0 obj\s*/g;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    const end = s.indexOf('endobj', re.lastIndex);
    const body = s.slice(re.lastIndex, end);
    const at = body.indexOf('stream');
    let stream: Buffer | null = null;
    const dict = at >= 0 ? body.slice(0, at) : body;
    if (at >= 0) {
      let start = re.lastIndex + at + 'stream'.length;
      if (s[start] === '\r') start++;
      if (s[start] === '\n') start++;
      const len = Number(/\/Length (\d+)/.exec(dict)?.[1] ?? 0);
      const raw = pdf.subarray(start, start + len);
      stream = /\/FlateDecode/.test(dict) ? inflateSync(raw) : raw;
    }
    out.set(m[1]!, { dict, stream });
    re.lastIndex = end;
  }
  return out;
}

const hexToString = (hex: string) => String.fromCodePoint(...(hex.match(/.{4}/g) ?? []).map((h) => parseInt(h, 16)));

function cmap(text: string): Map<number, string> {
  const map = new Map<number, string>();
  for (const block of text.match(/beginbfchar([\s\S]*?)endbfchar/g) ?? []) for (const [, k, v] of block.matchAll(/<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>/g)) map.set(parseInt(k!, 16), hexToString(v!));
  for (const block of text.match(/beginbfrange([\s\S]*?)endbfrange/g) ?? [])
    for (const [, a, b, v] of block.matchAll(/<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>/g)) {
      const base = parseInt(v!, 16);
      for (let g = parseInt(a!, 16); g <= parseInt(b!, 16); g++) map.set(g, String.fromCodePoint(base + g - parseInt(a!, 16)));
    }
  return map;
}

/** The PDF's text, page after page. */
export function pdfText(pdf: Buffer): string {
  const objs = objects(pdf);
  const fonts = new Map<string, Map<number, string>>();
  for (const o of objs.values()) {
    const res = /\/Font\s*<<([^>]*)>>/.exec(o.dict);
    if (!res) continue;
    for (const [, name, ref] of res[1]!.matchAll(/\/(\w+)\s+(\d+) 0 R/g)) {
      const uni = /\/ToUnicode (\d+) 0 R/.exec(objs.get(ref!)?.dict ?? '');
      const stream = uni ? objs.get(uni[1]!)?.stream : null;
      if (stream) fonts.set(name!, cmap(stream.toString('latin1')));
    }
  }
  const pages: string[] = [];
  for (const o of objs.values()) {
    if (!/\/Type \/Page\b/.test(o.dict)) continue;
    const ref = /\/Contents (\d+) 0 R/.exec(o.dict)?.[1];
    const content = ref ? objs.get(ref)?.stream?.toString('latin1') : undefined;
    if (!content) continue;
    let font = new Map<number, string>();
    const parts: string[] = [];
    for (const [tok, name, hex] of content.matchAll(/\/(\w+)\s+[\d.]+\s+Tf|<([0-9A-Fa-f]*)>|\bET\b/g)) {
      if (name) font = fonts.get(name) ?? new Map();
      else if (hex !== undefined) for (const g of hex.match(/.{4}/g) ?? []) parts.push(font.get(parseInt(g, 16)) ?? '\uFFFD');
      else if (tok === 'ET') parts.push('\n');
    }
    pages.push(parts.join(''));
  }
  // NFKC: Chromium sets ligatures (ﬁ, ﬀ) as one glyph.
  return pages.join('\n\f\n').normalize('NFKC');
}
