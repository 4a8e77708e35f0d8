/**
 * Two-person approval and the audit trail over the API, on the real emulators (issue #14, points 3
 * and 4). The tests run in order and build on each other: a close is rejected, one goes stale,
 * one is approved; then changes to the closed quarter wait for approval; last, the audit trail.
 *
 * 2016-Q1 client program: plan 50, vostro-3xxx pays 154 RUB per unit.
 */
import '../../local/env-defaults.js'; // before the handler modules create their loggers
import { beforeAll, describe, expect, it } from 'vitest';
import { subjectText, type AuditSubject } from '../../shared/domain/render/audit.js';
import { APPROVAL_KINDS, AUDIT_KINDS, type AuditEntry } from '../../shared/ports/approvals.js';
import { useTestApi, type Answer } from '../support/api-client.js';
import { getAs, settledApproval } from '../support/approvals.js';
import { renderReport, useLocalRuntime, salesOf } from '../support/runtime.js';

const Q1 = '2016-Q1';
const VOSTRO = 'VOSTRO 3568 NB 15.6 HD I5-7200U 4GB 1TB';
const RATE = 154;

const env = useLocalRuntime();
const api = useTestApi(env);

const line = salesOf(VOSTRO);
const sale = (invoice: string, partnerId: string, qty: number) => line({ invoice, partnerId, qty });

beforeAll(async () => {
  await env.importReference({
    partners: [
      { id: 'RU910001', name: 'ООО «Центр Один»', region: 'Central' },
      { id: 'RU910002', name: 'ООО «Волга Два»', region: 'Volga' },
      { id: 'RU910003', name: 'ООО «Центр Три»', region: 'Central' },
    ],
    distributors: ['alfa'],
    // RU910003 has not accepted the program: its units pay nothing.
    acceptances: ['RU910001', 'RU910002'].map((partnerId) => ({
      partnerId,
      program: 'client',
      acceptedAt: '2016-02-01T10:00:00+03:00',
    })),
  });
  await env.upload(
    'alfa',
    'feb.csv',
    renderReport([sale('A-1', 'RU910001', 60), sale('A-2', 'RU910002', 70), sale('A-3', 'RU910003', 55)]),
  );
});

const money = (n: number) => n.toFixed(2);

describe('closing a quarter takes two finance users', () => {
  it('keeps a rejected close on record, with who rejected it, when and why', async () => {
    const asked = await api.call('finance', 'POST', `/api/quarters/${Q1}/close`);
    expect(asked).toMatchObject({
      status: 202,
      body: {
        approval: {
          status: 'pending',
          total: money((60 + 70) * RATE),
          // RU910003's 55 units pay nothing: it has not accepted the program.
          openExceptions: 1,
          exceptionGroups: [{ reason: 'program-not-accepted', source: 'payout', count: 1, units: 55 }],
        },
      },
    });
    const id = asked.body.approval.id as string;
    const pending = await api.call('finance2', 'GET', '/api/approvals?status=pending');
    expect(pending.body.approvals.map((a: { id: string }) => a.id)).toContain(id);

    const rejected = await api.call('finance2', 'POST', `/api/approvals/${id}/reject`, {
      comment: 'Wait for March',
    });
    expect(rejected).toMatchObject({
      status: 200,
      body: {
        approval: {
          status: 'rejected',
          decidedBy: { sub: 'fin-2', role: 'finance' },
          comment: 'Wait for March',
        },
      },
    });
    const onRecord = await api.call('finance', 'GET', '/api/approvals?status=rejected');
    expect(onRecord.body.approvals).toEqual([
      expect.objectContaining({
        id,
        status: 'rejected',
        decidedAt: expect.any(String),
        comment: 'Wait for March',
      }),
    ]);
    expect((await api.call('finance', 'GET', '/api/approvals?status=pending')).body.approvals).toEqual([]);
    // A decided request cannot be decided again, and the quarter stays open.
    expect(await api.call('finance', 'POST', `/api/approvals/${id}/approve`)).toMatchObject({
      status: 409,
      body: { error: { code: 'approval-decided' } },
    });
    expect((await api.call('finance', 'GET', `/api/quarters/${Q1}/payouts`)).body.status).toBe('open');
  });

  it('refuses to approve a close whose total changed after the request', async () => {
    const asked = await api.call('finance', 'POST', `/api/quarters/${Q1}/close`);
    await env.upload('alfa', 'mar.csv', renderReport([sale('M-1', 'RU910001', 5)]));
    const stale = await api.call('finance2', 'POST', `/api/approvals/${asked.body.approval.id}/approve`);
    expect(stale).toMatchObject({ status: 409, body: { error: { code: 'approval-stale' } } });
    expect(stale.body.error.message).toContain(
      `the total was ${money(130 * RATE)} RUB, now ${money(135 * RATE)} RUB`,
    );
    expect(stale.body.error.message).toMatch(/Ask for the close again/);
    expect((await api.call('finance', 'GET', `/api/quarters/${Q1}/payouts`)).body.status).toBe('open');
  });

  it('closes when another finance user approves, never the one who asked', async () => {
    const asked = await api.call('finance2', 'POST', `/api/quarters/${Q1}/close`);
    const id = asked.body.approval.id as string;
    const self = await api.call('finance2', 'POST', `/api/approvals/${id}/approve`);
    expect(self.status).toBe(403);
    expect(self.body.error.message).toMatch(/cannot approve it: another user has to approve it/);
    expect((await api.call('program', 'POST', `/api/approvals/${id}/approve`)).status).toBe(403);

    const ok = await api.call('finance', 'POST', `/api/approvals/${id}/approve`);
    expect(ok).toMatchObject({
      status: 200,
      body: { approval: { status: 'approved' }, snapshot: { closedBy: 'fin-1', total: money(135 * RATE) } },
    });
    expect((await api.call('finance', 'GET', '/api/quarters')).body.quarters[0]).toMatchObject({
      quarter: Q1,
      status: 'closed',
    });
  });
});

describe('changes to a closed quarter wait for approval', () => {
  it("keeps a manager's backdated acceptance pending with its RUB effect until someone else approves it", async () => {
    const res = await api.call('central', 'PUT', '/api/reference/acceptances', {
      rows: [
        { partnerId: 'RU910003', program: 'client', plan: null, acceptedAt: '2016-03-01T10:00:00+03:00' },
      ],
    });
    const effect = money(55 * RATE);
    // The answer comes before the effect is known: the compute function works it out.
    expect(res).toMatchObject({
      status: 202,
      body: {
        written: 0,
        change: { id: expect.stringMatching(/^apr_/), status: 'evaluating' },
        approval: { kind: 'reference-change', status: 'evaluating', requestedBy: { sub: 'mgr-1', role: 'manager' } },
      },
    });
    expect(res.body.note).toMatch(/being checked against its figures/);
    const id = res.body.change.id as string;
    expect(await settledApproval(getAs(api, 'central'), id)).toMatchObject({
      kind: 'reference-change',
      status: 'pending',
      requestedBy: { sub: 'mgr-1', role: 'manager' },
      effect: {
        totalRub: effect,
        partners: [{ quarter: Q1, partnerId: 'RU910003', before: '0.00', after: effect, delta: effect }],
      },
    });
    await env.rt.idle();

    // Not written: no adjustment, and the partner's acceptances are as they were.
    const q2 = () => api.call('central', 'GET', '/api/quarters/2016-Q2/payouts?partner=RU910003');
    expect((await q2()).body.lines).toEqual([]);
    expect((await env.rt.deps.reference.partnerState('RU910003')).acceptances).toEqual([]);

    const mine = await api.call('central', 'GET', '/api/approvals?status=pending');
    expect(mine.body.approvals.map((a: { id: string }) => a.id)).toEqual([id]);
    expect((await api.call('central', 'POST', `/api/approvals/${id}/approve`)).status).toBe(403);

    const ok = await api.call('program', 'POST', `/api/approvals/${id}/approve`);
    expect(ok).toMatchObject({
      status: 200,
      body: { approval: { status: 'approved' }, written: { acceptances: 1 } },
    });
    await env.rt.idle();
    const after = await q2();
    expect(after.body.total).toBe(effect);
    expect(after.body.lines).toEqual([
      expect.objectContaining({ amount: effect, adjustment: { ofQuarter: Q1 } }),
    ]);
    expect((await api.call('central', 'GET', `/api/quarters/${Q1}/partners/RU910003`)).body.total).toBe(
      '0.00',
    );
  });

  it('writes, once evaluated, a change that alters no closed quarter', async () => {
    const res = await api.call('central', 'PUT', '/api/reference/trainings', {
      rows: [
        { partnerId: 'RU910001', courseCode: 'DELL-CLIENT-101', completedAt: '2016-06-01T10:00:00+03:00' },
      ],
    });
    expect(res).toMatchObject({ status: 202, body: { written: 0, change: { status: 'evaluating' } } });
    const settled = await settledApproval(getAs(api, 'central'), res.body.change.id);
    expect(settled).toMatchObject({ status: 'applied', appliedAt: expect.any(String) });
    expect(settled.effect).toBeUndefined();
    await env.rt.idle();
    const trainings = (await env.rt.deps.reference.partnerState('RU910001')).trainings;
    expect(trainings.map((t) => t.courseCode)).toContain('DELL-CLIENT-101');
    // Applied is not something to decide.
    expect((await api.call('finance', 'POST', `/api/approvals/${settled.id}/approve`)).status).toBe(409);
  });

  it('keeps a rejected change on record and writes nothing', async () => {
    // A plan of 150 chosen later (still before the deadline): RU910002's 70 units miss it.
    const res = await api.call('program', 'PUT', '/api/reference/acceptances', {
      rows: [
        { partnerId: 'RU910002', program: 'client', plan: 150, acceptedAt: '2016-03-20T10:00:00+03:00' },
      ],
    });
    const id = res.body.change.id as string;
    expect(await settledApproval(getAs(api, 'program'), id)).toMatchObject({
      status: 'pending',
      effect: { totalRub: money(-70 * RATE) },
    });
    const rejected = await api.call('finance', 'POST', `/api/approvals/${id}/reject`, {
      comment: 'Too late to change',
    });
    expect(rejected.body.approval).toMatchObject({ status: 'rejected', decidedBy: { sub: 'fin-1' } });
    expect((await env.rt.deps.reference.partnerState('RU910002')).acceptances).toHaveLength(1);
    const onRecord = await api.call('program', 'GET', '/api/approvals?status=rejected');
    expect(onRecord.body.approvals.map((a: { id: string }) => a.id)).toContain(id);
  });
});

describe('audit trail', () => {
  const entries = async (who: 'finance' | 'central' | 'program', query = '') => {
    const res = await api.call(who, 'GET', `/api/audit${query}`);
    expect(res.status).toBe(200);
    return res.body.entries as AuditEntry[];
  };

  it('records every action with when, who and role, what, before and after', async () => {
    expect((await api.call('finance', 'GET', `/api/quarters/${Q1}/export?format=csv`)).status).toBe(200);
    const all = await entries('finance');
    const kinds = all.map((e) => `${e.kind} ${e.actor.sub} ${e.actor.role}`);
    for (const k of [
      'report alfa distributor',
      'close-request fin-1 finance',
      'close-rejection fin-2 finance',
      'close-request fin-2 finance',
      'close-approval fin-1 finance',
      'change-request mgr-1 manager',
      'change-approval prog-1 program',
      'reference mgr-1 manager',
      'change-request prog-1 program',
      'change-rejection fin-1 finance',
      'export fin-1 finance',
    ])
      expect(kinds).toContain(k);
    // Newest first, instants in UTC.
    expect(all.map((e) => e.at)).toEqual([...all.map((e) => e.at)].sort().reverse());
    expect(all.every((e) => e.at.endsWith('Z'))).toBe(true);

    const written = all.find((e) => e.kind === 'reference' && e.actor.sub === 'mgr-1' && e.approvalId)!;
    expect(written.before).toEqual({ acceptances: [] });
    expect(written.after).toEqual({
      acceptances: [expect.objectContaining({ partnerId: 'RU910003', program: 'client', plan: null })],
    });
    const rejection = all.find((e) => e.kind === 'close-rejection')!;
    expect(rejection).toMatchObject({ comment: 'Wait for March', quarters: [Q1] });
    const approval = all.find((e) => e.kind === 'close-approval')!;
    expect(approval.after).toMatchObject({ status: 'closed', total: money(135 * RATE) });
  });

  it('filters by actor, quarter and partner', async () => {
    const byManager = await entries('program', '?actor=mgr-1');
    expect(byManager.length).toBeGreaterThan(0);
    expect(byManager.every((e) => e.actor.sub === 'mgr-1')).toBe(true);
    const q1 = await entries('finance', `?quarter=${Q1}`);
    expect(q1.length).toBeGreaterThan(0);
    expect(q1.every((e) => e.quarters.includes(Q1))).toBe(true);
    const partner = await entries('finance', '?partner=ru 910003');
    expect(partner.map((e) => e.kind).sort()).toEqual(['change-approval', 'change-request', 'reference']);
  });

  it("shows a partner manager only entries about the territory's partners", async () => {
    const seen = await entries('central');
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((e) => e.partners.some((p) => p === 'RU910001' || p === 'RU910003'))).toBe(true);
    expect(seen.some((e) => e.partners.includes('RU910002'))).toBe(false);
    expect(seen.some((e) => e.kind.startsWith('close'))).toBe(false);
    expect((await api.call('central', 'GET', '/api/audit?partner=RU910002')).status).toBe(403);
    expect((await api.call('alfa', 'GET', '/api/audit')).status).toBe(403);
  });

  it('never overwrites an entry', async () => {
    const [latest] = await entries('finance');
    await expect(env.rt.deps.audit.append({ ...latest!, target: 'rewritten' })).rejects.toThrow(
      /conditional/i,
    );
    expect((await entries('finance'))[0]).toEqual(latest);
  });
});

describe('approvals and audit in the reader\'s language', () => {
  const ask = async (path: string, lang?: string): Promise<Answer['body']> => {
    const res = await api.call('finance', 'GET', path, undefined, undefined, lang ? { 'accept-language': lang } : {});
    expect(res.status).toBe(200);
    return res.body;
  };
  type Said = { subject?: AuditSubject };
  /** The text without the subject's identifiers, which stay as recorded in every language. */
  const withoutIdentifiers = (text: string, s: AuditSubject | undefined) => {
    const p = (s?.params ?? {}) as Record<string, unknown>;
    const ids = [
      ...(s?.code === 'rows' ? s.params.groups.flatMap((g) => g.named) : []),
      ...Object.values(p).filter((v): v is string => typeof v === 'string'),
    ].sort((a, b) => b.length - a.length);
    return ids.reduce((rest, id) => rest.split(id).join(''), text);
  };

  it('words every kind of audit entry in Russian when asked, keeping the English target', async () => {
    const paid = await api.call('finance', 'POST', '/api/payments', {
      quarter: Q1,
      partnerId: 'RU910001',
      distributorId: 'alfa',
      date: '2016-05-10',
      reference: 'ПП-17',
      amount: '100.00',
    });
    expect(paid.status).toBe(201);
    // Kinds no request of this file records (a redemption needs thousands of points; nothing records a
    // rules change yet) are appended as an entry written before subjects were recorded: its target only.
    const older: Record<string, string> = {
      redemption: 'redemption of ray-ban-aviator by RU910001',
      rules: 'rules of quarter 2016-Q2, version 2016-Q2.v2',
    };
    const seen = new Set((await ask('/api/audit')).entries.map((e: AuditEntry) => e.kind));
    for (const kind of AUDIT_KINDS.filter((k) => !seen.has(k)))
      await env.rt.deps.audit.append({
        id: `${new Date().toISOString()}#older-${kind}`,
        at: new Date().toISOString(),
        actor: { sub: 'fin-1', role: 'finance' },
        kind,
        target: older[kind] ?? `no known form for ${kind}`,
        quarters: [],
        partners: [],
      });

    const ru = (await ask('/api/audit', 'ru, en;q=0.5')).entries as (AuditEntry & Said & { targetText: string; targetLang: string })[];
    for (const kind of AUDIT_KINDS) {
      const ofKind = ru.filter((e) => e.kind === kind);
      expect(ofKind.length, kind).toBeGreaterThan(0);
      for (const e of ofKind) {
        expect({ kind, lang: e.targetLang }).toEqual({ kind, lang: 'ru' });
        expect(e.targetText).toMatch(/[а-яё]/);
        expect(withoutIdentifiers(e.targetText, e.subject), e.targetText).not.toMatch(/[A-Za-z]/);
        // The recorded English target stays what older clients read.
        expect(e.target).toBe(subjectText(e.subject!, 'en'));
      }
    }
    const close = ru.find((e) => e.kind === 'close-rejection')!;
    expect(close.targetText).toBe(`закрытие квартала ${Q1} по запросу fin-1`);
    // The English every older client reads, written out: not derived from the code under test.
    expect(close.target).toBe(`close of quarter ${Q1}, asked by fin-1`);

    const en = (await ask('/api/audit')).entries as (AuditEntry & { targetText: string; targetLang: string })[];
    expect(en.every((e) => e.targetText === e.target && e.targetLang === 'en')).toBe(true);
  });

  it('words what every kind of approval is about in Russian, identifiers as written', async () => {
    const approvals = (await ask('/api/approvals', 'ru')).approvals as (Said & {
      kind: string;
      subjectText: string;
      subjectLang: string;
    })[];
    for (const kind of APPROVAL_KINDS) {
      const ofKind = approvals.filter((a) => a.kind === kind);
      expect(ofKind.length, kind).toBeGreaterThan(0);
      for (const a of ofKind) {
        expect(a.subjectLang).toBe('ru');
        expect(a.subjectText).toMatch(/[а-яё]/);
        expect(withoutIdentifiers(a.subjectText, a.subject), a.subjectText).not.toMatch(/[A-Za-z]/);
      }
    }
    const acceptance = approvals.find((a) => a.subjectText.includes('RU910003'));
    expect(acceptance?.subjectText).toBe('принятия программы: RU910003');
    const english = (await ask('/api/approvals')).approvals as { subjectText: string }[];
    expect(english.map((a) => a.subjectText)).toContain('acceptances of RU910003');
  });
});
