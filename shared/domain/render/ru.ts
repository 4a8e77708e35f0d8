/**
 * Russian sentences: the same facts as en.ts, in the words of the program text (сейлз тренинг,
 * план, ставка). Latin letters appear only in what the data names: IDs, course codes, rate rows,
 * quarters and model names.
 */
import type { Decimal } from 'decimal.js';
import type { LedgerWhy } from '../points.js';
import type { ChangeCause, TierProgress, TrainingGroupRef } from '../types.js';
import type { ReferenceRowChange } from '../causes.js';
import { atOf, type LineFacts } from './facts.js';
import { programNameRu, rateRowNameRu } from './names.js';
import { day, grouped, int, joinAnd, moscow, pick } from './format.js';
import type { AdjustmentFacts, EarningFacts, Sentences, WarningFacts } from './sentences.js';
import { uploaderText } from './uploader.js';

/** Programs by id when no loaded rules file gives a `nameRu`; another id is shown as written. */
const PROGRAMS: Record<string, string> = {
  client: 'Ноутбуки, десктопы и моноблоки',
  monitors: 'Мониторы',
  enterprise: 'Оборудование для предприятий',
};
/** Training gates by id (named in tier progress). */
const GATES: Record<string, string> = {
  precision: 'Dell Precision',
  rugged: 'Latitude Rugged',
  enterprise: 'оборудование для предприятий',
};
/** Training group labels of the rules files. */
const GROUPS: Record<string, string> = { sales: 'сейлз тренинг', technical: 'технический тренинг' };

/** Rate rows by id when no loaded rules file gives a `labelRu`; another id is shown as written. */
const RATE_ROWS: Record<string, string> = {
  'vostro-3xxx': 'Vostro 3xxx',
  'optiplex-dt-3xxx': 'настольные OptiPlex 3xxx',
  'inspiron-nb-3xxx': 'ноутбуки Inspiron 3xxx',
  mainstream: 'массовый сегмент',
  premium: 'премиум',
  workstation: 'рабочие станции',
  '17-20': '17–20 дюймов',
  '22-23': '22–23 дюйма',
  '24-25': '24–25 дюймов',
  '27-29': '27–29 дюймов',
  '30-55': '30–55 дюймов',
  't20-t1xx': 'PowerEdge T20, T1xx',
  '2xx-3xx': 'PowerEdge 2xx, 3xx',
  '4xx-5xx': 'PowerEdge 4xx, 5xx',
  '6xx-9xx': 'PowerEdge 6xx–9xx',
};

/** A program's Russian name; another id is shown as written. */
export const programRu = (id: string): string => programNameRu(id) ?? PROGRAMS[id] ?? id;
const program = (id: string): string => `«${programRu(id)}»`;
/** A rate row's Russian name; model names in it stay Latin, as the program text writes them. */
export const rateRowRu = (id: string): string => rateRowNameRu(id) ?? RATE_ROWS[id] ?? id;
const rateRow = (id: string): string => `«${rateRowRu(id)}»`;
/** A points row `program/rateRow` in words: the rate row, then its program. */
function rowOf(row: string): string {
  const [pg, rr] = row.split('/');
  return rr === undefined ? row : `по строке ставок ${rateRow(rr)} программы ${program(pg!)}`;
}
const inProgram = (id: string): string => `в программе ${program(id)}`;

/** Nominative: 1 единица, 2 единицы, 5 единиц. */
const units = (n: number): string =>
  `${n} ${pick(n, 'ru', { one: 'единица', few: 'единицы', many: 'единиц', other: 'единицы' })}`;
/** Genitive (не хватает, из): 1 единицы, 2 единиц, 5 единиц. */
const unitsOf = (n: number): string => `${n} ${pick(n, 'ru', { one: 'единицы', other: 'единиц' })}`;
const points = (n: number): string =>
  `${int(n, 'ru')} ${pick(n, 'ru', { one: 'балл', few: 'балла', many: 'баллов', other: 'балла' })}`;
const times = (n: number): string => `${n} ${pick(n, 'ru', { few: 'раза', other: 'раз' })}`;
const money = (d: Decimal | string): string => `${grouped(d, 'ru')} руб.`;
/** A sentence that ends on an amount ends on its "руб.": one full stop, not two. */
export const closing = (s: string): string => (s.endsWith('.') ? s : `${s}.`);
const at = (s: string | number): string => moscow(s, 'ru');
const withPlan = (plan: number | null): string => (plan === null ? 'без плана' : `с планом ${plan}`);

const courses = (g: TrainingGroupRef): string =>
  g.courses.length > 1 ? `один из: ${g.courses.join(', ')}` : g.courses[0]!;

function group(g: TrainingGroupRef): string {
  const label = GROUPS[g.label] ?? `тренинг «${g.label}»`;
  return g.courses.length > 1 ? `${label} (${courses(g)})` : `${label} ${g.courses[0]}`;
}
const missing = (groups: readonly TrainingGroupRef[]): string => joinAnd(groups.map(group), 'ru');

function late(list: LineFacts['late']): string {
  if (!list.length) return '';
  return ` Пройдены слишком поздно: ${list.map((l) => `${l.course} — ${at(l.completedAt)}`).join(', ')}.`;
}

function acceptanceSaid(f: LineFacts): string {
  const { used, ignored } = f.acceptance;
  if (!used) return '';
  const list = ignored
    .map(
      (a) =>
        `от ${at(atOf(a))} ${withPlan(a.plan)} (${
          a.why === 'late' ? `не раньше срока ${at(f.acceptanceDeadline)}` : 'его заменяет более позднее'
        })`,
    )
    .join(' и ');
  if (!f.acceptanceValid) return list ? ` Другие подтверждения участия ${inProgram(f.program)} не учтены: ${list}.` : '';
  return (
    ` Засчитано подтверждение участия ${inProgram(f.program)} от ${at(atOf(used))} ${withPlan(used.plan)}` +
    (list ? `; не учтены: ${list}.` : '.')
  );
}

function notAccepted(f: LineFacts): string {
  const deadline = at(f.acceptanceDeadline);
  const lateOnes = f.acceptance.ignored.filter((a) => a.why === 'late');
  if (f.code === 'plan-not-a-threshold')
    return (
      `подтверждение участия ${inProgram(f.program)} называет план ${f.acceptedPlan}, которого нет среди ` +
      `планов программы (${f.plans.join(', ')}), поэтому оно недействительно`
    );
  if (lateOnes.length === 1)
    return `партнёр подтвердил участие ${inProgram(f.program)} ${at(atOf(lateOnes[0]!))}, то есть не раньше срока ${deadline}`;
  if (lateOnes.length > 1)
    return `партнёр подтверждал участие ${inProgram(f.program)} ${times(lateOnes.length)}, и ни разу до срока ${deadline} (${lateOnes
      .map((a) => `${at(atOf(a))} ${withPlan(a.plan)}`)
      .join(', ')})`;
  return `партнёр не подтвердил участие ${inProgram(f.program)} до срока ${deadline}`;
}

function blocked(f: LineFacts): string | null {
  const counted = `зачтено ${inProgram(f.program)} за квартал по всем дистрибьюторам: ${units(f.programUnits)}`;
  const trainingsAlso = f.missing.length
    ? ` Кроме того, не пройдены тренинги программы, обязательные до срока ${at(f.trainingDeadline)}: ` +
      `${missing(f.missing)}.${late(f.late)}`
    : '';
  switch (f.code) {
    case 'not-registered':
      return `Не выплачивается: партнёр ${f.partner} не зарегистрирован в программе (${counted}).`;
    case 'not-accepted':
    case 'accepted-late':
    case 'plan-not-a-threshold':
      return `Не выплачивается: ${notAccepted(f)} (${counted}).`;
    case 'plan-not-met':
      return `Не выплачивается: при подтверждении участия выбран план ${f.acceptedPlan}, и его нужно выполнить, но ${counted}, до плана не хватает ${unitsOf(f.missingUnits)}.${trainingsAlso}`;
    case 'below-lowest-plan':
      return `Не выплачивается: план не выбран, а ${counted} — меньше нижнего порога ${f.programUnits + f.missingUnits}, до него не хватает ${unitsOf(f.missingUnits)}.${trainingsAlso}`;
    case 'program-training-missing':
      return (
        `Не выплачивается: вся программа ${program(f.program)} требует тренингов, пройденных до срока ` +
        `${at(f.trainingDeadline)}, а у партнёра не пройдены: ${missing(f.missing)}.` +
        `${late(f.late)} План ${f.plan} выполнен (${counted}).`
      );
    default:
      return null;
  }
}

function line(f: LineFacts): string {
  const where = `у дистрибьютора ${f.distributor} по строке ставок ${rateRow(f.rateRow)}`;
  const stop = blocked(f);
  let text: string;
  if (stop !== null)
    text = closing(
      `${stop} По этой строке: куплено ${where}: ${units(f.units)}${f.rate.isZero() ? '' : `, ставка ${money(f.rate)}`}, к выплате ${money(f.amount)}`,
    );
  else {
    const basis = f.planBasis === 'chosen' ? 'выбран при подтверждении участия' : 'план не выбран; это наибольший достигнутый порог';
    const plan = `Действует план ${f.plan} (${basis}): зачтено ${inProgram(f.program)} за квартал по всем дистрибьюторам: ${units(f.programUnits)}, порог ${f.plan}.`;
    if (f.code === 'negative-net')
      text = `${plan} Нетто ${where}: ${units(f.units)} (возвраты превышают покупки); отрицательное нетто даёт 0, а не отрицательную сумму.`;
    else if (f.code === 'net-zero')
      text = `${plan} Покупки и возвраты ${where} взаимно погашаются (нетто 0 единиц), поэтому ничего не выплачивается.`;
    else if (f.code === 'zero-rate')
      text = `${plan} Ставка строки ${rateRow(f.rateRow)} при плане ${f.plan} равна ${money(f.rate)}, поэтому покупки у дистрибьютора ${f.distributor} (${units(f.units)}) не оплачиваются, но идут в зачёт плана.`;
    else {
      const paid = f.paidUnits === f.units ? units(f.units) : `${f.paidUnits} из ${unitsOf(f.units)}`;
      text = closing(`${plan} Куплено ${where}: ${paid} × ${money(f.rate)} = ${money(f.amount)}`);
      if (f.code === 'training-missing')
        text +=
          ` Остальные (${units(f.units - f.paidUnits)}) — товары с обязательными тренингами: они идут в зачёт плана,` +
          ` но оплачиваются, только если до срока ${at(f.trainingDeadline)} пройдены: ${missing(f.missing)}.` +
          late(f.late);
    }
  }
  return text + acceptanceSaid(f);
}

function warning(w: WarningFacts): string {
  if (w.code === 'negative-net') {
    const p = w.params;
    return `Партнёр ${p.partner}, дистрибьютор ${p.distributor}, строка ставок ${rateRow(p.rateRow)} (программа ${program(p.program)}): нетто ${units(p.units)}, возвраты превышают покупки; выплачено 0.`;
  }
  const p = w.params;
  return `Партнёр ${p.partner}: подтверждение участия ${inProgram(p.program)} называет план ${p.plan}, которого нет среди её планов; проверьте данные о подтверждениях.`;
}

function progress(p: TierProgress, reached: number | null): string {
  const parts = [`${program(p.program)}: ${units(p.units)}`];
  if (p.registered === false) parts.push('партнёр не зарегистрирован, выплат нет');
  else {
    if (!p.accepted) {
      const deadline = at(p.acceptanceDeadline ?? '');
      const lateOnly = p.acceptance?.used === null && (p.acceptance?.ignored.length ?? 0) > 0;
      parts.push(
        lateOnly ? `участие подтверждено после срока ${deadline}, выплат нет` : `нет действительного подтверждения участия до срока ${deadline}`,
      );
    }
    if (p.chosenPlan !== null && p.nextThreshold === null) parts.push(`выбранный план ${p.chosenPlan} выполнен`);
    else if (p.nextThreshold === null) parts.push(`достигнут верхний план ${reached}`);
    else {
      if (reached !== null) parts.push(`достигнут план ${reached}`);
      parts.push(`до ${p.chosenPlan !== null ? 'выбранного ' : ''}плана ${p.nextThreshold} не хватает ${unitsOf(p.unitsToNext ?? 0)}`);
    }
    const used = p.acceptance?.used;
    const ignored = p.acceptance?.ignored ?? [];
    if (p.accepted && used && ignored.length)
      parts.push(
        `засчитано подтверждение от ${at(atOf(used))} (не учтены: ${ignored
          .map((a) => `${at(atOf(a))} — ${a.why === 'late' ? 'после срока' : 'заменено более поздним'}`)
          .join(', ')})`,
      );
    if (p.unmetGates?.length)
      parts.push(`не пройдены тренинги: ${p.unmetGates.map((g) => GATES[g] ?? g).join(', ')}`);
  }
  return parts.join('; ');
}

function earning(e: EarningFacts): string {
  const note = e.params.example ? ' (примерная ставка кампании)' : '';
  if (e.code === 'paid-units')
    return `Оплаченные единицы ${rowOf(e.params.row)} у дистрибьютора ${e.params.distributor}: ${int(e.params.units, 'ru')} × ${points(e.params.rate)}${note}`;
  return `Тренинг ${e.params.course} пройден ${day(e.params.date, 'ru')} (по московскому времени): ${points(e.params.points)}${note}`;
}

/** Roles as a Russian reader names them (who recorded a redemption). */
const ROLES_RU: Record<string, string> = {
  finance: 'финансы',
  program: 'менеджер программы',
  manager: 'менеджер по партнёрам',
  distributor: 'дистрибьютор',
};

function ledger(w: LedgerWhy): string {
  if (w.code === 'redeemed') {
    const r = w.params;
    const by = r.recordedBy ? `, записал(а): ${ROLES_RU[r.recordedBy.role] ?? r.recordedBy.role} ${r.recordedBy.sub}` : '';
    return `Списано ${points(r.points)} за «${r.rewardRu ?? r.reward}» (запрос ${r.request})${by}`;
  }
  const p = w.params;
  const said =
    w.code === 'quarter-credit'
      ? `Баллы за ${p.quarter}, начисленные при закрытии квартала`
      : `Корректировка за ${p.quarter}: баллов за квартал теперь ${int(w.params.now, 'ru')} (начислено ранее: ${int(w.params.before, 'ru')})`;
  return p.notTakenBack
    ? `${said}. Не удалось списать ${points(p.notTakenBack)}: они уже потрачены`
    : said;
}

const ROW_KIND_RU = {
  partner: 'партнёр',
  distributor: 'дистрибьютор',
  acceptance: 'подтверждение участия',
  training: 'тренинг',
  catalog: 'артикул каталога',
} as const;

const version = (v: string | null) => (v === null ? 'нет' : v.slice(0, 12));

/** A value a row recorded, as written (names, regions, codes), or null. */
const recorded = (o: unknown, field: string): string | null => {
  const v = (o as Record<string, unknown> | null)?.[field];
  if (v === null || v === undefined) return null;
  return Array.isArray(v) ? v.map(String).join(';') : String(v);
};
const isRow = (o: unknown): o is Record<string, unknown> => !!o && typeof o === 'object' && !Array.isArray(o);

/** A partner's or distributor's recorded fields: "название ООО «Орбита», статус Preferred, регион Москва". */
function fields(o: unknown, names: Record<string, string>): string {
  return Object.entries(names)
    .map(([field, said]) => [said, recorded(o, field)] as const)
    .filter(([, v]) => v !== null)
    .map(([said, v]) => `${said} ${v}`)
    .join(', ');
}

const acceptanceRow = (o: unknown): string => {
  const plan = (o as { plan?: number | null }).plan ?? null;
  const when = recorded(o, 'acceptedAt');
  return `${plan === null ? 'без плана' : `план ${plan}`}${when ? ` от ${at(when)}` : ''}`;
};

/**
 * A reference row of a cause with what it replaced, from its recorded before and after (the
 * recorded English note is not translated): "партнёр RU100101: статус Preferred (было: статус Registered)".
 */
function referenceRow(r: ReferenceRowChange): string {
  const head = `${ROW_KIND_RU[r.kind]} ${r.key}`;
  if (!isRow(r.after) || !Object.keys(r.after).length) return head;
  if (r.kind === 'partner' || r.kind === 'distributor') {
    const names: Record<string, string> =
      r.kind === 'partner' ? { name: 'название', status: 'статус', region: 'регион' } : { name: 'название', segments: 'сегменты' };
    const before = isRow(r.before) ? `было: ${fields(r.before, names)}` : 'раньше не был зарегистрирован';
    return `${head}: ${fields(r.after, names)} (${before})`;
  }
  if (r.kind === 'acceptance') {
    const earlier = Array.isArray(r.before) ? r.before.filter(isRow) : [];
    return `${head}: ${acceptanceRow(r.after)} (раньше: ${earlier.length ? earlier.map(acceptanceRow).join(', ') : 'нет'})`;
  }
  if (r.kind === 'training') {
    const when = recorded(r.after, 'completedAt');
    return `${head}: ${when ? `пройден ${at(when)}` : 'пройден'} (добавлен)`;
  }
  return `${head}: программа ${recorded(r.after, 'program') ?? '—'}, строка ставок ${recorded(r.after, 'rateRow') ?? '—'} (добавлен)`;
}

/** A cause after "после" (genitive), or on its own as a list item says it (nominative). */
function cause(c: ChangeCause, alone = false): string {
  const say = (after: string, own: string) => (alone ? own : after);
  if (c.kind === 'rules') return `${say('смены', 'смена')} правил с версии ${c.from} на ${c.to}`;
  if (c.kind === 'report') {
    const what = c.from === null ? say('добавления', 'добавление') : c.to === null ? say('отзыва', 'отзыв') : say('замены', 'замена');
    const direct = c.uploadedVia === 's3' ? ` напрямую в S3${c.sourceIp ? ` с адреса ${c.sourceIp}` : ''}` : '';
    const who = c.uploadedBy ? `, загрузил: ${uploaderText(c.uploadedBy, 'ru')}${direct}` : ', кто загрузил, не записано';
    return `${what} отчёта ${c.key} (версия ${version(c.from)} → ${version(c.to)}${who})`;
  }
  if (c.kind === 'reference') {
    const rows = (c.rows ?? []).map(referenceRow).join('; ');
    return `${say('изменения', 'изменение')} справочных данных${rows ? ` (${rows})` : ''}: ${c.by}, ${at(c.at)}`;
  }
  if (c.kind === 'not-recorded')
    return `${say('изменения', 'изменение')}, причина которого не записана (расчёт сделан до того, как причины стали записываться)`;
  if (c.kind === 'new-rules') return `${say('новой версии', 'новая версия')} правил ${c.version}`;
  const what = alone
    ? { 'new-report': 'новый отчёт', 'withdrawn-report': 'отзыв отчёта', 'corrected-report': 'исправление отчёта' }[c.kind]
    : { 'new-report': 'нового отчёта', 'withdrawn-report': 'отзыва отчёта', 'corrected-report': 'исправления отчёта' }[c.kind];
  return `${what} ${c.report}`;
}

function adjustment(a: AdjustmentFacts, now: string | null): string {
  const { before: b, after: x, delta } = a;
  const signed = `${delta.isNegative() ? '' : '+'}${money(delta)}`;
  const unitsChanged = `количество единиц изменилось с ${b.units} до ${x.units}`;
  const moneyChanged = `сумма ${x.units === b.units ? 'изменилась ' : ''}с ${money(b.amount)} до ${money(x.amount)} (${signed})`;
  const change =
    x.units === b.units
      ? moneyChanged
      : delta.isZero()
        ? `${unitsChanged} (сумма остаётся ${money(x.amount)})`
        : `${unitsChanged}, ${moneyChanged}`;
  return `Корректировка за ${a.of}: ${change} после ${causes(a.causes)}.${now === null ? '' : ` Сейчас: ${now}`}`;
}

function causes(list: readonly ChangeCause[]): string {
  if (!list.length) return 'изменения справочных данных (подтверждений участия, тренингов или статуса партнёра)';
  return joinAnd(list.map((c) => cause(c)), 'ru');
}

const alone = (c: ChangeCause): string => {
  const said = cause(c, true);
  return said.charAt(0).toUpperCase() + said.slice(1);
};

export const ru: Sentences = { line, warning, progress, earning, ledger, adjustment, causes, cause: alone, courses };
