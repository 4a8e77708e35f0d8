/**
 * Russian names in the rules file (`nameRu` on programs and rewards, `labelRu` on rate rows): a code
 * a new rules file brings is named in Russian sentences as its file names it, not by its English id.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseRules } from '../../shared/domain/rules/load.js';
import { programRu, rateRowRu } from '../../shared/domain/render/ru.js';
import { rewardName } from '../../shared/domain/render/names.js';
import { ledgerEntryReason } from '../../shared/domain/render/index.js';
import { redeem } from '../../shared/domain/points.js';
import { RulesValidationError } from '../../shared/errors.js';

interface SampleFile {
  programs: Array<{ id: string; nameRu?: string; rateRows: Array<{ id: string; labelRu?: string }> } & Record<string, unknown>>;
  points: { rewards: Array<{ id: string; name: string; nameRu?: string }> };
}

const sample = (): SampleFile =>
  JSON.parse(readFileSync(new URL('../../samples/rules/2016-Q1.json', import.meta.url), 'utf8'));

describe('Russian names from the rules file', () => {
  it('every program, rate row and reward of the sample files has one', () => {
    for (const q of ['2016-Q1', '2016-Q2', '2016-Q3', '2016-Q4']) {
      const f = JSON.parse(readFileSync(new URL(`../../samples/rules/${q}.json`, import.meta.url), 'utf8')) as SampleFile;
      for (const p of f.programs) {
        expect(p.nameRu, `${q} ${p.id}`).toMatch(/[А-Яа-яЁё]/);
        for (const r of p.rateRows) expect(r.labelRu, `${q} ${p.id}/${r.id}`).toBeTruthy();
      }
      for (const r of f.points.rewards) expect(r.nameRu, `${q} ${r.id}`).toMatch(/[А-Яа-яЁё]/);
    }
  });

  it('a program and rate row a rules file adds are named in Russian as the file names them', () => {
    expect(programRu('gaming')).toBe('gaming');
    const f = sample();
    const row = { id: 'alienware-x', label: 'Alienware X', labelRu: 'игровые Alienware X', rates: { '50': '100', '150': '200' } };
    f.programs.push({ id: 'gaming', name: 'Gaming systems', nameRu: 'Игровые системы', plans: [50, 150], rateRows: [row] });
    parseRules(f);
    expect(programRu('gaming')).toBe('Игровые системы');
    expect(rateRowRu('alienware-x')).toBe('игровые Alienware X');
    // The sample's own names come from its file too, the same as the built-in table says.
    expect(programRu('client')).toBe('Ноутбуки, десктопы и моноблоки');
  });

  it('a reward is named in Russian by its nameRu, in English by its name', () => {
    const aviator = sample().points.rewards.find((r) => r.id === 'ray-ban-aviator')!;
    expect(rewardName(aviator, 'ru')).toBe('солнцезащитные очки Ray-Ban Aviator');
    expect(rewardName(aviator, 'en')).toBe('Ray-Ban Aviator sunglasses');
    expect(rewardName({ name: 'Gift card' }, 'ru')).toBe('Gift card');
  });

  it('a redemption in the ledger reads in Russian with the reward\'s Russian name; in English as stored', () => {
    const rules = parseRules(sample());
    const credit = { entryId: 'e1', partnerId: 'RU1', quarter: '2016-Q1', kind: 'earn' as const, points: 20_000, source: 'quarter:2016-Q1', reason: 'credit', at: '2016-04-01T00:00:00Z' };
    const entry = redeem(rules, [credit], 'RU1', 'ray-ban-aviator', '2016-04-10T10:00:00+03:00', 'r1');
    expect(ledgerEntryReason(entry, 'en')).toBe(entry.reason);
    expect(entry.reason).toBe('Redeemed 9,620 points for Ray-Ban Aviator sunglasses (request r1)');
    expect(ledgerEntryReason(entry, 'ru')).toBe('Списано 9\u00a0620 баллов за «солнцезащитные очки Ray-Ban Aviator» (запрос r1)');
  });

  it('an empty Russian name is refused, naming the field', () => {
    const f = sample();
    f.programs[0]!.nameRu = '';
    expect(() => parseRules(f)).toThrow(RulesValidationError);
    expect(() => parseRules(f)).toThrow(/programs\[0\]\.nameRu/);
  });
});
