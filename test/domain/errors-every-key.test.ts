/**
 * Every error the code can raise has its own Russian sentence (issue #15). The code is read with
 * the TypeScript parser: every `new X(…)` of a class that descends from AppError, in shared/,
 * functions/ and local/, must name its sentence with `key: '…'` (or be of a class whose constructor
 * names it), and each such key must have a Russian sentence. A new error thrown without one fails
 * here by file and line; nothing is listed by hand. Then a few of them, thrown by the code that
 * throws them, are said in Russian.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { assertText } from '../../shared/csv/bytes.js';
import { RulesBook } from '../../shared/domain/rules/load.js';
import { errorRu, RU_ERROR_KEYS } from '../../shared/domain/render/errors-ru.js';
import { toUserError } from '../../shared/errors.js';
import { PROJECT_ROOT } from '../../local/runtime.js';
import { parseRules } from '../../shared/domain/rules/load.js';
import { sampleRules, sampleRulesJson } from '../support/domain-fixtures.js';

function sourceFiles(): ts.SourceFile[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (path.endsWith('.ts') && !path.endsWith('.d.ts')) files.push(path);
    }
  };
  for (const dir of ['shared', 'functions', 'local']) walk(join(PROJECT_ROOT, dir));
  return files.map((f) => ts.createSourceFile(f, readFileSync(f, 'utf8'), ts.ScriptTarget.Latest, true));
}

const visit = (node: ts.Node, fn: (n: ts.Node) => void): void => {
  fn(node);
  ts.forEachChild(node, (c) => visit(c, fn));
};

/**
 * The string literals given as `key` in an object literal, or in both branches of a conditional
 * choosing between two (`role === 'manager' ? { key: … } : { key: … }`); null when any has none.
 */
function keysOf(arg: ts.Expression | undefined): string[] | null {
  if (!arg) return null;
  if (ts.isParenthesizedExpression(arg)) return keysOf(arg.expression);
  if (ts.isConditionalExpression(arg)) {
    const [a, b] = [keysOf(arg.whenTrue), keysOf(arg.whenFalse)];
    return a && b ? [...a, ...b] : null;
  }
  if (!ts.isObjectLiteralExpression(arg)) return null;
  for (const p of arg.properties)
    if (ts.isPropertyAssignment(p) && p.name.getText() === 'key' && ts.isStringLiteralLike(p.initializer))
      return [p.initializer.text];
  return null;
}

interface Thrown {
  where: string;
  errorClass: string;
  keys: string[] | null;
}

/** Every construction of an AppError class in the code, with the key it names. */
function errorsInCode(): Thrown[] {
  const sources = sourceFiles();
  const parent = new Map<string, string>();
  /** Classes whose constructor names the key itself (ReportHeaderError). */
  const keyedByClass = new Set<string>();
  for (const sf of sources)
    visit(sf, (n) => {
      if (!ts.isClassDeclaration(n) || !n.name) return;
      const base = n.heritageClauses?.find((h) => h.token === ts.SyntaxKind.ExtendsKeyword)?.types[0];
      if (base) parent.set(n.name.text, base.expression.getText());
      const ctor = n.members.find(ts.isConstructorDeclaration);
      if (ctor)
        visit(ctor, (c) => {
          if (
            ts.isCallExpression(c) &&
            c.expression.kind === ts.SyntaxKind.SuperKeyword &&
            c.arguments.some((a) => keysOf(a))
          )
            keyedByClass.add(n.name!.text);
        });
    });
  const isAppError = (name: string) => {
    for (let c: string | undefined = name; c; c = parent.get(c)) if (c === 'AppError') return true;
    return false;
  };
  const found: Thrown[] = [];
  for (const sf of sources)
    visit(sf, (n) => {
      if (!ts.isNewExpression(n) || !ts.isIdentifier(n.expression) || !isAppError(n.expression.text)) return;
      const where = `${relative(PROJECT_ROOT, sf.fileName)}:${sf.getLineAndCharacterOfPosition(n.getStart()).line + 1}`;
      const keys = (n.arguments ?? []).map(keysOf).find((k) => k !== null) ?? null;
      found.push({
        where,
        errorClass: n.expression.text,
        keys: keys ?? (keyedByClass.has(n.expression.text) ? [] : null),
      });
    });
  return found;
}

describe('every error the code raises', () => {
  const thrown = errorsInCode();

  it('is found in the code (the scan itself works)', () => {
    expect(thrown.length).toBeGreaterThan(150);
    // Keyed by its class's constructor, and keyed by role in two branches.
    expect(thrown.some((t) => t.errorClass === 'ReportHeaderError' && t.keys?.length === 0)).toBe(true);
    expect(
      thrown.some((t) => t.keys?.includes('partner-unknown') && t.keys.includes('partner-unknown-territory')),
    ).toBe(true);
  });

  it('names the sentence it is said by', () => {
    expect(thrown.filter((t) => t.keys === null).map((t) => `${t.where} ${t.errorClass}`)).toEqual([]);
  });

  it('has a Russian sentence of its own for that key', () => {
    const keys = new Set(thrown.flatMap((t) => t.keys ?? []));
    expect(keys.size).toBeGreaterThan(100);
    expect([...keys].filter((k) => !RU_ERROR_KEYS.includes(k))).toEqual([]);
  });

  it('each Russian sentence is Russian, even before its params are known', () => {
    // 'as-sent' repeats what the server already said in Russian: it has no words of its own.
    for (const key of RU_ERROR_KEYS.filter((k) => k !== 'as-sent')) {
      const said = errorRu({ code: 'x', key, params: {}, message: 'x' });
      expect(said.message, key).toMatch(/[А-Яа-яЁё]/);
    }
  });
});

/** Words of two or more Latin letters, once the names the sentence quotes are taken out. */
function latinWords(text: string, allowed: readonly string[]): string[] {
  let rest = text;
  for (const a of [...allowed].sort((x, y) => y.length - x.length)) rest = rest.split(a).join(' ');
  return rest.match(/[A-Za-z]{2,}/g) ?? [];
}

function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

describe('rare errors, thrown by their code, in Russian', () => {
  it('a spreadsheet uploaded as a report: English as before, Russian of its own', () => {
    const xlsx = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(100, 0x41)]);
    const err = thrownBy(() => assertText(xlsx));
    expect(toUserError(err, 'en')).toMatchObject({
      code: 'not-text',
      message:
        'This is a ZIP archive or an Excel workbook (.xlsx), not a CSV file. Save the sheet as CSV and upload that.',
    });
    const ru = toUserError(err, 'ru');
    expect(ru.code).toBe('not-text');
    expect(ru.message).toBe(
      'Это архив ZIP или книга Excel (.xlsx), а не файл CSV. Сохраните лист как CSV и загрузите его.',
    );
    expect(latinWords(ru.message, ['ZIP', 'Excel', '.xlsx', 'CSV'])).toEqual([]);
  });

  it('a UTF-16 file and a binary one each get their own sentence, not the code’s', () => {
    const utf16 = toUserError(
      thrownBy(() => assertText(Buffer.from([0xff, 0xfe, 0x41, 0x00]))),
      'ru',
    ).message;
    const binary = toUserError(
      thrownBy(() => assertText(Buffer.from([0x41, 0x00, 0x42, 0x43]))),
      'ru',
    ).message;
    expect(utf16).toContain('UTF-16');
    expect(binary).toContain('нулевые байты');
    expect(utf16).not.toBe(binary);
  });

  it('a quarter without a rules file, and two quarters whose calendars overlap', () => {
    const book = new RulesBook([sampleRules('2016-Q1'), sampleRules('2016-Q2')]);
    const missing = toUserError(
      thrownBy(() => book.require('2030-Q1')),
      'ru',
    );
    expect(missing.message).toBe(
      'Для квартала 2030-Q1 нет файла правил. Кварталы с правилами: 2016-Q1, 2016-Q2.',
    );
    const q1 = sampleRules('2016-Q1');
    const shifted = { ...sampleRules('2016-Q2'), startsAt: q1.startsAt + 1 };
    const overlap = toUserError(
      thrownBy(() => new RulesBook([q1, shifted])),
      'ru',
    );
    expect(overlap.message).toBe('Календари кварталов 2016-Q1 и 2016-Q2 пересекаются.');
  });

  it('a rules file at odds with itself lists each problem in Russian, the English list as before', () => {
    const file = sampleRulesJson('2016-Q1') as { calendar: { firstDay: string; lastDay: string } };
    const reversed = {
      ...file,
      calendar: { firstDay: file.calendar.lastDay, lastDay: file.calendar.firstDay },
    };
    const err = thrownBy(() => parseRules(reversed, 'rules file odd.json'));
    const en = toUserError(err, 'en');
    expect(en.message).toBe(
      'The rules file odd.json is not valid: calendar.lastDay: must not be before calendar.firstDay',
    );
    expect(en.issues).toEqual(['calendar.lastDay: must not be before calendar.firstDay']);
    const ru = toUserError(err, 'ru');
    expect(ru.message).toBe('Правила программы противоречат сами себе: 1 ошибка.');
    expect(ru.issues).toEqual(['calendar.lastDay: не может быть раньше calendar.firstDay']);
  });
});
