/**
 * What ingest writes per report version, on DynamoDB Local (issue #12's items target): one
 * transaction, once the version is read, of the report record (its audit entry of issue #14 inside)
 * and the claim on its bytes (issue #13), whatever the number of its lines or quarters. The claim names the version's
 * quarters and is how each quarter's computation finds the report, so there is no item per quarter;
 * reports stored by earlier versions, with a membership item per quarter, are still found.
 *
 * 2016-Q1 and 2016-Q2 client program: vostro-3xxx lines.
 */
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keys } from '../../shared/adapters/dynamo/keys.js';
import { latestComputation } from '../../shared/pipeline/compute.js';
import { reportIdOf } from '../../shared/pipeline/ingest.js';
import { FaultInjector } from '../support/faults.js';
import { renderReport, useLocalRuntime, type SaleLine } from '../support/runtime.js';

const Q1 = '2016-Q1';
const Q2 = '2016-Q2';
const VOSTRO = 'VOSTRO 3568 NB 15.6 HD I5-7200U 4GB 1TB'; // client/vostro-3xxx

const faults = new FaultInjector();
const env = useLocalRuntime({ wrapClients: faults.wrap });

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const sale = (date: string, invoice: string, partnerId: string): SaleLine => ({ date, invoice, partnerId, description: VOSTRO, qty: 1 });

/** The keys of the DynamoDB items written (puts, updates, deletes; batches and transactions item by item) from now on. */
function keysWritten(): () => { pk: string; sk: string }[] {
  const all = () =>
    faults.sent
      .filter((s) => s.client === 'doc')
      .flatMap((s) => {
        const input = s.input;
        if (s.command === 'PutCommand') return [input.Item];
        if (s.command === 'UpdateCommand' || s.command === 'DeleteCommand') return [input.Key];
        if (s.command === 'BatchWriteCommand')
          return Object.values(input.RequestItems as Record<string, Record<string, { Item?: unknown; Key?: unknown }>[]>)
            .flat()
            .map((r) => r.PutRequest?.Item ?? r.DeleteRequest?.Key);
        if (s.command === 'TransactWriteCommand')
          return (input.TransactItems as Record<string, { Item?: unknown; Key?: unknown }>[]).flatMap((t) => {
            const op = t.Put ?? t.Update ?? t.Delete;
            return op ? [op.Item ?? op.Key] : [];
          });
        return [];
      }) as { pk: string; sk: string }[];
  const before = all().length;
  return () => all().slice(before);
}

/** The report IDs the latest computation of the quarter took in. */
const computedReports = async (quarter: string) =>
  (await latestComputation(env.rt.deps, quarter))?.body.record.reports.map((r) => r.reportId) ?? [];

const claimOf = async (distributorId: string, bytes: Buffer) =>
  (
    await env.rt.stack.clients.doc.send(
      new GetCommand({ TableName: env.rt.stack.tableName, Key: keys.fileClaim(distributorId, sha256(bytes)), ConsistentRead: true }),
    )
  ).Item;

describe('items a report version writes', () => {
  it('are its record, with its audit entry inside, and its claim, for a report with lines in two quarters', async () => {
    await env.importReference({
      distributors: ['ri-two'],
      partners: ['RIT1', 'RIT2'],
      acceptances: [
        { partnerId: 'RIT1', program: 'client' },
        { partnerId: 'RIT2', program: 'client' },
      ],
    });
    const written = keysWritten();
    const bytes = renderReport([
      sale('2016-02-10', 'RI-1', 'RIT1'),
      sale('2016-03-10', 'RI-2', 'RIT2'),
      sale('2016-05-10', 'RI-3', 'RIT1'),
    ]);
    const key = await env.upload('ri-two', 'feb-may.csv', bytes);
    const record = await env.report(key);
    expect(record.status).toBe('processed');
    expect(record.quarters).toEqual([Q1, Q2]);

    const reportId = reportIdOf(key);
    // The computations' own items (payout shards, their quarter's record of them, the pointer) are not the report's.
    const ingestItems = written().filter(
      (k) => !k.pk.startsWith('PARTNER#') && !k.pk.startsWith('PAYOUT-SHARD#') && k.sk !== 'COMPUTATION',
    );
    // An audit entry's sort key is its time: the partition names it (none: the entry is in the record).
    const kind = (k: { pk: string; sk: string }) => (k.pk.startsWith('AUDIT#') ? 'AUDIT' : `${k.pk.split('#')[0]} ${k.sk.split('#')[0]}`);
    expect(ingestItems.map(kind).sort()).toEqual(['FILES FILE', 'REPORT META']);
    expect(ingestItems.filter((k) => k.pk === `REPORT#${reportId}`)).toHaveLength(1);
    // Both quarters' computations found the report through its claim alone.
    expect(await claimOf('ri-two', bytes)).toMatchObject({ reportId, quarters: [Q1, Q2] });
    expect(await computedReports(Q1)).toContain(reportId);
    expect(await computedReports(Q2)).toContain(reportId);
    expect((await env.payouts(Q1, 'RIT1'))?.lines.reduce((n, l) => n + l.units, 0)).toBe(1);
    expect((await env.payouts(Q1, 'RIT2'))?.lines.reduce((n, l) => n + l.units, 0)).toBe(1);
  });

  it('leaves a quarter its corrected version has no lines in, and the claim on the old bytes goes', async () => {
    await env.importReference({
      distributors: ['ri-move'],
      partners: ['RIM1'],
      acceptances: [{ partnerId: 'RIM1', program: 'client' }],
    });
    const first = renderReport([sale('2016-02-10', 'RM-1', 'RIM1'), sale('2016-02-11', 'RM-2', 'RIM1')]);
    const key = await env.upload('ri-move', 'report.csv', first);
    const reportId = reportIdOf(key);
    expect(await computedReports(Q1)).toContain(reportId);
    expect((await env.payouts(Q1, 'RIM1'))?.lines.reduce((n, l) => n + l.units, 0)).toBe(2);

    // The dates were wrong: the corrected file has its lines in May.
    const corrected = renderReport([sale('2016-05-10', 'RM-1', 'RIM1'), sale('2016-05-11', 'RM-2', 'RIM1')]);
    await env.upload('ri-move', 'report.csv', corrected);
    expect(await claimOf('ri-move', first)).toBeUndefined();
    expect(await claimOf('ri-move', corrected)).toMatchObject({ reportId, quarters: [Q2] });
    expect(await computedReports(Q1)).not.toContain(reportId);
    expect(await computedReports(Q2)).toContain(reportId);
    expect((await env.payouts(Q1, 'RIM1'))?.lines.reduce((n, l) => n + l.units, 0) ?? 0).toBe(0);
  });

  it('still finds a report stored by an earlier version through its quarter membership item', async () => {
    await env.importReference({ distributors: ['ri-old'], partners: ['RIO1'], acceptances: [{ partnerId: 'RIO1', program: 'client' }] });
    const bytes = renderReport([sale('2016-02-10', 'RO-1', 'RIO1')]);
    const key = await env.upload('ri-old', 'old.csv', bytes);
    const reportId = reportIdOf(key);
    const { doc } = env.rt.stack.clients;
    const TableName = env.rt.stack.tableName;
    const inQ1 = async () => (await env.rt.deps.reports.activeInQuarter(Q1)).map((r) => r.reportId);
    expect(await inQ1()).toContain(reportId);

    // As an earlier version left it: no claim naming quarters, a membership item in the quarter.
    await doc.send(new DeleteCommand({ TableName, Key: keys.fileClaim('ri-old', sha256(bytes)) }));
    expect(await inQ1()).not.toContain(reportId);
    await doc.send(new PutCommand({ TableName, Item: { ...keys.quarterReport(Q1, reportId), reportId } }));
    expect(await inQ1()).toContain(reportId);
    // Named by both (its file uploaded again after the upgrade), it is still one report.
    await doc.send(
      new PutCommand({ TableName, Item: { ...keys.fileClaim('ri-old', sha256(bytes)), reportId, version: 'v', quarters: [Q1] } }),
    );
    expect((await inQ1()).filter((id) => id === reportId)).toHaveLength(1);
  });
});
