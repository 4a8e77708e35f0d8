/**
 * The watchlist and the exceptions workbench from the computation's workbench object (issue #15
 * point 5), on the real emulators: once the computation has stored it beside its body, the first
 * request reads no payout item and no reference snapshot (DynamoDB commands counted at the client);
 * every answer, for each role and language, is the one the payout items and the snapshot give, which
 * is what answers when the object is missing (not stored yet, its write failed, or deleted).
 */
import '../../local/env-defaults.js'; // before the handler modules create their loggers
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Reply } from '../../functions/api/http.js';
import { getQuarterExceptions, getWatchlist } from '../../functions/api/routes-workbench.js';
import { principalFromClaims } from '../../shared/auth/principal.js';
import { quarterWorkbench } from '../../shared/pipeline/close-exceptions.js';
import { latestComputation } from '../../shared/pipeline/compute.js';
import { workbenchKey } from '../../shared/storage-contract.js';
import type { AppDeps } from '../../shared/wiring.js';
import { CALLERS, type Caller } from '../support/api-client.js';
import { sampleRules } from '../support/domain-fixtures.js';
import { FaultInjector, throwing } from '../support/faults.js';
import { renderReport, salesOf, useLocalRuntime } from '../support/runtime.js';

const Q1 = '2016-Q1';
const rules = sampleRules(Q1);
const VOSTRO = 'VOSTRO 3568 NB 15.6 HD I5-7200U 4GB 1TB'; // client/vostro-3xxx
const PRECISION = 'Dell Precision T3620 MT workstation E3-1225v5 8GB 1TB'; // client/workstation, gated
const CABLE = 'Кабель HDMI 2 м'; // unclassified

const faults = new FaultInjector();
const env = useLocalRuntime({ wrapClients: faults.wrap });
const sale = salesOf(VOSTRO);

beforeAll(async () => {
  await env.importReference({
    partners: [
      { id: 'RU940201', name: 'ООО «Почти План»', region: 'Central' },
      { id: 'RU940202', name: 'ООО «Волга Почти»', region: 'Volga' },
      { id: 'RU940203', name: 'ООО «Без Курса»', region: 'Volga' },
      { id: 'RU940204', name: 'ООО «Без Акцепта»', region: 'Central' },
    ],
    distributors: ['alfa'],
    acceptances: [
      { partnerId: 'RU940201', program: 'client', plan: 150 },
      { partnerId: 'RU940202', program: 'client', plan: 50 },
      { partnerId: 'RU940203', program: 'client', plan: 50 },
    ],
  });
  await env.upload(
    'alfa',
    'feb.csv',
    renderReport([
      sale({ invoice: 'B-1', partnerId: 'RU940201', qty: 146 }),
      sale({ invoice: 'B-2', partnerId: 'RU940202', qty: 45 }),
      sale({ invoice: 'B-3', partnerId: 'RU940203', qty: 60 }),
      sale({ invoice: 'B-4', partnerId: 'RU940203', description: PRECISION, sku: '3620-8741', qty: 8 }),
      sale({ invoice: 'B-5', partnerId: 'RU940204', qty: 47 }),
      sale({ invoice: 'B-6', partnerId: 'RU999998', qty: 7 }), // not in the registry
      sale({ invoice: 'B-7', partnerId: 'RU940202', description: CABLE, sku: 'CBL-HDMI-2', qty: 3 }),
    ]),
  );
});

const WHO: Caller[] = ['program', 'central', 'volga', 'finance'];
const QUERIES: Record<string, string | undefined>[] = [
  {},
  { limit: '2', sort: 'units' },
  { q: 'волга' },
  { reason: 'plan-not-met', limit: '1', offset: '1' },
];

const json = (reply: Reply) => ('json' in reply ? reply.json : reply);

/** Every answer of both routes, for each caller, language and query, as JSON text. */
async function answers(deps: AppDeps) {
  const out: Record<string, unknown> = {};
  for (const who of WHO)
    for (const lang of ['en', 'ru'])
      for (const [n, query] of QUERIES.entries()) {
        const req = {
          deps,
          principal: principalFromClaims(CALLERS[who]),
          params: { q: Q1 },
          headers: { 'accept-language': lang },
          body: null,
        };
        const { reason, ...watchQuery } = query;
        if (!reason) out[`watch ${who} ${lang} ${n}`] = json(await getWatchlist({ ...req, query: watchQuery }));
        out[`exceptions ${who} ${lang} ${n}`] = json(await getQuarterExceptions({ ...req, query }));
      }
  return JSON.parse(JSON.stringify(out)) as Record<string, unknown>;
}

// What reading payout items (BatchGet) and the snapshot (queries of the registry indexes) sends.
const itemReads = () => faults.count('doc', 'BatchGetCommand') + faults.count('doc', 'QueryCommand');

/** Deps with caches of their own: nothing kept by an earlier request answers. */
const fresh = (deps: AppDeps): AppDeps => ({ ...deps, objects: Object.create(deps.objects) as AppDeps['objects'] });

// The object is stored after the pointer: a loaded machine may take a while.
const STORED_MS = 60_000;

/** The latest computation and its workbench object's key, once that object is stored. */
async function storedPart(deps: AppDeps) {
  const latest = (await latestComputation(deps, Q1))!;
  const key = workbenchKey(Q1, latest.pointer.inputsHash);
  await expect.poll(async () => (await deps.objects.getBytes(key)) !== null, { timeout: STORED_MS, interval: 100 }).toBe(true);
  return { latest, key };
}

describe('the watchlist and the exceptions from the workbench object', () => {
  let fromPart: Record<string, unknown>;

  it('answer the first request with no payout item nor reference read, and the body keeps none of it', async () => {
    const deps = env.rt.deps as AppDeps;
    const { latest } = await storedPart(deps);
    expect(latest.body).not.toHaveProperty('workbench');
    const before = itemReads();
    fromPart = await answers(fresh(deps));
    expect(itemReads() - before).toBe(0);

    // What can go wrong is there: partners within reach, held and payout groups, a territory.
    const program = fromPart['exceptions program en 0'] as { groups: { reason: string; count: number }[] };
    const reasons = program.groups.map((g) => g.reason);
    expect(reasons).toEqual(expect.arrayContaining(['unknown-partner', 'unclassified-product', 'plan-not-met', 'training-missing']));
    const watched = (fromPart['watch program en 0'] as { partners: { partnerId: string }[] }).partners;
    expect(watched.map((p) => p.partnerId)).toEqual(expect.arrayContaining(['RU940201', 'RU940202']));
    const central = (fromPart['watch central en 0'] as { partners: { partnerId: string }[] }).partners;
    expect(central.map((p) => p.partnerId)).not.toContain('RU940202');
  });

  it('answer the same from the payout items when the object is missing, and a close counts the same groups', async () => {
    const deps = env.rt.deps as AppDeps;
    const { latest, key } = await storedPart(deps);
    const all = () => true;
    const close = async () => JSON.parse(JSON.stringify((await quarterWorkbench(deps, rules, latest.body, all, 'ru')).groups)) as unknown;
    const closeFromPart = await close();

    await env.rt.stack.clients.s3.send(new DeleteObjectCommand({ Bucket: env.rt.stack.bucket, Key: key }));
    expect(await deps.objects.getBytes(key)).toBeNull();
    const reads = itemReads();
    const fromItems = await answers(fresh(deps));
    expect(itemReads() - reads).toBeGreaterThan(0);
    expect(fromItems).toEqual(fromPart);
    expect(await close()).toEqual(closeFromPart);
  });

  it('is stored after the computation\'s pointer, so the pointer does not wait for it', async () => {
    const deps = env.rt.deps as AppDeps;
    const pointerAtPut: (string | null)[] = [];
    const keys: string[] = [];
    const watch = faults.arm({
      client: 's3',
      command: 'PutObjectCommand',
      match: (input) => String(input.Key).includes('/workbench-'),
      times: 10,
      fail: async (send, sent) => {
        keys.push(String(sent.input.Key));
        pointerAtPut.push((await deps.computations.latest(Q1))?.inputsHash ?? null);
        return send();
      },
    });
    try {
      await env.upload('alfa', 'jan.csv', renderReport([sale({ invoice: 'A-1', partnerId: 'RU940203', qty: 2 })]));
    } finally {
      watch.disarm();
    }
    const latest = (await latestComputation(deps, Q1))!.pointer;
    expect(keys).toEqual([workbenchKey(Q1, latest.inputsHash)]);
    expect(pointerAtPut).toEqual([latest.inputsHash]);
  });

  it('a computation whose object cannot be stored still completes, and the routes read the payout items', async () => {
    const deps = env.rt.deps as AppDeps;
    const before = (await latestComputation(deps, Q1))!.pointer;
    const fault = faults.arm({
      client: 's3',
      command: 'PutObjectCommand',
      match: (input) => String(input.Key).includes('/workbench-'),
      times: 10,
      fail: throwing(() => new Error('S3 unavailable (injected fault)')),
    });
    try {
      await env.upload('alfa', 'mar.csv', renderReport([sale({ invoice: 'C-1', partnerId: 'RU940201', qty: 4 })]));
    } finally {
      fault.disarm();
    }
    expect(fault.fired).toBeGreaterThan(0);
    const after = (await latestComputation(deps, Q1))!.pointer;
    expect(after.inputsHash).not.toBe(before.inputsHash);
    expect(await deps.objects.getBytes(workbenchKey(Q1, after.inputsHash))).toBeNull();
    expect(env.rt.deadLetters()).toEqual([]);

    // The payouts are those of the new report: 146 + 4 units meets RU940201's plan of 150.
    const reads = itemReads();
    const now = await answers(fresh(deps));
    expect(itemReads() - reads).toBeGreaterThan(0);
    const watched = (now['watch program en 0'] as { partners: { partnerId: string }[] }).partners;
    expect(watched.map((p) => p.partnerId)).not.toContain('RU940201');
    expect(watched.map((p) => p.partnerId)).toContain('RU940202');
  });
});
