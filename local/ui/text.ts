/**
 * Terminal column widths of text, so tables and progress lines stay aligned with Cyrillic,
 * accents, CJK and emoji. Counted per grapheme cluster (what a person sees as one character):
 * a cluster is 2 columns when it is East Asian wide/fullwidth or an emoji, 0 when it is only
 * combining or invisible marks, else 1 (Latin, Cyrillic, `é` written as e + U+0301 …).
 */

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

const EMOJI = /\p{Emoji_Presentation}|\uFE0F/u;
const INVISIBLE = /^[\p{Mn}\p{Me}\p{Cf}\p{Cc}]+$/u;

// East Asian Wide and Fullwidth blocks (the ranges terminals draw two columns wide).
const WIDE: readonly (readonly [number, number])[] = [
  [0x1100, 0x115f],
  [0x2e80, 0x303e],
  [0x3041, 0x33ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa000, 0xa4cf],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe30, 0xfe4f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
  [0x20000, 0x3fffd],
];

function clusterWidth(g: string): number {
  if (INVISIBLE.test(g)) return 0;
  if (EMOJI.test(g)) return 2;
  const cp = g.codePointAt(0) ?? 0;
  return WIDE.some(([lo, hi]) => cp >= lo && cp <= hi) ? 2 : 1;
}

// Printable Latin, Greek and Cyrillic without combining or invisible marks, and common
// punctuation: one column per UTF-16 unit, so the grapheme walk (slow on a table of thousands of
// rows) is skipped.
const ONE_COLUMN_EACH = /^[\x20-\x7e\u00a0-\u00ac\u00ae-\u02ff\u0370-\u0482\u048a-\u052f\u2010-\u2027\u202f-\u205f\u20a0-\u20c0]*$/;

export function displayWidth(s: string): number {
  if (ONE_COLUMN_EACH.test(s)) return s.length;
  let w = 0;
  for (const { segment } of graphemes.segment(s)) w += clusterWidth(segment);
  return w;
}

/** Cuts `s` to at most `max` columns, ending in `…` when something was cut. */
export function truncateToWidth(s: string, max: number): string {
  if (displayWidth(s) <= max) return s;
  let out = '';
  let w = 0;
  for (const { segment } of graphemes.segment(s)) {
    const cw = clusterWidth(segment);
    if (w + cw > max - 1) break;
    out += segment;
    w += cw;
  }
  return max >= 1 ? out + '…' : '';
}

/**
 * Control characters replaced by spaces: text from distributors could otherwise carry escape
 * sequences into a terminal, and tabs or newlines would break the layout.
 */
export function terminalSafe(s: string): string {
  return s.replace(/\p{Cc}/gu, ' ');
}
