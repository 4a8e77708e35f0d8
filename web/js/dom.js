/**
 * `h('p', { class: 'x', onclick }, 'text', child)`: builds elements. Text is always set as text,
 * never parsed as HTML, so data from reports cannot inject markup.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

function setAttrs(el, attrs) {
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    // `style: { width: '40%' }`: the deployed CSP (style-src 'self') drops style attributes but
    // allows properties set through the CSSOM.
    else if (k === 'style' && typeof v === 'object')
      for (const [prop, value] of Object.entries(v)) el.style.setProperty(prop, value);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(typeof c === 'string' || typeof c === 'number' ? String(c) : c);
  }
}

/** A table with a caption, column headers (scope=col) and rows; `numeric` columns align right. */
export function table({ caption, columns, rows, foot, className }) {
  const cls = (c) => (c.numeric ? 'num' : undefined);
  return h(
    'table',
    { class: className },
    caption ? h('caption', {}, caption) : null,
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        columns.map((c) => h('th', { scope: 'col', class: cls(c) }, c.label)),
      ),
    ),
    h(
      'tbody',
      {},
      rows.map((r) =>
        h(
          'tr',
          { class: r.className },
          r.cells.map((cell, i) =>
            i === 0 && r.rowHeader
              ? h('th', { scope: 'row' }, cell)
              : h('td', { class: cls(columns[i]) }, cell),
          ),
        ),
      ),
    ),
    foot
      ? h(
          'tfoot',
          {},
          h(
            'tr',
            {},
            foot.map((cell, i) =>
              i === 0 ? h('th', { scope: 'row' }, cell) : h('td', { class: cls(columns[i]) }, cell),
            ),
          ),
        )
      : null,
  );
}

/** A polite live message (status) or an alert. */
export const message = (text, kind = 'info') =>
  h('p', { class: `message ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
