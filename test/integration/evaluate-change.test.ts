/**
 * A reference change to a stack with a closed quarter is answered before its effect is known: the
 * API stores it as `evaluating` and the compute function evaluates it from the queue (issue #12
 * point 5, issue #14 point 3). The local runtime holds the compute queue until the test releases it,
 * so the answer is seen to come before any computation. On the real emulators.
 *
 * 2016-Q1 client program: plan 50, vostro-3xxx pays 154 RUB per unit.
 */
import '../../local/env-defaults.js'; // before the handler modules create their loggers
import { setTimeout as delay } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { importThroughApi } from '../../local/api-commands.js';
import { cliWords } from '../../local/cli-words.js';
import { ApiClient } from '../../local/up-client.js';
import { evaluateReferenceChange } from '../../shared/pipeline/evaluate-change.js';
import { useTestApi } from '../support/api-client.js';
import { getAs, settledApproval } from '../support/approvals.js';
import { referenceChange, renderReport, useLocalRuntime, salesOf } from '../support/runtime.js';

const Q1 = '2016-Q1';
const VOSTRO = 'VOSTRO 3568 NB 15.6 HD I5-7200U 4GB 1TB';
const RATE = 154;

const env = useLocalRuntime({ computeAfterIngest: true });
const api = useTestApi(env);

const line = salesOf(VOSTRO);
const sale = (invoice: string, partnerId: string, qty: number) => line({ invoice, partnerId, qty });
const compute = () => env.rt.queueWork().find((w) => w.queue === 'compute')!;
const asProgram = getAs(api, 'program');

beforeAll(async () => {
  await env.importReference({
    partners: [
      { id: 'RU920001', name: 'ООО «Первый»', region: 'Central' },
      { id: 'RU920002', name: 'ООО «Второй»', region: 'Central' },
    ],
    distributors: ['alfa'],
    // RU920002 has not accepted the program: its units pay nothing.
    acceptances: [{ partnerId: 'RU920001', program: 'client', acceptedAt: '2016-02-01T10:00:00+03:00' }],
  });
  await env.upload(
    'alfa',
    'feb.csv',
    renderReport([sale('E-1', 'RU920001', 60), sale('E-2', 'RU920002', 55)]),
  );
  const asked = await api.call('finance', 'POST', `/api/quarters/${Q1}/close`);
  const closed = await api.call('finance2', 'POST', `/api/approvals/${asked.body.approval.id}/approve`);
  expect(closed.status).toBe(200);
  await env.rt.idle();
});

describe('a reference change to a stack with a closed quarter', () => {
  it('answers 202 evaluating before any computation runs, and becomes pending with its RUB effect once released', async () => {
    const release = env.rt.holdComputations();
    try {
      const doneBefore = compute().completed;
      const res = await api.call('program', 'PUT', '/api/reference/acceptances', {
        rows: [
          { partnerId: 'RU920002', program: 'client', plan: null, acceptedAt: '2016-03-01T10:00:00+03:00' },
        ],
      });
      expect(res).toMatchObject({ status: 202, body: { written: 0, change: { status: 'evaluating' } } });
      const id = res.body.change.id as string;
      await delay(300); // time enough for an evaluation that was not held to run
      expect(compute().completed).toBe(doneBefore);
      expect(compute().pending).toBe(1);
      const listed = await api.call('program', 'GET', '/api/approvals?status=evaluating');
      expect(listed.body.approvals).toEqual([expect.objectContaining({ id, status: 'evaluating' })]);
      expect(listed.body.approvals[0].effect).toBeUndefined();
      // Nothing is written, and there is nothing to decide yet.
      expect((await env.rt.deps.reference.partnerState('RU920002')).acceptances).toEqual([]);
      const early = await api.call('finance', 'POST', `/api/approvals/${id}/approve`);
      expect(early.status).toBe(409);
      expect(early.body.error.message).toMatch(/still being evaluated/);

      release();
      const effect = (55 * RATE).toFixed(2);
      expect(await settledApproval(asProgram, id)).toMatchObject({
        status: 'pending',
        quarters: [Q1],
        effect: { totalRub: effect, partners: [{ quarter: Q1, partnerId: 'RU920002', delta: effect }] },
      });
      await env.rt.idle();
      expect((await env.rt.deps.reference.partnerState('RU920002')).acceptances).toEqual([]);
      const audit = await api.call('finance', 'GET', '/api/audit');
      expect(
        audit.body.entries
          .filter((e: { approvalId?: string; kind: string }) => e.approvalId === id)
          .map((e: { kind: string }) => e.kind),
      ).toEqual(['change-request']);

      // A redelivered evaluation finds it settled and changes nothing.
      expect(await evaluateReferenceChange(env.rt.deps, id)).toBe('already-settled');
      const again = await api.call('finance', 'GET', '/api/audit');
      expect(again.body.entries.filter((e: { approvalId?: string }) => e.approvalId === id)).toHaveLength(1);
    } finally {
      release();
    }
  });

  it('writes a change that alters no closed quarter once released, marks it applied and computes the quarters', async () => {
    const release = env.rt.holdComputations();
    try {
      const res = await api.call('program', 'PUT', '/api/reference/trainings', {
        rows: [
          { partnerId: 'RU920001', courseCode: 'DELL-CLIENT-101', completedAt: '2016-06-01T10:00:00+03:00' },
        ],
      });
      expect(res).toMatchObject({ status: 202, body: { change: { status: 'evaluating' } } });
      await delay(200);
      expect((await env.rt.deps.reference.partnerState('RU920001')).trainings).toEqual([]);

      release();
      const settled = await settledApproval(asProgram, res.body.change.id);
      expect(settled).toMatchObject({ status: 'applied', appliedAt: expect.any(String) });
      expect(settled.computationsRequested).toContain(Q1);
      await env.rt.idle();
      const trainings = (await env.rt.deps.reference.partnerState('RU920001')).trainings;
      expect(trainings.map((t) => t.courseCode)).toEqual(['DELL-CLIENT-101']);
      expect(compute().pending).toBe(0);
      expect(env.rt.deadLetters()).toEqual([]);
    } finally {
      release();
    }
  });

  it('`import` against a running `up` waits for each change to be checked and says what became of it', async () => {
    const rows = referenceChange({
      partners: [{ id: 'RU920002', name: 'ООО «Второй»', region: 'Central' }],
      acceptances: [{ partnerId: 'RU920002', program: 'client', acceptedAt: '2016-03-10T10:00:00+03:00' }],
    });
    const sent = await importThroughApi(new ApiClient(api.server.url, api.token('program')), {
      partners: rows.partners ?? [],
      distributors: [],
      acceptances: rows.acceptances ?? [],
      trainings: [],
      catalog: [],
    });
    const said = cliWords('en').importedThroughUp(sent);
    expect(said).toMatch(
      /^imported 1 partners \(checked: no closed quarter changes\), 1 acceptances waiting for approval \(apr_/,
    );
    expect(said).toContain(`would change closed quarter ${Q1} by ${(55 * RATE).toFixed(2)} RUB`);
    expect(cliWords('ru').importedThroughUp(sent)).toMatch(
      new RegExp(
        `^импортировано: 1 партнёр \\(проверено: закрытые кварталы не меняются\\), 1 принятие программы ждёт утверждения \\(apr_.*изменило бы закрытый квартал ${Q1} на ${(55 * RATE).toFixed(2)} руб\\.`,
      ),
    );
    expect((await env.rt.deps.reference.partnerState('RU920002')).acceptances).toEqual([]);
  });
});
