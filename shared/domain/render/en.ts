/**
 * English sentences. They are the sentences earlier versions stored, word for word, so what a
 * reader saw before still reads the same.
 */
import type { Decimal } from 'decimal.js';
import type { LedgerWhy } from '../points.js';
import { describeCause } from '../causes.js';
import type { ChangeCause, TierProgress, TrainingGroupRef } from '../types.js';
import { atOf, type LineFacts } from './facts.js';
import { day, int, moscow, pick } from './format.js';
import type { AdjustmentFacts, EarningFacts, Sentences, WarningFacts } from './sentences.js';

const units = (n: number): string => `${n} ${pick(n, 'en', { one: 'unit', other: 'units' })}`;
const money = (d: Decimal): string => `${d.toFixed(2)} RUB`;
const at = (s: string | number): string => moscow(s, 'en');
const withPlan = (plan: number | null): string => (plan === null ? 'with no plan' : `with plan ${plan}`);

const courses = (g: TrainingGroupRef): string =>
  g.courses.length > 1 ? `one of ${g.courses.join(', ')}` : g.courses[0]!;

function missing(groups: readonly TrainingGroupRef[]): string {
  return groups
    .map((g) => (g.courses.length > 1 ? `a ${g.label} training (${courses(g)})` : `${g.label} training ${g.courses[0]}`))
    .join(' and ');
}

function late(list: LineFacts['late']): string {
  if (!list.length) return '';
  return ` Completed too late: ${list.map((l) => `${l.course} at ${at(l.completedAt)}`).join(', ')}.`;
}

function acceptanceSaid(f: LineFacts): string {
  const { used, ignored } = f.acceptance;
  if (!used) return '';
  const list = ignored
    .map(
      (a) =>
        `the one made at ${at(atOf(a))} ${withPlan(a.plan)} (${
          a.why === 'late' ? `not before the deadline ${at(f.acceptanceDeadline)}` : 'a later one replaces it'
        })`,
    )
    .join(' and ');
  if (!f.acceptanceValid) return list ? ` Other ${f.program} acceptances ignored: ${list}.` : '';
  return (
    ` The ${f.program} acceptance counted is the one made at ${at(atOf(used))} ${withPlan(used.plan)}` +
    (list ? `; ignored: ${list}.` : '.')
  );
}

function notAccepted(f: LineFacts): string {
  const deadline = at(f.acceptanceDeadline);
  const lateOnes = f.acceptance.ignored.filter((a) => a.why === 'late');
  if (f.code === 'plan-not-a-threshold')
    return (
      `the partner's acceptance of the ${f.program} program names plan ${f.acceptedPlan}, which is not one of ` +
      `its plans (${f.plans.join(', ')}), so it is not a valid acceptance`
    );
  if (lateOnes.length === 1)
    return `the partner accepted the ${f.program} program at ${at(atOf(lateOnes[0]!))}, which is not before the deadline ${deadline}`;
  if (lateOnes.length > 1)
    return `the partner accepted the ${f.program} program ${lateOnes.length} times, none before the deadline ${deadline} (at ${lateOnes
      .map((a) => `${at(atOf(a))} ${withPlan(a.plan)}`)
      .join(', at ')})`;
  return `the partner did not accept the ${f.program} program before the deadline ${deadline}`;
}

function blocked(f: LineFacts): string | null {
  const counted = `${units(f.programUnits)} counted in the ${f.program} program this quarter across all distributors`;
  const trainingsAlso = f.missing.length
    ? ` The program's trainings, due before the training deadline ${at(f.trainingDeadline)}, are also missing: ` +
      `${missing(f.missing)}.${late(f.late)}`
    : '';
  switch (f.code) {
    case 'not-registered':
      return `Pays nothing: partner ${f.partner} is not a registered partner (${counted}).`;
    case 'not-accepted':
    case 'accepted-late':
    case 'plan-not-a-threshold':
      return `Pays nothing: ${notAccepted(f)} (${counted}).`;
    case 'plan-not-met':
      return `Pays nothing: plan ${f.acceptedPlan} was chosen at acceptance and must be met, but only ${counted}, ${units(f.missingUnits)} short.${trainingsAlso}`;
    case 'below-lowest-plan':
      return `Pays nothing: no plan was chosen, and the ${counted} are below the lowest threshold ${f.programUnits + f.missingUnits}, ${units(f.missingUnits)} short.${trainingsAlso}`;
    case 'program-training-missing':
      return (
        `Pays nothing: the whole ${f.program} program requires trainings completed before the training deadline ` +
        `${at(f.trainingDeadline)}, and the partner lacks ${missing(f.missing)}.` +
        `${late(f.late)} Plan ${f.plan} is met (${counted}).`
      );
    default:
      return null;
  }
}

function line(f: LineFacts): string {
  const where = `distributor ${f.distributor} in rate row ${f.rateRow}`;
  const stop = blocked(f);
  let text: string;
  if (stop !== null)
    text = `${stop} This line: ${units(f.units)} bought at ${where}${f.rate.isZero() ? '' : `, rate ${money(f.rate)}`}, pays ${money(f.amount)}.`;
  else {
    const basis =
      f.planBasis === 'chosen' ? 'chosen at acceptance' : 'no plan was chosen; it is the highest threshold reached';
    const plan =
      `Plan ${f.plan} applies (${basis}): ${units(f.programUnits)} counted in the ${f.program} program ` +
      `this quarter across all distributors, threshold ${f.plan}.`;
    if (f.code === 'negative-net')
      text = `${plan} At ${where} the net is ${units(f.units)} (returns exceed purchases); a negative net pays 0, never a negative amount.`;
    else if (f.code === 'net-zero')
      text = `${plan} At ${where} purchases and returns cancel out (net 0 units), so nothing is paid.`;
    else if (f.code === 'zero-rate')
      text = `${plan} The ${f.rateRow} rate at plan ${f.plan} is ${money(f.rate)}, so the ${units(f.units)} bought at distributor ${f.distributor} pay nothing; they still count toward the plan.`;
    else {
      const paid = f.paidUnits === f.units ? units(f.units) : `${f.paidUnits} of the ${units(f.units)}`;
      text = `${plan} ${paid} bought at ${where} × ${money(f.rate)} = ${money(f.amount)}.`;
      if (f.code === 'training-missing')
        text +=
          ` The other ${units(f.units - f.paidUnits)} are training-gated products: they count toward the plan but earn 0` +
          ` without ${missing(f.missing)} completed before the training deadline ${at(f.trainingDeadline)}.` +
          late(f.late);
    }
  }
  return text + acceptanceSaid(f);
}

function warning(w: WarningFacts): string {
  if (w.code === 'negative-net') {
    const p = w.params;
    return `Partner ${p.partner}, distributor ${p.distributor} in rate row ${p.rateRow} (${p.program}): net ${units(p.units)}, returns exceed purchases; paid 0.`;
  }
  const p = w.params;
  return `Partner ${p.partner}: the ${p.program} acceptance names plan ${p.plan}, which is not one of its plans; check the acceptance data.`;
}

function progress(p: TierProgress, reached: number | null): string {
  const parts = [`${p.program}: ${units(p.units)}`];
  if (p.registered === false) parts.push('partner not registered, nothing is paid');
  else {
    if (!p.accepted) {
      const deadline = at(p.acceptanceDeadline ?? '');
      const lateOnly = p.acceptance?.used === null && (p.acceptance?.ignored.length ?? 0) > 0;
      parts.push(
        lateOnly ? `accepted after the deadline ${deadline}, nothing is paid` : `no valid acceptance before the deadline ${deadline}`,
      );
    }
    if (p.chosenPlan !== null && p.nextThreshold === null) parts.push(`chosen plan ${p.chosenPlan} met`);
    else if (p.nextThreshold === null) parts.push(`top plan ${reached} reached`);
    else {
      if (reached !== null) parts.push(`plan ${reached} reached`);
      parts.push(`${p.unitsToNext} more to reach ${p.chosenPlan !== null ? 'chosen ' : ''}plan ${p.nextThreshold}`);
    }
    const used = p.acceptance?.used;
    const ignored = p.acceptance?.ignored ?? [];
    if (p.accepted && used && ignored.length)
      parts.push(
        `acceptance of ${at(atOf(used))} counts (ignored: ${ignored.map((a) => `${at(atOf(a))} ${a.why}`).join(', ')})`,
      );
    if (p.unmetGates?.length) parts.push(`trainings missing: ${p.unmetGates.join(', ')}`);
  }
  return parts.join('; ');
}

function earning(e: EarningFacts): string {
  const note = e.params.example ? ' (example campaign rate)' : '';
  if (e.code === 'paid-units')
    return `${int(e.params.units, 'en')} paid units of ${e.params.row} at distributor ${e.params.distributor} × ${int(e.params.rate, 'en')} points${note}`;
  return `Course ${e.params.course} completed on ${day(e.params.date, 'en')} (Moscow time): ${int(e.params.points, 'en')} points${note}`;
}

function ledger(w: LedgerWhy): string {
  if (w.code === 'redeemed') {
    const r = w.params;
    const by = r.recordedBy ? `, recorded by ${r.recordedBy.role} ${r.recordedBy.sub}` : '';
    return `Redeemed ${int(r.points, 'en')} points for ${r.reward} (request ${r.request})${by}`;
  }
  const p = w.params;
  const said =
    w.code === 'quarter-credit'
      ? `Points of ${p.quarter}, credited when the quarter was closed`
      : `Adjustment to ${p.quarter}: its points are now ${int(w.params.now, 'en')} (${int(w.params.before, 'en')} credited before)`;
  return p.notTakenBack
    ? `${said}. ${int(p.notTakenBack, 'en')} points could not be taken back because they were already redeemed`
    : said;
}

function cause(c: ChangeCause): string {
  if (c.kind === 'report' || c.kind === 'reference' || c.kind === 'rules') return describeCause(c);
  if (c.kind === 'not-recorded') return 'a change whose cause was not recorded (computed before causes were kept)';
  if (c.kind === 'new-rules') return `the new rules version ${c.version}`;
  const what = { 'new-report': 'the new report', 'withdrawn-report': 'the withdrawn report', 'corrected-report': 'the corrected report' }[c.kind];
  return `${what} ${c.report}`;
}

function adjustment(a: AdjustmentFacts, now: string | null): string {
  const { before: b, after: x, delta } = a;
  const signed = delta.isNegative() ? delta.toFixed(2) : `+${delta.toFixed(2)}`;
  const unitsChanged = `units changed from ${b.units} to ${x.units}`;
  const moneyChanged = `the amount ${x.units === b.units ? 'changed ' : ''}from ${b.amount.toFixed(2)} to ${x.amount.toFixed(2)} RUB (${signed})`;
  const change =
    x.units === b.units
      ? moneyChanged
      : delta.isZero()
        ? `${unitsChanged} (the amount stays ${x.amount.toFixed(2)} RUB)`
        : `${unitsChanged} and ${moneyChanged}`;
  return `Adjustment to ${a.of}: ${change} after ${causes(a.causes)}.${now === null ? '' : ` Now: ${now}`}`;
}

function causes(list: readonly ChangeCause[]): string {
  const all = list.map(cause);
  if (!all.length) return 'a change of reference data (acceptances, trainings or partner status)';
  return all.length === 1 ? all[0]! : `${all.slice(0, -1).join(', ')} and ${all.at(-1)!}`;
}

export const en: Sentences = { line, warning, progress, earning, ledger, adjustment, causes, cause, courses };
