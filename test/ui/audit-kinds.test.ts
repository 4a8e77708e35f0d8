/**
 * The dashboard's audit kind filter (web/js/audit-kinds.js) offers exactly the kinds the trail
 * records (shared/ports/approvals.ts), each with its label in English and Russian.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_KINDS } from '../../shared/ports/approvals.js';
import { webModule } from '../support/web-modules.js';

type Labels = Record<'en' | 'ru', Record<string, string>>;

let offered: string[];
let STRINGS: Labels;

beforeAll(async () => {
  ({ AUDIT_KINDS: offered } = (await webModule('audit-kinds.js')) as { AUDIT_KINDS: string[] });
  ({ STRINGS } = (await webModule('labels.js')) as { STRINGS: Labels });
});

describe("the audit trail's kind filter", () => {
  it('offers every kind the trail records, in the same order, and no other', () => {
    expect(offered).toEqual([...AUDIT_KINDS]);
  });

  it('names each kind in both languages', () => {
    for (const kind of AUDIT_KINDS)
      for (const lang of ['en', 'ru'] as const) expect(STRINGS[lang][`akind_${kind}`], `${lang} akind_${kind}`).toBeTruthy();
  });
});
