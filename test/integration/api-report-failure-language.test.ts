/**
 * A report that fails as a whole, for a reason no detail form reads back (a spreadsheet, an empty
 * file, a file already uploaded under another name), is said in Russian from the key and params
 * its error was thrown with and the report record keeps (issue #15); English reads as before.
 */
import '../../local/env-defaults.js'; // before the handler modules create their loggers
import { beforeAll, describe, expect, it } from 'vitest';
import { reportIdOf } from '../../shared/pipeline/ingest.js';
import { useTestApi } from '../support/api-client.js';
import { renderReport, salesOf, useLocalRuntime } from '../support/runtime.js';

const env = useLocalRuntime();
const api = useTestApi(env);

async function failure(reportId: string, acceptLanguage: string) {
  const res = await api.call('finance', 'GET', `/api/reports/${reportId}`, undefined, undefined, {
    'accept-language': acceptLanguage,
  });
  expect(res.status).toBe(200);
  return (res.body as { report: { status: string; error: Record<string, string> } }).report;
}

const XLSX = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(200, 0x41)]);
const report = renderReport([
  salesOf('VOSTRO 3568 NB 15.6 HD I5-7200U 4GB 1TB', 2)({ invoice: 'F-1', partnerId: 'RU920201' }),
]);

beforeAll(async () => {
  await env.importReference({
    partners: [{ id: 'RU920201', name: 'ООО «Сбой»', region: 'Central' }],
    distributors: [{ id: 'beta', segments: ['consumer', 'commercial'] }],
  });
}, 120_000);

describe("a failed report's reason in Russian, from its key", () => {
  it('a spreadsheet and an empty file each have their own Russian sentence', async () => {
    const sheet = reportIdOf(await env.upload('beta', 'q1.csv', XLSX));
    const empty = reportIdOf(await env.upload('beta', 'empty.csv', ''));
    const [sheetRu, sheetEn, emptyRu] = await Promise.all([
      failure(sheet, 'ru'),
      failure(sheet, 'en'),
      failure(empty, 'ru'),
    ]);
    expect(sheetEn.status).toBe('failed');
    expect(sheetEn.error).toEqual({
      code: 'not-text',
      message:
        'This is a ZIP archive or an Excel workbook (.xlsx), not a CSV file. Save the sheet as CSV and upload that.',
      text: 'This is a ZIP archive or an Excel workbook (.xlsx), not a CSV file. Save the sheet as CSV and upload that.',
      textLang: 'en',
    });
    expect(sheetRu.error).toEqual({
      ...sheetEn.error,
      text: 'Это архив ZIP или книга Excel (.xlsx), а не файл CSV. Сохраните лист как CSV и загрузите его.',
      textLang: 'ru',
    });
    expect(emptyRu.error).toMatchObject({
      code: 'empty-file',
      text: 'Файл пуст: в нём нет ни строки заголовка, ни записей.',
      textLang: 'ru',
    });
  });

  it('the same bytes under a second name name the first file and when it came, in Moscow time', async () => {
    const first = reportIdOf(await env.upload('beta', 'march.csv', report));
    const second = reportIdOf(await env.upload('beta', 'march-again.csv', report));
    const [firstEn, secondRu] = await Promise.all([failure(first, 'en'), failure(second, 'ru')]);
    expect(firstEn.status).toBe('processed');
    expect(secondRu.error).toMatchObject({ code: 'duplicate-file', textLang: 'ru' });
    expect(secondRu.error.text).toMatch(
      /^Этот файл байт в байт совпадает с «march\.csv», полученным \d\d\.\d\d\.\d{4} \d\d:\d\d(:\d\d)? МСК, /,
    );
    expect(secondRu.error.text).toContain('загрузите исправленный файл под именем «march.csv»');
  });
});
