/**
 * The rebates command as an uploader (issue #15): recorded in one English form, said in the
 * reader's language wherever it is shown (a report's uploader, a cause, the audit trail's "who");
 * a user or S3 principal is a name and stays as recorded.
 */
import { describe, expect, it } from 'vitest';
import { causeText } from '../../shared/domain/render/index.js';
import { commandUploader, uploaderText, uploaderWords } from '../../shared/domain/render/uploader.js';
import type { ChangeCause } from '../../shared/domain/types.js';

describe('the rebates command as an uploader', () => {
  it('is recorded in its English form, with the user or "local user"', () => {
    expect(commandUploader('anna')).toBe('the rebates command (anna)');
    expect(commandUploader(undefined)).toBe('the rebates command (local user)');
  });

  it('is said in Russian with the user as written, and in English as recorded', () => {
    expect(uploaderText(commandUploader('anna'), 'ru')).toBe('команда rebates (пользователь anna)');
    expect(uploaderText(commandUploader(undefined), 'ru')).toBe('команда rebates (локальный пользователь)');
    expect(uploaderText(commandUploader('anna'), 'en')).toBe('the rebates command (anna)');
    expect(uploaderWords(commandUploader('anna'), 'ru')).toEqual({ byText: 'команда rebates (пользователь anna)', byLang: 'ru' });
    expect(uploaderWords(commandUploader('anna'), 'en')).toEqual({});
  });

  it('leaves a user with a role and an S3 principal as recorded', () => {
    for (const by of ['distributor dist-kvant', 'arn:aws:iam::1:role/upload', 'the rebates commander'])
      expect(uploaderText(by, 'ru')).toBe(by);
  });

  it("is said in Russian in a replaced report's cause", () => {
    const cause = {
      kind: 'report',
      reportId: 'rpt_1',
      key: 'incoming/kvant/q1.csv',
      name: 'q1.csv',
      distributorId: 'kvant',
      from: 'v1',
      to: 'v2',
      uploadedBy: commandUploader('anna'),
    } as ChangeCause;
    expect(causeText(cause, 'ru')).toContain('загрузил: команда rebates (пользователь anna)');
    expect(causeText(cause, 'en')).toContain('uploaded by the rebates command (anna)');
  });
});
