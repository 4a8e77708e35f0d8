import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readRejects } from '../../shared/export/rejects-csv.js';
import type { ObjectStore } from '../../shared/ports/index.js';

/** An object store holding one file, served in chunks of `chunk` bytes (so characters get split). */
function oneFile(text: string, chunk: number): ObjectStore & { reads: number } {
  const bytes = Buffer.from(text, 'utf8');
  const store = {
    reads: 0,
    async get() {
      store.reads++;
      const body = Readable.from(
        (function* () {
          for (let i = 0; i < bytes.length; i += chunk) {
            store.reads++;
            yield bytes.subarray(i, i + chunk);
          }
        })(),
      );
      return { body, size: bytes.length, etag: 'e', versionId: null };
    },
    put: () => Promise.reject(new Error('read only')),
    list: () => Promise.reject(new Error('read only')),
    getText: () => Promise.reject(new Error('read only')),
    getBytes: () => Promise.reject(new Error('read only')),
    delete: () => Promise.reject(new Error('read only')),
  };
  return store;
}

const header = 'line,reason_code,message,Дата счета,Наименование,Количество\n';
const row = (i: number) => `${i + 1},unclassified-product,"Товар не распознан, добавьте артикул",10.02.2016,Кабель HDMI ${i} м,1\n`;

describe('readRejects', () => {
  it('reads the original header and rows whole, even with characters split across chunks', async () => {
    const store = oneFile(header + row(1) + row(2) + "4,bad-quantity,Not a number,10.02.2016,'=cmd,x\n", 7);
    const { columns, rows, more } = await readRejects(store, 'k', 500);
    expect(more).toBe(false);
    expect(columns).toEqual(['Дата счета', 'Наименование', 'Количество']);
    expect(rows).toEqual([
      { line: 2, code: 'unclassified-product', message: 'Товар не распознан, добавьте артикул', fields: ['10.02.2016', 'Кабель HDMI 1 м', '1'] },
      { line: 3, code: 'unclassified-product', message: 'Товар не распознан, добавьте артикул', fields: ['10.02.2016', 'Кабель HDMI 2 м', '1'] },
      // A cell neutralised against spreadsheet formulas is given back as the distributor sent it.
      { line: 4, code: 'bad-quantity', message: 'Not a number', fields: ['10.02.2016', '=cmd', 'x'] },
    ]);
  });

  it('stops at the limit without reading the rest of a large file', async () => {
    const text = header + Array.from({ length: 20_000 }, (_, i) => row(i + 1)).join('');
    const store = oneFile(text, 4096);
    const { rows, more } = await readRejects(store, 'k', 500);
    expect(rows).toHaveLength(500);
    expect(more).toBe(true);
    expect(rows.at(-1)!.line).toBe(501);
    expect(store.reads).toBeLessThan(text.length / 4096 / 4);
  });
});
