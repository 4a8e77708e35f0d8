/**
 * Errors in the reader's language (issue #15): each kind of error, thrown by the code that throws
 * it, keeps its English message word for word and its code, and is said in Russian from its key
 * and params, with no Latin word but the IDs, codes and options it names.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { createRouter } from '../../functions/api/router.js';
import { parseWith } from '../../functions/api/http.js';
import { signDevToken, verifyDevToken } from '../../shared/auth/dev-token.js';
import { assertRole, principalFromClaims, type Principal } from '../../shared/auth/principal.js';
import { redeem } from '../../shared/domain/points.js';
import { RU_ERROR_KEYS } from '../../shared/domain/render/errors-ru.js';
import {
  AppError,
  ApprovalDecidedError,
  ClosedQuarterChangeError,
  InputValidationError,
  NotFoundError,
  QuarterClosedError,
  ReportHeaderError,
  StaleApprovalError,
  toUserError,
} from '../../shared/errors.js';
import { PROJECT_ROOT } from '../../local/runtime.js';
import { sampleRules } from '../support/domain-fixtures.js';

/** Words of two or more Latin letters, once the allowed names (IDs, codes, options) are taken out. */
function latinWords(text: string, allowed: readonly string[] = []): string[] {
  let rest = text;
  // Longest first, so `unitsToPlan` goes whole before `units` would leave `ToPlan` behind.
  for (const a of [...allowed].sort((x, y) => y.length - x.length)) rest = rest.split(a).join(' ');
  return rest.match(/[A-Za-z]{2,}/g) ?? [];
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

/** Both languages of one error; the Russian one checked for Cyrillic and stray English. */
function said(err: unknown, allowed: readonly string[] = []) {
  const en = toUserError(err, 'en');
  const ru = toUserError(err, 'ru');
  expect(ru.code).toBe(en.code);
  expect(ru.status).toBe(en.status);
  expect(en.message).toBe((err as Error).message);
  expect(ru.message).toMatch(/[А-Яа-яЁё]/);
  expect(latinWords(ru.message, allowed)).toEqual([]);
  return { en, ru };
}

describe('API errors in English and Russian', () => {
  const router = createRouter([{ method: 'GET', path: '/quarters/{q}/payouts' }]);

  it('404 for a path with nothing at it', () => {
    const { en, ru } = said(thrown(() => router.match('GET', '/nothing/here')), ['/nothing/here']);
    expect(en).toMatchObject({ status: 404, code: 'not-found', message: 'There is nothing at /nothing/here.' });
    expect(ru.message).toBe('По адресу /nothing/here ничего нет.');
  });

  it('405 naming the methods the path takes', () => {
    const { en, ru } = said(thrown(() => router.match('POST', '/quarters/2016-Q1/payouts')), [
      '/quarters/2016-Q1/payouts',
      'GET',
      'POST',
    ]);
    expect(en.message).toBe('/quarters/2016-Q1/payouts takes GET, not POST.');
    expect(ru.message).toBe('/quarters/2016-Q1/payouts принимает GET, а не POST.');
  });

  it('403 for a role that may not, with both roles named in Russian', () => {
    const manager: Principal = { sub: 'm', role: 'manager', regions: ['Central'], distributorId: null };
    const { en, ru } = said(thrown(() => assertRole(manager, 'finance', 'program')));
    expect(en.message).toBe('This needs the finance or program manager role; you are signed in as partner manager.');
    expect(ru.message).toBe(
      'Для этого нужна роль «финансы» или «менеджер программы»; вы вошли с ролью «менеджер по партнёрам».',
    );
  });

  it('403 for accounts in no role group, in several, or a manager without regions', () => {
    const none = said(thrown(() => principalFromClaims({ sub: 'x', 'cognito:groups': [] })), [
      'finance, program, manager, distributor',
    ]);
    expect(none.ru.message).toContain('не входит ни в одну группу ролей');
    const several = said(thrown(() => principalFromClaims({ sub: 'x', 'cognito:groups': ['finance', 'program'] })), [
      'finance, program',
    ]);
    expect(several.ru.message).toContain('входит в несколько групп ролей (finance, program)');
    const noRegions = said(thrown(() => principalFromClaims({ sub: 'x', 'cognito:groups': ['manager'] })), [
      'custom:regions',
    ]);
    expect(noRegions.en.code).toBe('forbidden');
    expect(noRegions.ru.message).toContain('не указаны регионы');
  });

  it('401 for a token that is not a JWT, or has expired', () => {
    const notJwt = said(thrown(() => verifyDevToken('abc', 'secret')), ['JWT', '«rebates token»']);
    expect(notJwt.en).toMatchObject({ status: 401, code: 'unauthorized' });
    expect(notJwt.ru.message).toBe('Токен доступа — не JWT; получите его командой «rebates token».');
    const old = signDevToken({ sub: 'x' }, 'secret', 60, new Date('2016-01-01T00:00:00Z'));
    const expired = said(thrown(() => verifyDevToken(old, 'secret')), ['«rebates token»']);
    expect(expired.en.message).toBe('The token has expired; get a new one with "rebates token".');
    expect(expired.ru.message).toContain('Срок действия токена истёк');
  });
});

describe('points errors in English and Russian', () => {
  const rules = sampleRules('2016-Q1');
  const at = '2016-04-10T10:00:00+03:00';

  it('409 for too few points, counted with Russian plurals', () => {
    // The reward's Russian name from the rules file; the brand and model inside stay as written.
    const { en, ru } = said(thrown(() => redeem(rules, [], 'RU1', 'ray-ban-aviator', at, 'r1')), ['Ray-Ban Aviator']);
    expect(en).toMatchObject({ status: 409, code: 'insufficient-points' });
    expect(en.message).toBe('Ray-Ban Aviator sunglasses costs 9,620 points, but the balance is 0 points (9,620 more needed).');
    expect(ru.message).toBe(
      '«солнцезащитные очки Ray-Ban Aviator» стоит 9\u00a0620 баллов, а на балансе 0 баллов (не хватает 9\u00a0620 баллов).',
    );
  });

  it('400 for a reward not in the catalog, and 422 for one arranged on request', () => {
    const unknown = said(thrown(() => redeem(rules, [], 'RU1', 'yacht', at, 'r1')), [
      'yacht',
      '2016-Q1',
      ...rules.file.points.rewards.map((r) => r.id),
    ]);
    expect(unknown.en.code).toBe('unknown-reward');
    expect(unknown.ru.message).toMatch(/^В каталоге 2016-Q1 нет награды «yacht»\. Награды: ray-ban-aviator, /);
    const onRequest = said(thrown(() => redeem(rules, [], 'RU1', 'concierge', at, 'r1')), ['Concierge experiences']);
    expect(onRequest.en).toMatchObject({ status: 422, code: 'reward-on-request' });
    expect(onRequest.ru.message).toContain('«услуги консьерж-сервиса» нет цены в баллах');
  });
});

describe('field-level validation issues in Russian', () => {
  const Body = z.strictObject({
    partnerId: z.string().max(12),
    units: z.number().int().max(1000),
    program: z.enum(['client', 'monitors']),
    note: z.string().min(1),
    quarter: z.string().regex(/^\d{4}-Q[1-4]$/, 'must look like 2016-Q1'),
    lines: z.array(z.string()).min(1),
  });

  it('names the field of each issue: required, type, enum, too long, too short, format, too big, extra keys', () => {
    const err = thrown(() =>
      parseWith(
        Body,
        { units: 'ten', program: 'servers', note: '', quarter: '2016-Q5', lines: [], extra: 1 },
        'request body',
      ),
    );
    const { en, ru } = said(err, ['partnerId', 'units', 'program', 'client', 'monitors', 'note', 'quarter', 'lines', 'extra']);
    expect(en).toMatchObject({ status: 400, code: 'input-invalid' });
    expect(en.message).toMatch(/^The request body is not valid: /);
    expect(ru.issues).toEqual([
      'Поле «partnerId» обязательно.',
      'Поле «units»: ожидается число.',
      'Поле «program»: допустимые значения — client, monitors.',
      'Поле «note» не должно быть пустым.',
      'Поле «quarter» записано не в том виде.',
      'Поле «lines»: список не должен быть пустым.',
      'Лишние поля: extra.',
    ]);
    expect(ru.message).toBe(`В теле запроса есть ошибки. ${ru.issues!.join(' ')}`);
    expect(en.issues).toHaveLength(ru.issues!.length);
  });

  it('says the limits of too long and too big with the right Russian forms', () => {
    const err = thrown(() =>
      parseWith(Body.pick({ partnerId: true, units: true }), { partnerId: 'RU1234567890123', units: 5000 }, 'query'),
    );
    const { ru } = said(err, ['partnerId', 'units']);
    expect(ru.issues).toEqual(['Поле «partnerId»: не длиннее 12 символов.', 'Поле «units»: не больше 1000.']);
    expect(ru.message.startsWith('В параметрах адреса есть ошибки.')).toBe(true);
  });
});

describe('errors without a sentence of their own', () => {
  it('are said by their code in Russian, and a crash as ours', () => {
    expect(toUserError(new NotFoundError('Gone.'), 'ru')).toEqual({ status: 404, code: 'not-found', message: 'Такой записи нет.' });
    // A key-less quarter-closed error has no quarter to name: its code's sentence, not a blank one.
    expect(toUserError(new QuarterClosedError('Closed.'), 'ru').message).toBe('Квартал уже закрыт, его суммы зафиксированы.');
    expect(toUserError(new Error('boom'), 'ru')).toEqual({
      status: 500,
      code: 'internal',
      message: 'На нашей стороне произошла ошибка; она записана в журнал.',
    });
    expect(toUserError(new Error('boom')).message).toBe('Something went wrong on our side; the error has been logged.');
  });

  it('a report header error names the missing columns from its params', () => {
    const err = new ReportHeaderError('The header has no column for: qty.', ['qty'], ['sku', 'date']);
    expect(toUserError(err, 'ru').message).toBe('В заголовке нет столбца для: qty. Найденные столбцы: sku, date.');
    expect(err).toBeInstanceOf(AppError);
  });
});

describe('every error key thrown in the code', () => {
  it('has a Russian sentence', () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (path.endsWith('.ts')) files.push(path);
      }
    };
    for (const dir of ['shared', 'functions', 'local']) walk(join(PROJECT_ROOT, dir));
    const keys = new Set<string>();
    for (const f of files)
      for (const m of readFileSync(f, 'utf8').matchAll(/\bkey: '([a-z-]+)'/g)) keys.add(m[1]!);
    expect(keys.size).toBeGreaterThan(40);
    expect([...keys].filter((k) => !RU_ERROR_KEYS.includes(k))).toEqual([]);
  });
});

describe('an upload file name that cannot be used', () => {
  it('lists each problem in the reader’s language', async () => {
    const { safeUploadName } = await import('../../functions/api/upload-name.js');
    const { en, ru } = said(thrown(() => safeUploadName('../q1.xlsx')), ['../q1.xlsx', '.csv.gz', '.csv', 'CSV']);
    expect(en.message).toBe(
      'The file name "../q1.xlsx" cannot be used: it contains a slash; give the file name only, without folders; ' +
        'it contains ".."; reports must be .csv or .csv.gz files (save a spreadsheet as CSV first).',
    );
    expect(ru.issues).toEqual([
      'в нём есть косая черта; укажите только имя файла, без папок',
      'в нём есть «..»',
      'отчёт должен быть файлом .csv или .csv.gz (сначала сохраните таблицу как CSV)',
    ]);
    expect(ru.message).toBe(`Имя файла «../q1.xlsx» использовать нельзя: ${ru.issues!.join('; ')}.`);
  });
});

describe('sentences built from params', () => {
  const ru = (err: AppError) => toUserError(err, 'ru').message;

  it('count rows with Russian plurals', () => {
    const bad = (count: number) =>
      ru(new InputValidationError('x', [], { key: 'rows-bad', params: { file: 'partners.csv', count } }));
    expect(bad(1)).toBe('В partners.csv 1 неверная строка; ничего не импортировано.');
    expect(bad(3)).toBe('В partners.csv 3 неверные строки; ничего не импортировано.');
    expect(bad(25)).toBe('В partners.csv 25 неверных строк; ничего не импортировано.');
    expect(bad(1021)).toBe('В partners.csv 1\u00a0021 неверная строка; ничего не импортировано.');
  });

  it('name who decided an approval and when, in Moscow time', () => {
    const decided = new ApprovalDecidedError('x', {
      key: 'approval-decided',
      params: { status: 'rejected', by: 'fin-2', at: '2016-04-05T07:00:00.000Z' },
    });
    expect(ru(decided)).toBe('Этот запрос уже отклонён пользователем fin-2 05.04.2016 10:00 МСК; ничего не изменено.');
    const stale = new StaleApprovalError('x', {
      key: 'approval-stale',
      params: { quarter: '2016-Q1', was: '103488.00', now: '98000.50' },
    });
    expect(ru(stale)).toBe(
      'Суммы 2016-Q1 изменились после запроса на закрытие (итог был 103\u00a0488,00 руб., теперь 98\u00a0000,50 руб.), ' +
        'поэтому запрос нельзя утвердить. Запросите закрытие снова.',
    );
  });

  it('say a refused import of a closed quarter with its total and partners', () => {
    const err = new ClosedQuarterChangeError('x', {
      key: 'closed-quarter-change',
      params: { quarters: ['2016-Q1'], total: '-1500.00', partners: ['RU100101'], more: false },
    });
    expect(ru(err)).toMatch(/^Эти данные изменили бы выплаты закрытого квартала 2016-Q1 на -1\u00a0500,00 руб\. \(партнёры RU100101\)/);
    expect(toUserError(err, 'ru').code).toBe('closed-quarter-change');
  });
});

describe('a rules file that is not valid', () => {
  it('names each bad field in Russian', async () => {
    const { parseRules } = await import('../../shared/domain/rules/load.js');
    const { sampleRulesJson } = await import('../support/domain-fixtures.js');
    const file = { ...sampleRulesJson('2016-Q1'), quarter: undefined, version: 42 };
    const err = thrown(() => parseRules(file, 'rules file bad.json'));
    const { en, ru } = said(err, ['quarter', 'version']);
    expect(en).toMatchObject({ status: 422, code: 'rules-invalid' });
    expect(en.message).toMatch(/^The rules file bad\.json is not valid: /);
    expect(ru.issues).toEqual(expect.arrayContaining(['Поле «quarter» обязательно.', 'Поле «version»: ожидается строка.']));
    expect(ru.message).toMatch(/^Правила программы заданы неверно\. Поле «/);
  });
});

describe('a path parameter that is not valid', () => {
  it('says which one, in a sentence of its own', () => {
    const err = thrown(() => parseWith(z.string().regex(/^\d{4}-Q[1-4]$/), '2016-Q9', 'quarter in the path'));
    const { en, ru } = said(err);
    expect(en.message).toMatch(/^The quarter in the path is not valid: /);
    expect(ru.message).toBe('Квартал в адресе указан неверно. Значение записано не в том виде.');
  });
});
