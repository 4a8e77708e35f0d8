/**
 * A close completes durably (issue #13, as it runs in AWS): a close writes its record with
 * `creditsComplete: false` and a computation request, and no credit (issue #12, point 5: no use
 * case inside an API request); that request credits every partner, with the quarter's inputs
 * unchanged or changed, and finishes the credits of a computation cut off midway; a retried approve
 * of an approval cut off after the close record sends the request again; a record written before
 * the flag existed counts as complete. On the real emulators; the only fakes are a ledger that fails
 * after N entries and a queue that dies on publish (the faults), and a compute queue that keeps the
 * close's requests until the test sends them on (so nothing finishes them early).
 *
 * 2016-Q1..Q3 client program, vostro-3xxx: 10 example points a unit. The tests build on each other.
 */
import { describe, expect, it } from 'vitest';
import { approve, requestClose } from '../../shared/pipeline/approvals.js';
import { closeQuarter, finishCredits } from '../../shared/pipeline/quarters.js';
import { verifyQuarter } from '../../shared/pipeline/verify.js';
import type { ComputeQueue, ComputeRequest, LedgerRepository } from '../../shared/ports/index.js';
import type { Actor } from '../../shared/ports/approvals.js';
import type { AppDeps } from '../../shared/wiring.js';
import { renderReport, useLocalRuntime, type SaleLine } from '../support/runtime.js';

const [Q1, Q2, Q3] = ['2016-Q1', '2016-Q2', '2016-Q3'];
const VOSTRO = 'VOSTRO 3568 NB 15.6 HD I5-7200U 4GB 1TB'; // client/vostro-3xxx, 10 points a unit
const DIST = 'dc-a';
const PARTNERS = ['DC1', 'DC2', 'DC3'];
const POINTS_PER_UNIT = 10;

const env = useLocalRuntime();
const deps = () => env.rt.deps;

function report(date: string, units: Record<string, number>): Buffer {
  const lines: SaleLine[] = Object.entries(units).map(([partnerId, qty], i) => ({
    date,
    invoice: `DC-${date}-${i}`,
    partnerId,
    description: VOSTRO,
    qty,
  }));
  return renderReport(lines);
}

/** The injected fault: a process dying between two ledger writes. */
class ProcessDiedError extends Error {}

/** The fault: the ledger accepts `entries` entries, then every append fails as a dying process would. */
function ledgerFailingAfter(ledger: LedgerRepository, entries: number): LedgerRepository {
  let written = 0;
  return {
    async append(list) {
      if (written + list.length > entries) throw new ProcessDiedError('the process died while crediting points');
      written += list.length;
      await ledger.append(list);
    },
  };
}

/** Keeps computation requests until sent on, so the test decides when the close's request runs. */
function heldQueue(): ComputeQueue & { held: ComputeRequest[] } {
  const held: ComputeRequest[] = [];
  return { held, publish: async (requests) => void held.push(...requests) };
}

/** The quarter's credited points per partner, from the ledger. */
async function credited(quarter: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const id of PARTNERS) {
    const { ledger } = await deps().reference.partnerState(id);
    const sum = ledger.filter((e) => e.quarter === quarter && e.kind !== 'redeem').reduce((s, e) => s + e.points, 0);
    if (sum) out[id] = sum;
  }
  return out;
}

const ledgerDifferences = async (quarter: string) =>
  (await verifyQuarter(deps(), quarter)).differences.filter((d) => d.what === 'ledger');

/**
 * A close, then its credits cut off after the first ledger entry (as a computation dying midway
 * would leave them); returns the requests the close published, still held.
 */
async function closeCutOff(quarter: string): Promise<ComputeRequest[]> {
  const queue = heldQueue();
  await closeQuarter({ ...deps(), compute: queue }, quarter, 'fin-1', new Date());
  // The close itself credits nothing: the computation it requests does.
  expect(await credited(quarter)).toEqual({});
  expect((await deps().quarters.get(quarter))!.creditsComplete).toBe(false);
  const failing: AppDeps = { ...deps(), ledger: ledgerFailingAfter(deps().ledger, 1) };
  await expect(finishCredits(failing, quarter)).rejects.toBeInstanceOf(ProcessDiedError);
  return queue.held;
}

describe('a close that completes durably', () => {
  it('finishes the credits of a close cut off after its record when its computation request runs, inputs unchanged', async () => {
    await env.importReference({
      distributors: [DIST],
      partners: PARTNERS,
      acceptances: PARTNERS.flatMap((partnerId) => [{ partnerId, program: 'client' }]),
    });
    await env.upload(DIST, 'q1.csv', report('2016-02-20', { DC1: 55, DC2: 60, DC3: 70 }));
    const expected = { DC1: 55 * POINTS_PER_UNIT, DC2: 60 * POINTS_PER_UNIT, DC3: 70 * POINTS_PER_UNIT };

    const requests = await closeCutOff(Q1);
    expect(requests.map((r) => r.quarter)).toEqual([Q1]);
    const record = (await deps().quarters.get(Q1))!;
    expect(record.status).toBe('closed');
    expect(record.creditsComplete).toBe(false);
    expect(Object.keys(await credited(Q1))).toHaveLength(1);
    expect(await ledgerDifferences(Q1)).toHaveLength(2);

    // The request goes through the compute handler as SQS would deliver it; the inputs are unchanged.
    const before = (await deps().computations.latest(Q1))!;
    await deps().compute.publish(requests);
    await env.rt.idle();
    expect((await deps().computations.latest(Q1))!.computedAt).toBe(before.computedAt);
    expect(await credited(Q1)).toEqual(expected);
    expect((await deps().quarters.get(Q1))!.creditsComplete).toBe(true);
    expect(await ledgerDifferences(Q1)).toEqual([]);

    // Asking again writes nothing twice.
    const entries = async () =>
      (await Promise.all(PARTNERS.map(async (id) => (await deps().reference.partnerState(id)).ledger.length))).reduce(
        (a, b) => a + b,
      );
    const count = await entries();
    await deps().compute.publish(requests);
    await env.rt.idle();
    expect(await entries()).toBe(count);
  });

  it('finishes them in a computation whose inputs changed, crediting every partner, not only the changed one', async () => {
    await env.upload(DIST, 'q2.csv', report('2016-05-20', { DC1: 55, DC2: 60, DC3: 70 }));
    await closeCutOff(Q2);
    expect(Object.keys(await credited(Q2))).toHaveLength(1);

    // A corrected report changes DC3 alone; its computation is what finishes the close.
    await env.upload(DIST, 'q2.csv', report('2016-05-20', { DC1: 55, DC2: 60, DC3: 72 }));
    expect(await credited(Q2)).toEqual({
      DC1: 55 * POINTS_PER_UNIT,
      DC2: 60 * POINTS_PER_UNIT,
      DC3: 72 * POINTS_PER_UNIT,
    });
    expect((await deps().quarters.get(Q2))!.creditsComplete).toBe(true);
    expect(await ledgerDifferences(Q2)).toEqual([]);
  });

  it('lets a retried approve of the same approval send the lost credit request instead of refusing a closed quarter', async () => {
    await env.upload(DIST, 'q3.csv', report('2016-08-20', { DC1: 55, DC2: 60, DC3: 70 }));
    const maker: Actor = { sub: 'fin-1', role: 'finance' };
    const checker: Actor = { sub: 'fin-2', role: 'finance' };
    const request = await requestClose(deps(), Q3, maker);

    // The process dies after the close record, before its computation request is sent.
    const dying: ComputeQueue = {
      publish: async () => {
        throw new ProcessDiedError('the process died before sending the computation request');
      },
    };
    await expect(approve({ ...deps(), compute: dying }, request.id, checker)).rejects.toBeInstanceOf(ProcessDiedError);
    expect((await deps().approvals.get(request.id))!.status).toBe('pending');
    expect((await deps().quarters.get(Q3))).toMatchObject({ status: 'closed', creditsComplete: false, approvalId: request.id });
    await env.rt.idle();
    expect(await credited(Q3)).toEqual({});

    // The retry answers with the snapshot, before any credit; the request it sends credits them.
    const queue = heldQueue();
    const retried = await approve({ ...deps(), compute: queue }, request.id, checker);
    expect(retried.approval.status).toBe('approved');
    expect('snapshot' in retried && retried.snapshot.total.toFixed(2)).toBe(request.total);
    expect(queue.held.map((r) => r.quarter)).toEqual([Q3]);
    expect(await credited(Q3)).toEqual({});
    await deps().compute.publish(queue.held);
    await env.rt.idle();
    expect(await credited(Q3)).toEqual({ DC1: 550, DC2: 600, DC3: 700 });
    expect((await deps().quarters.get(Q3))!.creditsComplete).toBe(true);

    // Once decided, another approve is refused as before.
    await expect(approve(deps(), request.id, checker)).rejects.toThrow(/already approved/);
  });

  it('counts a close record written before the flag existed as complete', async () => {
    const Q4 = '2016-Q4';
    await env.upload(DIST, 'q4.csv', report('2016-11-20', { DC1: 55 }));
    // The record as an earlier version wrote it: no creditsComplete, and (for the test) no credits.
    const record = (await deps().quarters.get(Q1))!;
    const { creditsComplete: _flag, approvalId: _id, ...legacy } = record;
    expect(await deps().quarters.close({ ...legacy, quarter: Q4, status: 'closed' })).toBe(true);
    expect((await deps().quarters.get(Q4))!.creditsComplete).toBeUndefined();

    await deps().compute.publish([{ quarter: Q4, cause: 'test: a request after the close' }]);
    await env.rt.idle();
    expect(await credited(Q4)).toEqual({});
    expect((await deps().quarters.get(Q4))!.creditsComplete).toBeUndefined();
    // verify still finds the ledger short.
    expect((await ledgerDifferences(Q4)).map((d) => d.subject)).toEqual(['DC1']);
  });
});
