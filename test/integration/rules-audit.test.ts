/**
 * A change of the rules file is on the audit trail (issue #14 point 4), on the real emulators: the
 * quarter's computation that first uses the new version records one `rules` entry (versions before
 * and after, who put the file), and a computation retried after it was cut off records no second.
 *
 * Two starts of `rebates` on one state folder, as two `rebates run` would: the samples' rules, then
 * `--rules` with a changed 2016-Q1 file.
 */
import '../../local/env-defaults.js'; // before the handler modules create their loggers
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIngestHandler, decodeS3Key } from '../../functions/ingest/handler.js';
import type { LocalS3EventRecord } from '../../local/local-stack.js';
import { S3RulesRepository } from '../../shared/adapters/s3/rules-repository.js';
import { computeQuarterNow } from '../../shared/pipeline/compute.js';
import { wire } from '../../shared/wiring.js';
import { localUser, SAMPLE_RULES_DIR, startLocalRuntime, type LocalRuntime } from '../../local/runtime.js';
import type { AuditEntry } from '../../shared/ports/approvals.js';
import { importReference } from '../../shared/pipeline/reference-import.js';
import { requireJdkInCI } from '../support/ci.js';
import { FaultInjector, throwing, throughputExceeded } from '../support/faults.js';
import { referenceChange, renderReport, salesOf } from '../support/runtime.js';
import { sqsEvent } from '../support/sqs-event.js';

const Q1 = '2016-Q1';
const VOSTRO = 'VOSTRO 3568 NB 15.6 HD I5-7200U 4GB 1TB';

let scratch = '';
let state = '';
let sampleVersion = '';
const NEW_VERSION = '2016-Q1.9000'; // a revision no sample file has

const rulesEntries = async (rt: LocalRuntime): Promise<AuditEntry[]> => {
  const now = Date.now();
  const entries = await rt.deps.audit.query({
    from: new Date(now - 3_600_000).toISOString(),
    to: new Date(now + 3_600_000).toISOString(),
    quarter: Q1,
    limit: 1000,
  });
  return entries.filter((e) => e.kind === 'rules');
};

beforeAll(async () => {
  requireJdkInCI();
  scratch = await mkdtemp(join(tmpdir(), 'rules-audit-'));
  state = join(scratch, 'state');
  const sample = JSON.parse(await readFile(join(SAMPLE_RULES_DIR, `${Q1}.json`), 'utf8')) as { version: string };
  sampleVersion = sample.version;
  await writeFile(join(scratch, 'rules.json'), JSON.stringify({ ...sample, version: NEW_VERSION }, null, 2));

  const rt = await startLocalRuntime({ stateDir: state });
  try {
    await importReference(
      rt.deps,
      referenceChange({
        partners: [{ id: 'RU930001', name: 'ООО «Правила»', region: 'Central' }],
        distributors: ['alfa'],
        acceptances: [{ partnerId: 'RU930001', program: 'client', plan: 50 }],
      }),
    );
    await rt.upload('incoming/alfa/feb.csv', renderReport([salesOf(VOSTRO)({ invoice: 'R-1', partnerId: 'RU930001', qty: 60 })]));
    await rt.idle();
    expect((await rt.deps.computations.latest(Q1))?.rulesVersion).toBe(sampleVersion);
    expect(await rulesEntries(rt)).toEqual([]);
  } finally {
    await rt.stop();
  }
});

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('a change of the rules file', () => {
  it('is recorded once, by the computation that sees it, even when that computation is retried', async () => {
    const faults = new FaultInjector();
    // The computation's last write, its pointer, fails once: the compute queue retries the whole
    // computation, which starts again from the same previous computation.
    const cut = faults.arm({
      client: 'doc',
      command: 'PutCommand',
      match: (input) => (input.Item as { sk?: string } | undefined)?.sk === 'COMPUTATION',
      fail: throwing(throughputExceeded),
    });
    const rt = await startLocalRuntime({
      stateDir: state,
      rulesFiles: [join(scratch, 'rules.json')],
      wrapClients: faults.wrap,
      onError: () => undefined, // the injected fault, retried by the queue
    });
    try {
      await rt.idle();
      expect(cut.fired).toBe(1);
      expect((await rt.deps.computations.latest(Q1))?.rulesVersion).toBe(NEW_VERSION);
      const entries = await rulesEntries(rt);
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({
        kind: 'rules',
        actor: { sub: localUser(), role: 'system' },
        quarters: [Q1],
        before: { version: sampleVersion },
        after: { version: NEW_VERSION, key: `rules/${Q1}.json`, putBy: localUser() },
      });
    } finally {
      await rt.stop();
    }
  });

  it('records nothing when the rules file is put again unchanged', async () => {
    const rt = await startLocalRuntime({ stateDir: state, rulesFiles: [join(scratch, 'rules.json')] });
    try {
      await rt.idle();
      expect(await rulesEntries(rt)).toHaveLength(1);
    } finally {
      await rt.stop();
    }
  });

  it('names the principal S3 names when the file is written straight into the bucket', async () => {
    const rt = await startLocalRuntime({ stateDir: state, rulesFiles: [join(scratch, 'rules.json')] });
    try {
      await rt.idle();
      const key = `rules/${Q1}.json`;
      const sample = JSON.parse(await readFile(join(scratch, 'rules.json'), 'utf8')) as object;
      const announced = new Promise<LocalS3EventRecord>((resolve) => {
        const off = rt.stack.onObjectCreated((record) => {
          if (decodeS3Key(record.s3.object.key) !== key) return;
          off();
          resolve(record);
        });
      });
      await rt.stack.clients.s3.send(
        new PutObjectCommand({
          Bucket: rt.stack.bucket,
          Key: key,
          Body: JSON.stringify({ ...sample, version: '2016-Q1.9001' }),
          ContentType: 'application/json',
        }),
      );
      // The event S3 sends in AWS, with the writer s3rver does not name.
      const principalId = 'AWS:AROAEXAMPLEOPS:rules-deploy';
      const record = { ...(await announced), userIdentity: { principalId } };
      const handler = createIngestHandler(() => wire(rt.stack.clients, { table: rt.stack.tableName, bucket: rt.stack.bucket }, rt.deps.compute));
      expect((await handler(sqsEvent(JSON.stringify({ Records: [record] })), {} as never)).batchItemFailures).toEqual([]);

      // The runtime's rules are cached for minutes, as in a warm Lambda: the next computation reads the bucket afresh.
      const outcome = await computeQuarterNow({ ...rt.deps, rules: new S3RulesRepository(rt.deps.objects) }, Q1, 'rules file replaced');
      expect(outcome.status).toBe('computed');
      const entries = await rulesEntries(rt);
      expect(entries).toHaveLength(2);
      expect(entries[0]).toMatchObject({
        actor: { sub: principalId, role: 'system' },
        before: { version: NEW_VERSION },
        after: { version: '2016-Q1.9001', putBy: principalId },
      });
    } finally {
      await rt.stop();
    }
  });
});

