/**
 * Identifiers are matched by key and shown as written (data-formats.md, "Reference data"): the
 * helpers that render them, and the report check, whose tallies and messages carry the distributor
 * as the registry writes it.
 */
import { describe, expect, it } from 'vitest';
import type { ReportRecord } from '../../shared/csv/read-report.js';
import { asWrittenIn, distributorKey, lineAsWritten } from '../../shared/domain/ids.js';
import { RulesBook } from '../../shared/domain/rules/load.js';
import { ReportTallier, type PriorClaims } from '../../shared/pipeline/lines.js';
import type { IngestReference } from '../../shared/pipeline/lines.js';
import { aPartner, sampleRules } from '../support/domain-fixtures.js';

const VOSTRO = 'VOSTRO 3568 NB 15.6 HD I5-7200U 4GB 1TB';
const MONITOR = 'Монитор Dell P2417H';

describe('rendering IDs as written', () => {
  it('gives a payout line its IDs as written, and the key when it was stored without them', () => {
    const line = { partnerId: 'RU100101', distributorId: 'd-merl', program: 'client', units: 3 };
    expect(lineAsWritten({ ...line, partnerDisplayId: 'ru100101', distributorDisplayId: 'D-MERL' })).toEqual({
      ...line,
      partnerId: 'ru100101',
      distributorId: 'D-MERL',
    });
    expect(lineAsWritten(line)).toEqual(line);
  });

  it('looks a key up as written, or gives the key back for an entity it does not know', () => {
    const shown = asWrittenIn([
      { id: 'd-merl', displayId: 'D-MERL' },
      { id: 'kvant', displayId: '' },
    ]);
    expect([shown('d-merl'), shown('kvant'), shown('orbita')]).toEqual(['D-MERL', 'kvant', 'orbita']);
  });

  it('keys distributors trimmed and lower-case', () => {
    expect(distributorKey(' D-Merl ')).toBe('d-merl');
  });
});

describe('ReportTallier of a distributor registered as D-MERL', () => {
  const reference: IngestReference = {
    partners: new Map([['RU100101', aPartner({ id: 'RU100101', displayId: 'ru100101' })]]),
    distributors: new Map([
      ['d-merl', { id: 'd-merl', displayId: 'D-MERL', name: 'Меридиан', segments: ['commercial'] }],
      ['orbita', { id: 'orbita', displayId: 'Orbita', name: 'Орбита', segments: ['consumer'] }],
    ]),
    catalog: new Map(),
  };
  let n = 1;
  const record = (over: Partial<Record<string, string>>): ReportRecord => {
    const values = {
      invoice_date: '15.02.2016',
      invoice_number: `INV-${++n}`,
      partner_id: 'RU100101',
      description: VOSTRO,
      quantity: '1',
      ...over,
    };
    return { line: n, fields: Object.values(values), values };
  };
  const priorClaims: PriorClaims = (_quarter, tag) =>
    tag === 'TAKEN01' ? { reportKey: 'incoming/orbita/jan.csv', distributorId: 'orbita', line: 7 } : null;
  const tallier = () =>
    new ReportTallier(new RulesBook([sampleRules('2016-Q1')]), reference, 'd-merl', priorClaims);

  it('tallies under the key and carries the distributor as written', () => {
    const t = tallier();
    expect(t.add(record({ distributor: 'D-MERL' }))).toBeNull();
    expect(t.add(record({ distributor: ' d-merl ' }))).toBeNull();
    const [tally] = t.result().tallies;
    expect(tally).toMatchObject({ partnerId: 'RU100101' });
    expect(tally!.rows).toEqual([
      expect.objectContaining({ distributorId: 'd-merl', distributorDisplayId: 'D-MERL', units: 2 }),
    ]);
  });

  it('names the distributor as written in its messages, and an unknown partner as the line writes it', () => {
    const t = tallier();
    expect(t.add(record({ distributor: 'orbita' }))?.message).toBe(
      'The distributor column says "orbita" but the report was uploaded to the folder of "D-MERL".',
    );
    expect(t.add(record({ description: MONITOR }))?.message).toMatch(
      /^Distributor "D-MERL" is not authorised/,
    );
    expect(t.add(record({ service_tag: 'TAKEN01' }))?.message).toContain(
      'already claimed in incoming/orbita/jan.csv (distributor Orbita), line 7',
    );
    expect(t.add(record({ partner_id: 'id ru 999' }))?.message).toBe(
      'Partner ID "id ru 999" (read as RU999) is not in the partner registry.',
    );
  });
});
