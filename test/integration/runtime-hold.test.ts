/**
 * `rebates run` reads the reports while the reference data is written: the local runtime holds the
 * quarter computation until the caller releases it, so one computation sees both. On the real
 * emulators.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { latestComputation } from '../../shared/pipeline/compute.js';
import { importReference } from '../../shared/pipeline/reference-import.js';
import { referenceChange, renderReport, useLocalRuntime } from '../support/runtime.js';

const Q1 = '2016-Q1';
const VOSTRO = 'VOSTRO 3568 NB 15.6 HD I5-7200U 4GB 1TB'; // client/vostro-3xxx, 154 RUB a unit

const env = useLocalRuntime({ computeAfterIngest: true });

const work = (queue: 'ingest' | 'compute') => env.rt.queueWork().find((w) => w.queue === queue)!;

describe('computations held while reference data is written', () => {
  it('computes nothing while held, then once, with the report and the reference data written meanwhile', async () => {
    await env.importReference({ distributors: ['hold-d'] });
    const computedBefore = work('compute').completed;
    const release = env.rt.holdComputations();

    // The report arrives before its partner is registered, as in `rebates run`.
    await env.rt.upload(
      'incoming/hold-d/held.csv',
      renderReport([{ date: '2016-02-10', invoice: 'H-1', partnerId: 'HOLD1', description: VOSTRO, qty: 7 }]),
    );
    while (work('ingest').pending > 0) await delay(20);
    await importReference(
      env.rt.deps,
      referenceChange({ partners: ['HOLD1'], acceptances: [{ partnerId: 'HOLD1', program: 'client' }] }),
      { quarters: [Q1] },
    );
    await delay(200); // time enough for a computation that was not held to start
    expect(work('compute').completed).toBe(computedBefore);
    expect(work('compute').pending).toBe(1); // the report's request and the import's, coalesced

    release();
    release(); // a second call changes nothing
    await env.rt.idle();
    expect(work('compute').completed).toBe(computedBefore + 1);
    const paid = (await env.payouts(Q1, 'HOLD1'))!;
    expect(paid.lines.map((l) => [l.rateRow, l.units])).toEqual([['vostro-3xxx', 7]]);
    const computed = (await latestComputation(env.rt.deps, Q1))!;
    expect(computed.body.counts.heldByReason['unknown-partner'] ?? 0).toBe(0);
  });
});
