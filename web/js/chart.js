/**
 * A horizontal bar chart as inline SVG: one labelled bar per item, the value written beside it.
 * The SVG is an image with a title and a description listing every value, for screen readers.
 */
import { h, svg } from './dom.js';
import { t } from './i18n.js';

const ROW = 28;
const LABEL_W = 150;
const VALUE_W = 150;
const WIDTH = 640;

let ids = 0;

/** items: [{ label, value: number (for bar length only), text: formatted value }] */
export function barChart(title, items) {
  const id = `chart-${++ids}`;
  const max = Math.max(...items.map((i) => Math.abs(i.value)), 1);
  const barSpace = WIDTH - LABEL_W - VALUE_W;
  const height = Math.max(items.length, 1) * ROW + 8;
  const desc = items.map((i) => t('chartDesc', { label: i.label, value: i.text })).join('; ');
  return h(
    'figure',
    { class: 'chart' },
    h('figcaption', { id: `${id}-title` }, title),
    svg(
      'svg',
      {
        viewBox: `0 0 ${WIDTH} ${height}`,
        role: 'img',
        'aria-labelledby': `${id}-title ${id}-desc`,
        preserveAspectRatio: 'xMinYMin meet',
      },
      svg('desc', { id: `${id}-desc` }, desc),
      items.map((item, n) => {
        const y = 4 + n * ROW;
        const w = Math.max((Math.abs(item.value) / max) * barSpace, item.value ? 2 : 0);
        return svg(
          'g',
          { class: item.value < 0 ? 'bar negative' : 'bar' },
          svg(
            'text',
            {
              x: LABEL_W - 8,
              y: y + ROW / 2,
              'text-anchor': 'end',
              'dominant-baseline': 'middle',
              class: 'label',
            },
            item.label,
          ),
          svg('rect', { x: LABEL_W, y: y + 4, width: w.toFixed(1), height: ROW - 8, rx: 3 }),
          svg(
            'text',
            { x: LABEL_W + w + 6, y: y + ROW / 2, 'dominant-baseline': 'middle', class: 'value' },
            item.text,
          ),
        );
      }),
    ),
  );
}
