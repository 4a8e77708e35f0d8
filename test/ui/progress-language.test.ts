/**
 * A progress line in the language of the CLI's --lang (issue #15): its own words (in, ETA, s) and
 * the counted noun agree with the figures in Russian; English is unchanged (progress.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { cliWords } from '../../local/cli-words.js';
import { createProgress, duration, type ProgressStream } from '../../local/ui/progress.js';

function harness() {
  const writes: string[] = [];
  const stream: ProgressStream = { isTTY: false, write: (s: string) => writes.push(s) };
  let t = 1_000;
  return { writes, stream, now: () => t, advance: (ms: number) => void (t += ms) };
}

describe('a Russian progress line', () => {
  it('says the figures, ETA and time in Russian, the noun agreeing with the total', () => {
    const say = cliWords('ru');
    const h = harness();
    const p = createProgress({
      label: say.readingReports(3),
      total: 1000,
      unit: say.lines,
      lang: 'ru',
      stream: h.stream,
      now: h.now,
    });
    h.advance(10_000);
    p.update(100);
    h.advance(10_000);
    p.update(200);
    p.done();
    const [first, mid, last] = h.writes;
    expect(first).toBe('читаем 3 отчёта: 100/1\u00a0000 строк 10% 10 строк/с осталось 1 мин 30 с\n');
    expect(mid).toBe('читаем 3 отчёта: 200/1\u00a0000 строк 20% 10 строк/с осталось 1 мин 20 с\n');
    expect(last).toBe('читаем 3 отчёта: 200/1\u00a0000 строк за 20 с (10 строк/с)\n');
    for (const line of h.writes) expect(line.match(/[A-Za-z]{2,}/g) ?? []).toEqual([]);
  });

  it('counts quarters and reports in the forms Russian gives them', () => {
    const say = cliWords('ru');
    expect([1, 2, 5, 21].map((n) => `${n} ${say.quarters(n)}`)).toEqual([
      '1 квартал',
      '2 квартала',
      '5 кварталов',
      '21 квартал',
    ]);
    expect(say.readingReports(1)).toBe('читаем 1 отчёт');
    expect(say.readingReports(11)).toBe('читаем 11 отчётов');
  });

  it('says durations in Russian units, and in English as before', () => {
    expect([850, 42_000, 185_000, 7_620_000].map((ms) => duration(ms, 'ru'))).toEqual([
      '850 мс',
      '42 с',
      '3 мин 05 с',
      '2 ч 07 мин',
    ]);
    expect([850, 42_000, 185_000, 7_620_000].map((ms) => duration(ms))).toEqual([
      '850ms',
      '42s',
      '3m 05s',
      '2h 07m',
    ]);
  });
});
