import { describe, expect, it } from 'vitest';
import { createProgress, duration, type ProgressStream } from '../../local/ui/progress.js';

/** An in-memory stream and a clock the test moves by hand. */
function harness(isTTY: boolean, columns = 80) {
  const writes: string[] = [];
  const stream: ProgressStream = { isTTY, columns, write: (s: string) => writes.push(s) };
  let t = 1_000;
  return {
    writes,
    stream,
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
  };
}

describe('progress without a terminal (CI logs)', () => {
  it('prints a bounded number of plain lines for 100k updates', () => {
    const h = harness(false);
    const p = createProgress({ label: 'Reading', total: 100_000, stream: h.stream, now: h.now });
    for (let i = 1; i <= 100_000; i++) {
      h.advance(1); // 100 s of simulated work
      p.update(i, 'file.csv');
    }
    p.done('3 reports');
    const out = h.writes.join('');
    const lines = out.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines.length).toBeLessThanOrEqual(12); // one per 10 s at most, plus the final line
    expect(out).not.toContain('\r');
    expect(out).not.toContain('\x1b');
    expect(lines.at(-1)).toBe('Reading: 100000/100000 in 1m 40s (1000/s) - 3 reports');
  });

  it('shows count, percent, rate and ETA', () => {
    const h = harness(false);
    const p = createProgress({ label: 'Lines', total: 1000, stream: h.stream, now: h.now });
    h.advance(10_000);
    p.update(250, 'a.csv');
    expect(h.writes).toEqual(['Lines: 250/1000 25% 25/s ETA 30s a.csv\n']);
  });

  it('works without a total', () => {
    const h = harness(false);
    const p = createProgress({ label: 'Lines', stream: h.stream, now: h.now });
    h.advance(20_000);
    p.update(400);
    p.done();
    expect(h.writes).toEqual(['Lines: 400 20/s\n', 'Lines: 400 in 20s (20/s)\n']);
  });
});

describe('progress on a terminal', () => {
  it('redraws in place at most ten times a second and ends with one newline', () => {
    const h = harness(true);
    const p = createProgress({ label: 'Reading', total: 100_000, stream: h.stream, now: h.now });
    for (let i = 1; i <= 100_000; i++) {
      h.advance(1);
      p.update(i);
    }
    p.done();
    const redraws = h.writes.slice(0, -1);
    expect(redraws.length).toBeLessThanOrEqual(1001); // 100 s × 10/s, plus the first draw
    expect(redraws.length).toBeGreaterThan(10);
    for (const w of redraws) {
      expect(w.startsWith('\r')).toBe(true);
      expect(w).not.toContain('\n');
    }
    expect(h.writes.join('').split('\n')).toHaveLength(2);
    expect(h.writes.at(-1)).toBe('\r\x1b[KReading: 100000/100000 in 1m 40s (1000/s)\n');
  });

  it('draws a bar and never wraps past the terminal width', () => {
    const h = harness(true, 40);
    const p = createProgress({ label: 'Загрузка', total: 10, stream: h.stream, now: h.now });
    h.advance(1000);
    p.update(5, 'очень длинное имя файла отчёта дистрибьютора.csv');
    const drawn = h.writes[0]!.replace('\r', '').replace('\x1b[K', '');
    expect(drawn.startsWith('Загрузка [##########----------] 5/10')).toBe(true);
    expect([...drawn].length).toBeLessThanOrEqual(39);
    expect(drawn.endsWith('…')).toBe(true);
  });

  it('ignores updates after done', () => {
    const h = harness(true);
    const p = createProgress({ label: 'x', stream: h.stream, now: h.now });
    p.done();
    const n = h.writes.length;
    h.advance(5000);
    p.update(1);
    p.done();
    expect(h.writes.length).toBe(n);
  });
});

describe('duration', () => {
  it.each([
    [850, '850ms'],
    [42_000, '42s'],
    [185_000, '3m 05s'],
    [7_620_000, '2h 07m'],
  ])('%d ms -> %s', (ms, s) => expect(duration(ms)).toBe(s));
});
