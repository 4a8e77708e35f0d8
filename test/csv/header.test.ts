import { describe, expect, it } from 'vitest';
import { chooseDelimiter, mapHeader, requireHeader } from '../../shared/csv/header.js';
import { REPORT_FIELD_ALIASES, normaliseHeaderName } from '../../shared/csv/index.js';
import { ReportHeaderError } from '../../shared/errors.js';

describe('header aliases', () => {
  it('gives every alias to one field only', () => {
    const all = Object.values(REPORT_FIELD_ALIASES).flat().map(normaliseHeaderName);
    expect(new Set(all).size).toBe(all.length);
  });

  it('maps every alias of every field, whatever the case and spacing', () => {
    for (const [field, aliases] of Object.entries(REPORT_FIELD_ALIASES)) {
      for (const alias of aliases) {
        expect(mapHeader(['x', `\u00a0 ${alias.toUpperCase()}  `])).toEqual({ [field]: 1 });
      }
    }
  });

  it('reads ё as е and runs of spaces as one', () => {
    expect(mapHeader(['Код  партнёра', 'КОЛ-ВО'])).toEqual({ partner_id: 0, quantity: 1 });
  });

  it('prefers the alias listed first when two columns name one field', () => {
    expect(mapHeader(['Дата отгрузки', 'Дата счета'])).toEqual({ invoice_date: 1 });
    expect(mapHeader(['Дата документа', 'Дата отгрузки'])).toEqual({ invoice_date: 1 });
  });

  it('says plainly what is missing when nothing is recognised', () => {
    try {
      requireHeader(['', ' A ']);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ReportHeaderError);
      const e = err as ReportHeaderError;
      expect(e.missing).toEqual(['invoice_date', 'invoice_number', 'partner_id', 'description', 'quantity']);
      expect(e.message).toContain('Columns found: "A".');
    }
  });
});

describe('chooseDelimiter', () => {
  const cases: [string, string][] = [
    ['date,invoice,partner,model,qty', ','],
    ['date;invoice;partner;model;qty', ';'],
    ['date\tinvoice\tpartner\tmodel\tqty', '\t'],
    // Commas inside names or quotes must not win over the real delimiter.
    ['Дата;Номер счета;Кол-во, шт;Товар, модель, цвет;Код партнера', ';'],
    ['"Date, shipped";"Invoice";"Partner";"Model";"Qty"', ';'],
    ['date;"a,b,c,d,e,f";qty', ';'],
    ['date', ','],
  ];
  for (const [line, delimiter] of cases) {
    it(`picks ${JSON.stringify(delimiter)} for ${line}`, () => {
      expect(chooseDelimiter(line)).toBe(delimiter);
    });
  }
});
