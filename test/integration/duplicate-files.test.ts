/**
 * The duplicate-file check is atomic (issue #13, point 5): a claim per distributor and sha256,
 * written conditionally on DynamoDB Local, so two uploads of the same bytes at the same time cannot
 * both count; the claim is released when the report that held it counts other bytes.
 *
 * 2016-Q1 client program: vostro-3xxx lines.
 */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keys } from '../../shared/adapters/dynamo/keys.js';
import { ingestReport, reportIdOf } from '../../shared/pipeline/ingest.js';
import { renderReport, useLocalRuntime, salesOf } from '../support/runtime.js';

const Q1 = '2016-Q1';
const VOSTRO = 'VOSTRO 3568 NB 15.6 HD I5-7200U 4GB 1TB'; // client/vostro-3xxx

const env = useLocalRuntime();

const line = salesOf(VOSTRO);
const sale = (invoice: string, partnerId: string, qty: number) => line({ invoice, partnerId, qty });
const unitsOf = async (partner: string) =>
  (await env.payouts(Q1, partner))?.lines.reduce((n, l) => n + l.units, 0) ?? 0;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const claimOf = async (distributorId: string, bytes: Buffer) =>
  (
    await env.rt.stack.clients.doc.send(
      new GetCommand({
        TableName: env.rt.stack.tableName,
        Key: keys.fileClaim(distributorId, sha256(bytes)),
        ConsistentRead: true,
      }),
    )
  ).Item;

describe('the same bytes under two names at the same time', () => {
  it('two ingests run together: exactly one counts, the other is refused naming it', async () => {
    await env.importReference({
      distributors: ['df-race'],
      partners: ['DFR1'],
      acceptances: [{ partnerId: 'DFR1', program: 'client' }],
    });
    const bytes = renderReport([sale('R-1', 'DFR1', 5), sale('R-2', 'DFR1', 2)]);
    // Upper-case .CSV: the bucket's notification filter is case-sensitive and passes over them, so
    // only the two ingests started below, in the same tick, read them.
    const keys = ['incoming/df-race/feb.CSV', 'incoming/df-race/feb (1).CSV'];
    for (const k of keys) await env.rt.deps.objects.put(k, bytes, 'text/csv');
    const objects = await Promise.all(keys.map((k) => env.rt.deps.objects.get(k)));
    for (const o of objects) o.body.destroy();
    const outcomes = await Promise.all(
      keys.map((key, i) =>
        ingestReport(env.rt.deps, {
          bucket: env.rt.stack.bucket,
          key,
          versionId: null,
          etag: objects[i]!.etag,
          sequencer: `${Date.now().toString(16)}F${i}`.toUpperCase(),
        }),
      ),
    );
    await env.rt.idle();
    expect(outcomes.map((o) => o.status).sort()).toEqual(['failed', 'processed']);
    const winner = keys[outcomes.findIndex((o) => o.status === 'processed')]!;
    const loser = keys[outcomes.findIndex((o) => o.status === 'failed')]!;
    const refused = await env.report(loser);
    expect(refused.error?.code).toBe('duplicate-file');
    expect(refused.error?.message).toContain(`"${winner.replace('incoming/df-race/', '')}"`);
    expect(await unitsOf('DFR1')).toBe(7);
    expect(await claimOf('df-race', bytes)).toMatchObject({ reportId: reportIdOf(winner) });
  });

  it('is released when its report counts other bytes; a claim a crash left behind is taken over', async () => {
    await env.importReference({
      distributors: ['df-free'],
      partners: ['DFF1'],
      acceptances: [{ partnerId: 'DFF1', program: 'client' }],
    });
    const a = renderReport([sale('F-1', 'DFF1', 3)]);
    const b = renderReport([sale('F-2', 'DFF1', 4)]);
    const jan = await env.upload('df-free', 'jan.csv', a);
    expect(await claimOf('df-free', a)).toMatchObject({ reportId: reportIdOf(jan) });
    // jan.csv corrected: it counts b now, so a is anyone's again.
    await env.upload('df-free', 'jan.csv', b);
    expect(await claimOf('df-free', a)).toBeUndefined();
    const old = await env.upload('df-free', 'jan-first-draft.csv', a);
    expect((await env.report(old)).status).toBe('processed');
    expect(await unitsOf('DFF1')).toBe(7);

    // As a crash between a replacement and its release leaves it: a claim naming a version its
    // report no longer counts.
    const c = renderReport([sale('F-3', 'DFF1', 1)]);
    await env.rt.stack.clients.doc.send(
      new PutCommand({
        TableName: env.rt.stack.tableName,
        Item: {
          ...keys.fileClaim('df-free', sha256(c)),
          reportId: reportIdOf(jan),
          version: 'a-version-long-replaced',
          quarters: [Q1],
        },
      }),
    );
    const mar = await env.upload('df-free', 'mar.csv', c);
    expect((await env.report(mar)).status).toBe('processed');
    expect(await claimOf('df-free', c)).toMatchObject({ reportId: reportIdOf(mar) });
    expect(await unitsOf('DFF1')).toBe(8);
  });
});

describe('taking a claim over', () => {
  it('fails when its holder took the same bytes again since the claim was read (the same version, another upload)', async () => {
    const files = env.rt.deps.files;
    const sha = sha256(Buffer.from('bytes held, let go, held again'));
    const putClaim = (sequencer: string) =>
      env.rt.stack.clients.doc.send(
        new PutCommand({
          TableName: env.rt.stack.tableName,
          Item: { ...keys.fileClaim('df-take', sha), reportId: 'rpt_h', version: 'etag-1', quarters: [Q1], sequencer },
        }),
      );
    await putClaim('SEQ-1');
    const read = await files.holder('df-take', sha);
    expect(read).toEqual({ reportId: 'rpt_h', version: 'etag-1', sequencer: 'SEQ-1' });
    // Without bucket versioning the holder's new upload of the same bytes has the same version (the etag).
    await putClaim('SEQ-3');
    const other = { reportId: 'rpt_b', version: 'etag-9', quarters: [Q1] };
    expect(await files.takeOver('df-take', sha, read!, other)).toBe(false);
    expect(await files.holder('df-take', sha)).toMatchObject({ reportId: 'rpt_h', sequencer: 'SEQ-3' });
    // Read again, the claim is as read: taken over.
    expect(await files.takeOver('df-take', sha, (await files.holder('df-take', sha))!, other)).toBe(true);
    expect(await files.holder('df-take', sha)).toMatchObject({ reportId: 'rpt_b', version: 'etag-9' });
  });

  it('of a claim written before claims named their upload, fails once the holder names one', async () => {
    const files = env.rt.deps.files;
    const sha = sha256(Buffer.from('an old claim'));
    const item = { ...keys.fileClaim('df-take', sha), reportId: 'rpt_o', version: 'etag-1', quarters: [Q1] };
    const put = (extra: object) =>
      env.rt.stack.clients.doc.send(new PutCommand({ TableName: env.rt.stack.tableName, Item: { ...item, ...extra } }));
    await put({});
    const read = await files.holder('df-take', sha);
    expect(read).toEqual({ reportId: 'rpt_o', version: 'etag-1' });
    await put({ sequencer: 'SEQ-2' });
    expect(await files.takeOver('df-take', sha, read!, { reportId: 'rpt_b', version: 'etag-9', quarters: [Q1] })).toBe(false);
  });
});
