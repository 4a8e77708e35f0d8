import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputValidationError } from '../../shared/errors.js';
import { loadDataFolder } from '../../shared/reference/data-folder.js';

const SAMPLES = new URL('../../samples/data', import.meta.url).pathname;

/** Data rows of a sample CSV (non-blank lines after the header). */
async function dataRows(file: string): Promise<number> {
  const text = await readFile(join(SAMPLES, file), 'utf8');
  return text.split(/\r?\n/).filter((l) => l.trim()).length - 1;
}

describe('loadDataFolder on samples/data', () => {
  it('reads every reference file without a problem', async () => {
    const { reference, errors } = await loadDataFolder(SAMPLES);
    expect(errors).toEqual([]);
    expect(reference.partners).toHaveLength(await dataRows('partners.csv'));
    expect(reference.distributors).toHaveLength(await dataRows('distributors.csv'));
    expect(reference.acceptances).toHaveLength(await dataRows('acceptances.csv'));
    expect(reference.trainings).toHaveLength(await dataRows('trainings.csv'));
    expect(reference.catalog).toHaveLength(await dataRows('catalog.csv'));
    expect(reference.partners.length).toBeGreaterThanOrEqual(20);
    expect(reference.distributors.map((d) => d.id).sort()).toEqual(['kvant', 'meridian', 'orbita']);
  });

  it('finds the reports of every distributor folder, recursively, .gz included', async () => {
    const { reference, reports } = await loadDataFolder(SAMPLES);
    const folders = (await readdir(join(SAMPLES, 'reports'), { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
    expect(folders).toEqual(reference.distributors.map((d) => d.id).sort());
    for (const id of folders) expect(reports.some((r) => r.distributorId === id)).toBe(true);
    expect(reports).toHaveLength(4);
    const gz = reports.find((r) => r.name.endsWith('.csv.gz'));
    expect(gz).toMatchObject({ distributorId: 'meridian', name: 'meridian_2016-02.csv.gz' });
    expect(gz!.path).toBe(join(SAMPLES, 'reports', 'meridian', 'meridian_2016-02.csv.gz'));
    expect(reports.map((r) => `${r.distributorId}/${r.name}`)).toContain(
      'meridian/2016-03/meridian_march_2016.csv',
    );
    // The cp1251 report is listed like any other: encodings are the report reader's business.
    expect(reports.map((r) => r.distributorId)).toContain('orbita');
  });

  it('the sample reference data is as the README describes', async () => {
    const { reference } = await loadDataFolder(SAMPLES);
    const acceptedAt = (id: string) => reference.acceptances.find((a) => a.partnerId === id)?.acceptedAt;
    expect(acceptedAt('RU100112')).toBe('2016-04-01T00:00:00+03:00');
    expect(acceptedAt('RU100113')).toBe('2016-03-31T23:59:59+03:00');
    expect(reference.trainings.some((t) => t.courseCode === 'LATRUGGED-SALES')).toBe(true);
    expect(new Set(reference.partners.map((p) => p.region))).toContain('Retail');
  });
});

describe('loadDataFolder on a folder with problems', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'data-folder-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const put = async (rel: string, content: string | Buffer) => {
    await mkdir(join(dir, rel, '..'), { recursive: true });
    await writeFile(join(dir, rel), content);
  };

  it('names each missing required file, but not the optional catalog', async () => {
    await put('partners.csv', 'partner_id,name,status,region\nRU100101,A,Registered,Central\n');
    await put('distributors.csv', 'distributor_id,name,segments\norbita,O,consumer\n');
    await put('reports/orbita/a.csv', 'x\n');
    const { reference, reports, errors } = await loadDataFolder(dir);
    expect(reference.partners).toHaveLength(1);
    expect(reference.catalog).toEqual([]);
    expect(reports).toHaveLength(1);
    expect(errors.map((e) => e.file)).toEqual(['acceptances.csv', 'trainings.csv']);
    expect(errors[0]!.message).toMatch(/^acceptances\.csv is missing from the data folder/);
    expect(errors[1]!.message).toMatch(/^trainings\.csv is missing/);
  });

  it('reports row problems with their file and line, and report files that belong to no distributor', async () => {
    await put('partners.csv', 'partner_id,name,status,region\nRU100101,A,Gold,Central\n');
    await put('distributors.csv', 'distributor_id,name,segments\norbita,O,consumer\n');
    await put('acceptances.csv', 'partner_id,program,plan,accepted_at\n');
    await put('trainings.csv', 'partner_id,course_code,completed_at\n');
    await put('reports/stray.csv', 'x\n');
    await put('reports/.hidden.csv', 'x\n');
    await put('reports/orbita/.~lock.a.csv#', 'x\n');
    await put('reports/orbita/notes.txt', 'x\n');
    await put('reports/orbita/jan/b.CSV', 'x\n');
    await put('reports/orbita/a.csv.gz', Buffer.from([0x1f, 0x8b]));
    await put('reports/ocs/c.csv', 'x\n');
    const { reports, errors } = await loadDataFolder(dir);
    expect(reports.map((r) => `${r.distributorId}/${r.name}`)).toEqual([
      'ocs/c.csv',
      'orbita/a.csv.gz',
      'orbita/jan/b.CSV',
    ]);
    expect(errors[0]!.issue).toMatchObject({ kind: 'cell-invalid', column: 'status', value: 'Gold' });
    expect(errors.map(({ file, line, message }) => ({ file, line, message }))).toEqual([
      { file: 'partners.csv', line: 2, message: 'line 2: status "Gold" must be Registered or Preferred' },
      expect.objectContaining({
        file: 'reports/ocs',
        message: expect.stringContaining('no distributor in distributors.csv'),
      }),
      expect.objectContaining({
        file: 'reports/orbita/notes.txt',
        message: expect.stringContaining('not a .csv or .csv.gz'),
      }),
      expect.objectContaining({
        file: 'reports/stray.csv',
        message: expect.stringContaining('not inside a distributor folder'),
      }),
    ]);
  });

  it('matches report folders to distributors in any case, warning only about a folder that matches none', async () => {
    await put('partners.csv', 'partner_id,name,status,region\nRU100101,A,Registered,Central\n');
    await put('distributors.csv', 'distributor_id,name,segments\nD-MERL,M,consumer\nOrbita,O,consumer\n');
    await put('acceptances.csv', 'partner_id,program,plan,accepted_at\n');
    await put('trainings.csv', 'partner_id,course_code,completed_at\n');
    await put('reports/d-merl/a.csv', 'x\n');
    await put('reports/ORBITA/jan/b.csv', 'x\n');
    await put('reports/ORBITA/notes.txt', 'x\n');
    await put('reports/D-Kvant/c.csv', 'x\n');
    const { reports, errors } = await loadDataFolder(dir);
    // Reports carry the distributor's key, whatever the folder's case.
    expect(reports.map((r) => `${r.distributorId}/${r.name}`)).toEqual([
      'd-kvant/c.csv',
      'orbita/jan/b.csv',
      'd-merl/a.csv',
    ]);
    expect(errors.map(({ file, line, message }) => ({ file, line, message }))).toEqual([
      {
        file: 'reports/D-Kvant',
        line: null,
        message: 'reports/D-Kvant/ is named after no distributor in distributors.csv (known: D-MERL, Orbita)',
      },
      // Paths in messages are the folder's own name on disk.
      expect.objectContaining({ file: 'reports/ORBITA/notes.txt' }),
    ]);
  });

  it('says so when a reference file is not UTF-8 or empty, or there is no reports folder', async () => {
    await put('partners.csv', Buffer.from([0xcf, 0xe0, 0xf0, 0xf2, 0xed, 0xe5, 0xf0, 0x0a])); // "Партнер" in Windows-1251
    await put('distributors.csv', 'distributor_id,name,segments\n');
    await put('acceptances.csv', '');
    await put('trainings.csv', 'partner_id,course_code,completed_at\n');
    const { errors } = await loadDataFolder(dir);
    expect(errors.map((e) => e.file)).toEqual(['partners.csv', 'acceptances.csv', 'reports']);
    expect(errors[0]!.message).toContain('not UTF-8');
    expect(errors[1]!.message).toBe(
      'line 1: the file is empty; it needs a header line: partner_id,program,plan,accepted_at',
    );
    expect(errors[2]!.message).toContain('no reports folder');
  });

  it('throws when the folder itself cannot be read', async () => {
    await expect(loadDataFolder(join(dir, 'nope'))).rejects.toBeInstanceOf(InputValidationError);
  });
});
