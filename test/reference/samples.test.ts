import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = new URL('../..', import.meta.url).pathname;
const SAMPLES = join(ROOT, 'samples', 'data');

async function files(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true }))
    if (e.isFile()) out.push(relative(dir, join(e.parentPath, e.name)));
  return out.sort();
}

describe('samples/build-samples.ts', () => {
  let out: string | undefined;
  afterAll(async () => {
    if (out) await rm(out, { recursive: true, force: true });
  });

  it('rebuilds exactly the committed samples/data (deterministic, and the committed files are current)', async () => {
    out = await mkdtemp(join(tmpdir(), 'samples-'));
    await promisify(execFile)(
      process.execPath,
      // tsx as a loader, not its CLI: the CLI keeps an IPC folder in the temp directory.
      ['--import', 'tsx', 'samples/build-samples.ts', out],
      {
        cwd: ROOT,
      },
    );
    const built = await files(out);
    expect(built).toEqual(await files(SAMPLES));
    for (const f of built) {
      const [a, b] = [await readFile(join(out, f)), await readFile(join(SAMPLES, f))];
      // Compare gzip content rather than bytes: the compressor's output may differ between zlib versions.
      if (f.endsWith('.gz')) expect(gunzipSync(a).equals(gunzipSync(b)), f).toBe(true);
      else expect(a.equals(b), `${f} differs: run npx tsx samples/build-samples.ts`).toBe(true);
    }
  });

  it('writes the orbita report in Windows-1251 with semicolons, and the kvant one with a BOM', async () => {
    const orbita = await readFile(join(SAMPLES, 'reports/orbita/orbita_sellout_Q1_2016.csv'));
    const header = new TextDecoder('windows-1251').decode(orbita.subarray(0, orbita.indexOf(0x0d)));
    expect(header).toBe('Дата;Номер счета;Код партнера;Артикул;Наименование;Кол-во;Сервисный код');
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(orbita)).toThrow();
    const kvant = await readFile(join(SAMPLES, 'reports/kvant/kvant-sellout-2016Q1.csv'));
    expect([...kvant.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  });
});
