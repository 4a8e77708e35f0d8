/**
 * verify sees every report (issue #13): not only those of the distributors in the registry, and
 * not only those whose ingest began. The states a crash or a registry edit leave are made here by
 * writing the table directly, as the pipeline itself never would.
 *
 * 2016-Q1 client program: vostro-3xxx lines.
 */
import { DeleteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { differenceText } from '../../shared/domain/render/verify.js';
import { reportIdOf } from '../../shared/pipeline/ingest.js';
import { verifyQuarter } from '../../shared/pipeline/verify.js';
import { renderReport, useLocalRuntime, type SaleLine } from '../support/runtime.js';

const Q1 = '2016-Q1';
const VOSTRO = 'VOSTRO 3568 NB 15.6 HD I5-7200U 4GB 1TB'; // client/vostro-3xxx

const env = useLocalRuntime();

const report = (partnerId: string, qty: number) =>
  renderReport([{ date: '2016-02-10', invoice: `V-${partnerId}-${qty}`, partnerId, description: VOSTRO, qty } satisfies SaleLine]);

const reportDifferences = async () =>
  (await verifyQuarter(env.rt.deps, Q1)).differences.filter((d) => d.what === 'report');

describe('verify lists every report', () => {
  it('fails on a report left processing whose distributor was removed from the registry, and on one never read', async () => {
    await env.importReference({
      distributors: ['vr-gone', 'vr-kept'],
      partners: ['VRP1', 'VRP2'],
      acceptances: [
        { partnerId: 'VRP1', program: 'client' },
        { partnerId: 'VRP2', program: 'client' },
      ],
    });
    const gone = await env.upload('vr-gone', 'jan.csv', report('VRP1', 3));
    const kept = await env.upload('vr-kept', 'jan.csv', report('VRP2', 4));
    expect((await verifyQuarter(env.rt.deps, Q1)).differences).toEqual([]);

    const { doc } = env.rt.stack.clients;
    const TableName = env.rt.stack.tableName;
    // The registry loses vr-gone, and its report is left processing, as a crash mid-ingest leaves it.
    await doc.send(new DeleteCommand({ TableName, Key: { pk: 'DISTRIBUTOR#vr-gone', sk: 'PROFILE' } }));
    await doc.send(
      new UpdateCommand({
        TableName,
        Key: { pk: `REPORT#${reportIdOf(gone)}`, sk: 'META' },
        UpdateExpression: 'SET #s = :s',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':s': 'processing' },
      }),
    );
    expect(await reportDifferences()).toEqual([
      {
        what: 'report',
        subject: gone,
        detail:
          'is still processing (its distributor "vr-gone" is not in the distributor registry, so nothing else lists this report): wait until it is processed, then verify again',
        why: { code: 'report-unfinished', params: { status: 'processing', distributor: 'vr-gone' } },
      },
    ]);
    // The same difference for a Russian reader of `verify --lang ru`.
    const [said] = await reportDifferences();
    expect(differenceText(said!.why!, 'ru')).toBe(
      'всё ещё обрабатывается (его дистрибьютора «vr-gone» нет в реестре дистрибьюторов, поэтому больше нигде этот отчёт не указан): ' +
        'дождитесь, пока он будет обработан, и проверьте снова',
    );

    // An object whose record is gone: uploaded, but not read (or its reading cut off before the record).
    await doc.send(new DeleteCommand({ TableName, Key: { pk: `REPORT#${reportIdOf(kept)}`, sk: 'META' } }));
    const differences = await reportDifferences();
    expect(differences.map((d) => d.subject)).toEqual([gone, kept]);
    expect(differences[1]!.detail).toBe(
      'was uploaded, but is not read yet: wait until it is processed (the local stack reads it at its next start), then verify again',
    );
  });
});
