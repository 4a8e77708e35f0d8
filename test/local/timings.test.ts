import { describe, expect, it } from 'vitest';
import { PhaseClock } from '../../local/timings.js';

describe('PhaseClock (rebates run --timings)', () => {
  it('reports overlapping phases in the order they started, each with its start, end and duration', async () => {
    let now = 0;
    let cpu = 0;
    const clock = new PhaseClock(() => now, true, () => cpu);
    now = 1000;
    const endLoad = clock.start('load');
    now = 1500;
    cpu = 200;
    const stack = clock.time('stack', async () => {
      now = 4000;
      cpu = 900;
    });
    await stack;
    now = 4250;
    cpu = 1000;
    endLoad();
    cpu = 1200;
    endLoad(); // a second end changes nothing
    now = 5000;
    clock.start('never ends');
    now = 6000;

    expect(clock.list().map((p) => [p.name, p.startMs, p.endMs])).toEqual([
      ['load', 1000, 4250],
      ['stack', 1500, 4000],
      ['never ends', 5000, undefined],
    ]);
    const lines = clock.report().split('\n');
    expect(lines[0]).toMatch(/^phase\s+from\s+to\s+took\s+cpu$/);
    // The CPU this process used while each phase ran: overlapping phases share it.
    expect(lines[2]).toMatch(/^load\s+1\.00 s\s+4\.25 s\s+3\.25 s\s+1\.00 s$/);
    expect(lines[3]).toMatch(/^stack\s+1\.50 s\s+4\.00 s\s+2\.50 s\s+0\.70 s$/);
    expect(lines[4]).toMatch(/^never ends\s+5\.00 s\s+unfinished$/);
    expect(lines.at(-1)).toContain('6.00 s in all, 1.20 s of CPU in this process');
  });

  it('records nothing until enabled, and still runs the work it is given', async () => {
    let now = 0;
    const clock = new PhaseClock(() => now, false);
    clock.start('before')();
    expect(await clock.time('work', async () => 42)).toBe(42);
    expect(clock.list()).toEqual([]);
    clock.enable();
    now = 10;
    clock.start('after')();
    expect(clock.list()).toMatchObject([{ name: 'after', startMs: 10, endMs: 10 }]);
  });

  it('ends a phase whose work throws, and passes the error on', async () => {
    let now = 0;
    const clock = new PhaseClock(() => now);
    await expect(
      clock.time('fails', async () => {
        now = 700;
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    expect(clock.list()).toMatchObject([{ name: 'fails', startMs: 0, endMs: 700 }]);
  });
});
