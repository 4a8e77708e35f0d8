/**
 * Hostile input to the local API server on the real emulators (issue #13): request lines that used
 * to kill the whole stack, an upload name too long for the store, reference text of any length, and
 * a reference import the store stops halfway. Each answer is a 4xx (or a 503 that says what to do)
 * in plain words, and the server keeps answering.
 */
import '../../local/env-defaults.js'; // before the handler modules create their loggers
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { rawRequest, useTestApi } from '../support/api-client.js';
import { FaultInjector, connectionReset, throwing } from '../support/faults.js';
import { useLocalRuntime } from '../support/runtime.js';

const faults = new FaultInjector();
const env = useLocalRuntime({ wrapClients: faults.wrap });
const api = useTestApi(env);

afterEach(() => faults.disarmAll());

/** Every table item, to show that a refused request wrote nothing. */
async function tableItems(): Promise<string[]> {
  const { stack } = env.rt;
  const res = await stack.clients.doc.send(new ScanCommand({ TableName: stack.tableName, ConsistentRead: true }));
  return (res.Items ?? []).map((i) => JSON.stringify(i)).sort();
}

const partnerRows = (n: number, from = 1) =>
  Array.from({ length: n }, (_, i) => ({
    id: `RU77${String(from + i).padStart(4, '0')}`,
    name: `ООО «Партнёр ${from + i}»`,
    status: 'Registered',
    region: 'Central',
  }));

beforeAll(async () => {
  await env.importReference({ distributors: ['alfa'] });
});

describe('request lines that used to stop the stack', () => {
  it.each([
    ['GET //', 'GET // HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'],
    ['GET //api//me', 'GET //api//me HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'],
    ['a Host with a port out of range', 'GET / HTTP/1.1\r\nHost: 127.0.0.1:99999\r\n\r\n'],
    ['a Host that is no host', 'GET /api/me HTTP/1.1\r\nHost: [::zz\r\n\r\n'],
    ['an empty Host', 'GET /api/me HTTP/1.1\r\nHost:\r\n\r\n'],
    ['an asterisk target', 'OPTIONS * HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'],
    ['an absolute target', 'GET http://elsewhere.example/api/me HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'],
    ['a target of no form at all', 'GET api/me HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'],
    ['a broken request line', 'GET\r\n\r\n'],
  ])('answers %s without a server error and keeps serving', async (_what, request) => {
    // `GET /` with any Host is the dashboard's page: the Host header no longer matters at all.
    const status = await rawRequest(api.server.url, request);
    expect(status).not.toBeNull();
    expect(status!).toBeLessThan(500);
    expect((await api.call('finance', 'GET', '/api/me')).status).toBe(200);
  });

  it('routes on the path only: a request with a hostile Host reaches the API like any other', async () => {
    const request = `GET /api/me HTTP/1.1\r\nHost: 127.0.0.1:99999\r\nAuthorization: Bearer ${api.token('finance')}\r\n\r\n`;
    expect(await rawRequest(api.server.url, request)).toBe(200);
  });
});

describe('upload names', () => {
  it('refuses a name of 200 Cyrillic characters (400 bytes) before anything reaches the store', async () => {
    const before = await env.rt.deps.objects.list('incoming/alfa/');
    const res = await api.call('alfa', 'POST', '/api/uploads', { name: `${'ж'.repeat(196)}.csv` });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/too long \(396 bytes; at most 200/);
    expect(await env.rt.deps.objects.list('incoming/alfa/')).toEqual(before);
  });

  it('gives a working upload URL for the longest name it takes', async () => {
    const name = `${'ж'.repeat(98)}.csv`; // 200 bytes
    const res = await api.call('alfa', 'POST', '/api/uploads', { name });
    expect(res.status).toBe(200);
    const put = await fetch(res.body.url, { method: 'PUT', body: 'x' });
    expect(put.status).toBe(200);
    await env.rt.idle();
    expect(await env.rt.deps.objects.list('incoming/alfa/')).toContain(`incoming/alfa/${name}`);
    // Stored whole, the one-byte file is then refused by ingest as a report, not by the store.
    expect((await env.report(`incoming/alfa/${name}`)).status).toBe('failed');
  });
});

describe('reference imports: bounded, and all or nothing', () => {
  it('refuses 30 partners whose last has a 450 KB name, naming the field, and writes none of them', async () => {
    const before = await tableItems();
    const rows = partnerRows(30);
    rows[29]!.name = 'Я'.repeat(450_000);
    const res = await api.call('program', 'PUT', '/api/reference/partners', { rows });
    expect(res.status).toBe(400);
    expect(res.body.error.issues).toEqual(['rows.29.name: is longer than 300 characters']);
    expect(await tableItems()).toEqual(before);
  });

  it('refuses the same as a CSV by line and column, never echoing the value, and writes nothing', async () => {
    const before = await tableItems();
    const csv = [
      'partner_id,name,status,region',
      ...partnerRows(29, 100).map((p) => `${p.id},${p.name},Registered,Central`),
      `RU770999,${'Я'.repeat(450_000)},Registered,Central`,
    ].join('\n');
    const res = await api.call('program', 'PUT', '/api/reference/partners', csv);
    expect(res.status).toBe(400);
    expect(res.body.error.issues).toEqual(['line 31: name is 450,000 characters long; at most 300 are allowed']);
    expect(JSON.stringify(res.body).length).toBeLessThan(2_000);
    expect(await tableItems()).toEqual(before);
  });

  it('bounds every text field of every reference route', async () => {
    const long = 'x'.repeat(1_000);
    const cases: [string, unknown][] = [
      ['/api/reference/distributors', { rows: [{ id: 'beta', name: long, segments: ['consumer'] }] }],
      ['/api/reference/partners', { rows: [{ ...partnerRows(1)[0], region: long }] }],
      ['/api/reference/partners', { rows: [{ ...partnerRows(1)[0], id: `RU${'1'.repeat(100)}` }] }],
      ['/api/reference/catalog', { rows: [{ sku: long, program: 'client', rateRow: 'premium' }] }],
      ['/api/reference/acceptances', { rows: [{ partnerId: 'RU770001', program: long, acceptedAt: '2016-02-01T10:00:00+03:00' }] }],
      [
        '/api/reference/trainings',
        { rows: [{ partnerId: 'RU770001', courseCode: 'DPWS0212WBTS', completedAt: `2016-02-01T10:00:00.${'0'.repeat(500)}+03:00` }] },
      ],
    ];
    const before = await tableItems();
    for (const [path, body] of cases) {
      const res = await api.call('program', 'PUT', path, body);
      expect(res.status, path).toBe(400);
      expect(res.body.error.issues.join(), path).toMatch(/longer than \d+ characters/);
    }
    expect(await tableItems()).toEqual(before);
  });

  it('says so in plain words when the store fails partway, and the same rows sent again complete the import', async () => {
    const rows = partnerRows(30, 200);
    // Not a throttle: a batch throttled as a whole is sent again, so the import would not stop.
    // The second bucket of partners written (30 partners fall in several).
    const fault = faults.arm({
      client: 'doc',
      command: 'PutCommand',
      match: (input) => String((input.Item as { pk?: unknown } | undefined)?.pk).startsWith('REF-BUCKET#partners#'),
      nth: 2,
      fail: throwing(connectionReset),
    });
    // The API logs a 5xx as an error with its cause: checked here rather than printed.
    let written = '';
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((written += String(chunk)), true));
    const res = await api.call('program', 'PUT', '/api/reference/partners', { rows }).finally(() => stderr.mockRestore());
    const logged = written.split('\n').filter(Boolean).map((line) => JSON.parse(line) as unknown);
    expect(logged).toEqual([
      expect.objectContaining({
        level: 'ERROR',
        message: 'request failed',
        status: 503,
        error: expect.objectContaining({
          name: 'ReferenceWriteError',
          cause: expect.objectContaining({ message: expect.stringMatching(/ECONNRESET/) }),
        }),
      }),
    ]);
    expect(fault.fired).toBe(1);
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('import-incomplete');
    expect(res.body.error.message).toMatch(/stopped partway.*some of these 30 row\(s\) may be stored.*send the same rows again/s);
    faults.disarmAll();

    const again = await api.call('program', 'PUT', '/api/reference/partners', { rows });
    // Written, and the computation requested (202): the answer does not wait for it.
    expect(again.status).toBe(202);
    const ids = new Set((await env.rt.deps.reference.listPartners()).map((p) => p.id));
    expect(rows.every((r) => ids.has(r.id))).toBe(true);
  });
});
