import Papa from 'papaparse';
import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { RejectsCsvWriter } from '../../shared/export/rejects-csv.js';
import { csvPlainText } from '../../shared/export/csv-cell.js';

describe('RejectsCsvWriter', () => {
  it('writes the header with the original field names, then each reject with its fields', () => {
    const w = new RejectsCsvWriter(['Дата', 'Партнер', 'Кол-во']);
    w.add({
      line: 2,
      fields: ['15.02.2016', 'P1', 'два'],
      code: 'bad-quantity',
      message: 'Quantity "два" is not a whole number.',
    });
    w.add({
      line: 7,
      fields: ['2016-02-30', 'P2', '1'],
      code: 'bad-date',
      message: 'No such date, 2016-02-30.',
    });
    expect(w.toString()).toBe(
      'line,reason_code,message,Дата,Партнер,Кол-во\n' +
        '2,bad-quantity,"Quantity ""два"" is not a whole number.",15.02.2016,P1,два\n' +
        '7,bad-date,"No such date, 2016-02-30.",2016-02-30,P2,1\n',
    );
  });

  it('has a short header when the file header itself was the problem', () => {
    const w = new RejectsCsvWriter(null);
    w.add({ line: 1, fields: [], code: 'header-missing-fields', message: 'The header lacks quantity.' });
    expect(w.toString()).toBe(
      'line,reason_code,message\n1,header-missing-fields,The header lacks quantity.\n',
    );
  });

  it('counts rejects per reason code', () => {
    const w = new RejectsCsvWriter(['a']);
    expect(w.rowCount).toBe(0);
    expect(w.countsByCode()).toEqual({});
    for (const code of [
      'unknown-partner',
      'bad-date',
      'unknown-partner',
      'bad-quantity',
      'unknown-partner',
    ]) {
      w.add({ line: 2, fields: ['x'], code, message: 'm' });
    }
    expect(w.rowCount).toBe(5);
    expect(w.countsByCode()).toEqual({ 'bad-date': 1, 'bad-quantity': 1, 'unknown-partner': 3 });
    expect(Object.keys(w.countsByCode())).toEqual(['bad-date', 'bad-quantity', 'unknown-partner']);
  });

  it.each([
    '=SUM(A1)',
    '+7 999',
    '-2',
    '@cmd',
    '\tx',
    '\rx',
    '\nx',
    '＝SUM(A1)',
    '＋7',
    '－2',
    '＠cmd',
    '﹫cmd',
    ' =1+1',
    '\u00a0=1+1',
    '\u3000-2',
  ])(
    'neutralises the formula-looking original field %j (and header names)',
    (value) => {
      const w = new RejectsCsvWriter([value, 'qty']);
      w.add({ line: 3, fields: [value, '-1'], code: 'bad-partner', message: value });
      const quoted = `"'${value}"`;
      expect(w.toString()).toBe(
        `line,reason_code,message,${quoted},qty\n3,bad-partner,${quoted},${quoted},"'-1"\n`,
      );
      // A CSV reader sees the text with its leading quote, not a formula.
      const rows = Papa.parse<string[]>(w.toString().trimEnd(), { newline: '\n' }).data;
      expect(rows[1]?.[3]).toBe(`'${value}`);
      // What the API reads back from the rejects file is what the distributor sent.
      expect(csvPlainText(rows[1]![3]!)).toBe(value);
    },
  );

  it('keeps every field of a line with a wrong field count', () => {
    const w = new RejectsCsvWriter(['a', 'b']);
    w.add({
      line: 4,
      fields: ['1', '2', '3', '4'],
      code: 'field-count',
      message: 'Four fields, two expected.',
    });
    expect(w.toString().split('\n')[1]).toBe('4,field-count,"Four fields, two expected.",1,2,3,4');
  });

  it('holds many rejects as chunks that join to the whole file, and reports its byte size', async () => {
    const w = new RejectsCsvWriter(['партнер', 'qty']);
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      w.add({
        line: i + 2,
        fields: [`партнёр ${i}`, 'x'],
        code: i % 2 ? 'bad-quantity' : 'bad-date',
        message: 'bad',
      });
    }
    const chunks = [...w.toChunks()];
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) expect(c.endsWith('\n')).toBe(true);
    const whole = chunks.join('');
    expect(whole).toBe(w.toString()); // iterating twice gives the same file
    expect(w.toBuffer().equals(Buffer.from(whole, 'utf8'))).toBe(true);
    const rows = whole.trimEnd().split('\n');
    expect(rows).toHaveLength(n + 1);
    expect(rows[n]).toBe(`${n + 1},bad-quantity,bad,партнёр ${n - 1},x`);
    expect(w.byteLength).toBe(Buffer.byteLength(whole, 'utf8'));
    expect(await text(w.toReadable())).toBe(whole);
    expect(w.countsByCode()).toEqual({ 'bad-date': n / 2, 'bad-quantity': n / 2 });
  });

  it('goes on in a temporary file past its memory budget, with the same bytes, removed by dispose', async () => {
    const rows = (w: RejectsCsvWriter) => {
      for (let i = 0; i < 30_000; i++)
        w.add({ line: i + 2, fields: [`партнёр ${i}`, '="x"'], code: 'bad-date', message: `строка ${i}` });
      return w;
    };
    const inMemory = rows(new RejectsCsvWriter(['партнер', 'qty']));
    const spilling = rows(new RejectsCsvWriter(['партнер', 'qty'], { memoryBytes: 100_000 }));
    expect(inMemory.spilled).toBe(false);
    expect(spilling.spilled).toBe(true);
    const whole = inMemory.toString();
    expect(await text(spilling.toReadable())).toBe(whole);
    expect(spilling.toString()).toBe(whole);
    expect(spilling.toBuffer().equals(Buffer.from(whole, 'utf8'))).toBe(true);
    expect(spilling.toBuffer().equals(inMemory.toBuffer())).toBe(true);
    expect(spilling.byteLength).toBe(Buffer.byteLength(whole, 'utf8'));
    const dir = (spilling as unknown as { spill: { dir: string } }).spill.dir;
    expect(existsSync(dir)).toBe(true);
    spilling.dispose();
    expect(existsSync(dir)).toBe(false);
  });
});
