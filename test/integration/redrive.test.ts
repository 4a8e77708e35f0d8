/**
 * Durable local work and duplicate files (issue #13, points 4 and 5) on the real emulators. A crash
 * is a runtime stopped while one of its handlers waits forever on a read (as a killed process
 * would never finish it); the restart is a new runtime on the same state folder.
 *
 * 2016-Q1 client program: vostro-3xxx lines.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack } from '../../local/local-stack.js';
import { startLocalRuntime, type LocalRuntime, type LocalRuntimeOptions } from '../../local/runtime.js';
import { S3ObjectStore } from '../../shared/adapters/s3/object-store.js';
import { formatMoscow } from '../../shared/domain/calendar.js';
import type { PartnerQuarterResult } from '../../shared/domain/types.js';
import { latestComputation, loadQuarterInputs } from '../../shared/pipeline/compute.js';
import { reportIdOf } from '../../shared/pipeline/ingest.js';
import { importReference } from '../../shared/pipeline/reference-import.js';
import { verifyQuarter } from '../../shared/pipeline/verify.js';
import { FaultInjector } from '../support/faults.js';
import { referenceChange, renderReport, useLocalRuntime, type ReferencePartial, type SaleLine, salesOf } from '../support/runtime.js';

const Q1 = '2016-Q1';
const VOSTRO = 'VOSTRO 3568 NB 15.6 HD I5-7200U 4GB 1TB'; // client/vostro-3xxx

const env = useLocalRuntime();

const sale = salesOf(VOSTRO);

/** What a partner is paid, without the instants and report IDs that differ between two runs. */
const paid = (r: PartnerQuarterResult | null | undefined) =>
  r && {
    total: r.total.toFixed(2),
    lines: r.lines.map((l) => [l.distributorId, l.rateRow, l.units, l.paidUnits, l.amount.toFixed(2)]),
  };

/** A handler that sends a matching command waits forever: the process "dies" there. */
const never = () => new Promise<never>(() => undefined);

/** Polls `check` for up to 90 s: an upload's way through the queue to ingest is slow on a loaded machine. */
async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting 90 s until ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const reference: ReferencePartial = {
  distributors: ['rd-a'],
  partners: ['RDA1', 'RDA2'],
  acceptances: [
    { partnerId: 'RDA1', program: 'client' },
    { partnerId: 'RDA2', program: 'client' },
    { partnerId: 'RDA3', program: 'client' },
  ],
};

// RDA3 is not registered yet: its lines are held until the third test registers it.
const febLines = Array.from({ length: 24 }, (_, i) =>
  sale({
    invoice: `F-${i + 1}`,
    partnerId: ['RDA1', 'RDA2', 'RDA3'][i % 3]!,
    qty: (i % 5) + 1,
    ...(i % 4 === 0 ? { serviceTag: `RDTAG${i}` } : {}),
  }),
);
const feb = renderReport(febLines);
const FEB = 'incoming/rd-a/feb.csv';

// Each test restarts DynamoDB Local's JVM two or three times: one took 90 s on a loaded CI machine.
describe('a restart on the same state folder takes up the work a crash left', { timeout: 300_000 }, () => {
  let stateDir: string;
  const savedEnv = { ...process.env };
  let open: LocalRuntime[] = [];

  const start = async (options: LocalRuntimeOptions = {}) => {
    const rt = await startLocalRuntime({ stateDir, ...options });
    open.push(rt);
    return rt;
  };
  const stop = async (rt: LocalRuntime) => {
    open = open.filter((o) => o !== rt);
    await rt.stop();
  };

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'rebates-redrive-'));
  });

  afterAll(async () => {
    for (const rt of open) await rt.stop();
    await rm(stateDir, { recursive: true, force: true });
    for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name];
    Object.assign(process.env, savedEnv);
  });

  it('finishes a report cut off while read, with the payouts of a clean run; verify fails on it meanwhile', async () => {
    // The clean run, on a stack of its own.
    await env.importReference(reference);
    await env.upload('rd-a', 'feb.csv', feb);
    const clean = await Promise.all(['RDA1', 'RDA2'].map((p) => env.payouts(Q1, p)));
    expect(clean.every((p) => p !== null)).toBe(true);

    const faults = new FaultInjector();
    const crashed = await start({ wrapClients: faults.wrap });
    expect(crashed.redriven).toEqual({ uploadedWhileDown: [], unfinished: [] });
    await importReference(crashed.deps, referenceChange(reference));
    await crashed.idle();
    const reading = faults.arm({
      client: 's3',
      command: 'GetObjectCommand',
      match: (i) => String(i.Key).startsWith('incoming/'),
      fail: never,
    });
    await crashed.upload(FEB, feb);
    await until('ingest reads the report', () => reading.fired === 1);
    // Ingest writes the record once the version is read: none while it is read.
    expect(await crashed.deps.reports.get(reportIdOf(FEB))).toBeNull();
    await stop(crashed);

    // A command that only reads sees the state as left, and verify refuses it.
    const reader = await start({ redrive: false });
    expect(reader.redriven).toEqual({ uploadedWhileDown: [], unfinished: [] });
    const before = await verifyQuarter(reader.deps, Q1);
    expect(before.differences).toContainEqual(
      expect.objectContaining({
        what: 'report',
        subject: FEB,
        detail: expect.stringMatching(/not read yet/) as unknown as string,
        why: expect.objectContaining({ code: 'report-unfinished' }),
      }),
    );
    expect(await reader.deps.reports.get(reportIdOf(FEB))).toBeNull();
    await stop(reader);

    const restarted = await start();
    expect(restarted.redriven).toEqual({ uploadedWhileDown: [FEB], unfinished: [] });
    await restarted.idle();
    expect(restarted.deadLetters()).toEqual([]);
    const record = (await restarted.deps.reports.get(reportIdOf(FEB)))!;
    expect(record).toMatchObject({ status: 'processed', counts: { read: febLines.length, rejected: 0 } });
    const after = await Promise.all(['RDA1', 'RDA2'].map(async (p) => (await restarted.deps.payouts.get(Q1, p))?.result));
    expect(after.map(paid)).toEqual(clean.map(paid));
    expect((await verifyQuarter(restarted.deps, Q1)).differences).toEqual([]);
    await stop(restarted);
  });

  it('reads reports uploaded while the pipeline was down, a new key and a replaced one', async () => {
    const marLines = [sale({ invoice: 'M-1', partnerId: 'RDA1', qty: 7, date: '2016-03-10' })];
    const febFixed = febLines.map((l) => (l.partnerId === 'RDA2' ? { ...l, qty: Number(l.qty) + 1 } : l));
    // The storage alone, no pipeline listening: nothing is notified.
    const down = await startLocalStack({ stateDir });
    try {
      const objects = new S3ObjectStore(down.clients.s3, down.bucket);
      await objects.put('incoming/rd-a/mar.csv', renderReport(marLines), 'text/csv');
      await objects.put(FEB, renderReport(febFixed), 'text/csv');
    } finally {
      await down.stop();
    }

    const rt = await start();
    expect([...rt.redriven.uploadedWhileDown].sort()).toEqual([FEB, 'incoming/rd-a/mar.csv']);
    expect(rt.redriven.unfinished).toEqual([]);
    await rt.idle();
    expect(rt.deadLetters()).toEqual([]);
    expect((await rt.deps.reports.get(reportIdOf('incoming/rd-a/mar.csv')))?.status).toBe('processed');
    const units = (lines: SaleLine[], partner: string) =>
      lines.filter((l) => l.partnerId === partner).reduce((n, l) => n + Number(l.qty), 0);
    const rda1 = (await rt.deps.payouts.get(Q1, 'RDA1'))!.result;
    const rda2 = (await rt.deps.payouts.get(Q1, 'RDA2'))!.result;
    expect(rda1.lines.reduce((n, l) => n + l.units, 0)).toBe(units(febFixed, 'RDA1') + units(marLines, 'RDA1'));
    expect(rda2.lines.reduce((n, l) => n + l.units, 0)).toBe(units(febFixed, 'RDA2'));
    expect((await verifyQuarter(rt.deps, Q1)).differences).toEqual([]);
    await stop(rt);
  });

  it('computes at start a quarter whose inputs changed after its last computation', async () => {
    const faults = new FaultInjector();
    const crashed = await start({ wrapClients: faults.wrap });
    await crashed.idle();
    // The computation dies reading the extracts, before it writes anything.
    const computing = faults.arm({
      client: 's3',
      command: 'GetObjectCommand',
      match: (i) => String(i.Key).startsWith('extracts/'),
      fail: never,
    });
    await importReference(crashed.deps, referenceChange({ partners: ['RDA3'] }));
    await until('the computation reads the extracts', () => computing.fired >= 1);
    expect(await crashed.deps.payouts.get(Q1, 'RDA3')).toBeNull();
    const stale = (await latestComputation(crashed.deps, Q1))!.pointer.inputsHash;
    expect(stale).not.toBe((await loadQuarterInputs(crashed.deps, Q1))!.inputsHash);
    await stop(crashed);

    const rt = await start();
    expect(rt.redriven).toEqual({ uploadedWhileDown: [], unfinished: [] });
    await rt.idle();
    expect(rt.deadLetters()).toEqual([]);
    const rda3 = (await rt.deps.payouts.get(Q1, 'RDA3'))!.result;
    expect(rda3.lines.reduce((n, l) => n + l.units, 0)).toBe(
      febLines.filter((l) => l.partnerId === 'RDA3').reduce((n, l) => n + Number(l.qty), 0),
    );
    expect((await latestComputation(rt.deps, Q1))!.pointer.inputsHash).toBe((await loadQuarterInputs(rt.deps, Q1))!.inputsHash);
    expect((await verifyQuarter(rt.deps, Q1)).differences).toEqual([]);
    await stop(rt);
  });
});

describe('the same file under a second name', () => {
  const lines = [
    sale({ invoice: 'D-1', partnerId: 'RDD1', qty: 4 }),
    sale({ invoice: 'D-2', partnerId: 'RDD1', qty: 3, date: '2016-02-11' }),
    sale({ invoice: 'D-3', partnerId: 'RDD1', qty: 1, serviceTag: 'RDDTAG1' }),
  ];
  const bytes = renderReport(lines);
  const units = lines.reduce((n, l) => n + Number(l.qty), 0);
  const unitsOf = async (partner: string) =>
    (await env.payouts(Q1, partner))?.lines.reduce((n, l) => n + l.units, 0) ?? 0;

  it('is refused as a duplicate naming the first, and counts once; the same key uploaded again replaces itself', async () => {
    await env.importReference({
      distributors: ['rd-dup', 'rd-dup2'],
      partners: ['RDD1', 'RDD2'],
      acceptances: [
        { partnerId: 'RDD1', program: 'client' },
        { partnerId: 'RDD2', program: 'client' },
      ],
    });
    const first = await env.upload('rd-dup', 'jan.csv', bytes);
    expect(await unitsOf('RDD1')).toBe(units);

    const second = await env.upload('rd-dup', 'jan copy.csv', bytes);
    const refused = await env.report(second);
    const firstRecord = await env.report(first);
    expect(refused.status).toBe('failed');
    expect(refused.activeVersion).toBeNull();
    expect(refused.error?.code).toBe('duplicate-file');
    const receivedMoscow = formatMoscow(Date.parse(firstRecord.receivedAt)).slice(0, 16).replace('T', ' ');
    expect(refused.error?.message).toContain(`"jan.csv", received ${receivedMoscow} Moscow time`);
    expect((await env.rejects(second)).map((r) => [r.line, r.code])).toEqual([[0, 'duplicate-file']]);
    expect(await unitsOf('RDD1')).toBe(units);
    const { body } = (await latestComputation(env.rt.deps, Q1))!;
    expect(body.reports.map((r) => r.reportId)).not.toContain(reportIdOf(second));

    // The first file's own key with the same bytes: a correction of itself, not a duplicate.
    await env.upload('rd-dup', 'jan.csv', bytes);
    const again = await env.report(first);
    expect(again.status).toBe('processed');
    expect(again.activeVersion).not.toBeNull();
    expect(await unitsOf('RDD1')).toBe(units);

    // Another distributor's identical file is its own report.
    const other = await env.upload('rd-dup2', 'jan.csv', bytes);
    expect((await env.report(other)).status).toBe('processed');
  });
});
