/**
 * A bounded fuzz of the local API server on the real emulators (issue #13): a few thousand requests
 * made by fast-check from the route table (every method, path and parameter, with hostile values),
 * headers (no token, a forged one, each role's, odd content types, a hostile Host) and bodies
 * (nothing, JSON of any shape, rows shaped like each route's, CSV, bytes), sent byte for byte over
 * 127.0.0.1. Every request must get a 2xx or 4xx answer, and the server must keep serving.
 */
import '../../local/env-defaults.js'; // before the handler modules create their loggers
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../functions/api/routes.js';
import { CALLERS, rawRequest, useTestApi, type Caller } from '../support/api-client.js';
import { renderReport, useLocalRuntime } from '../support/runtime.js';

const RUNS = 2_500;
// Bounds the time on a busy machine; the count above is what a quiet one runs.
const TIME_LIMIT_MS = 150_000;

const env = useLocalRuntime();
const api = useTestApi(env);

beforeAll(async () => {
  await env.importReference({
    partners: [
      { id: 'RU880001', name: 'ООО «Фазз»', region: 'Central' },
      { id: 'RU880002', name: 'ООО «Волга Фазз»', region: 'Volga' },
    ],
    distributors: ['alfa'],
    acceptances: [{ partnerId: 'RU880001', program: 'client' }],
  });
  await env.upload(
    'alfa',
    'feb.csv',
    renderReport([
      { date: '2016-02-10', invoice: 'F-1', partnerId: 'RU880001', description: 'VOSTRO 3568 NB', qty: 3 },
    ]),
  );
});

// ---------------------------------------------------------------- pieces of a request

/** Text a person or an attacker might put anywhere: Cyrillic, escapes, traversal, nothing. */
const short = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom(
    '',
    '..',
    '%',
    '%2F',
    '%E0%A4%A',
    '%00',
    '//',
    '\\',
    'RU880001',
    'ru 880 002',
    'RU880002',
    '2016-Q1',
    '2017-Q1',
    'rpt_00000000000000000000',
    '{"a":1}',
    '<script>',
    '=HYPERLINK("x")',
    'я'.repeat(300),
  ),
);
/** The same, and now and then a lot of it (bodies only: a request line that long is refused whole). */
const nasty = fc.oneof(
  { weight: 9, arbitrary: short },
  { weight: 1, arbitrary: fc.nat({ max: 70_000 }).map((n) => 'x'.repeat(n)) },
);

/** How a value goes into a path: encoded as a client would, or raw as an attacker might. */
const inPath = (value: fc.Arbitrary<string>) =>
  fc.tuple(value, fc.boolean()).map(([v, encode]) => (encode ? encodeURIComponent(v) : v.replace(/[\s?#]/g, '')));

const ODD_METHODS = ['HEAD', 'OPTIONS', 'PATCH', 'TRACE', 'PROPFIND', 'get', 'GET', 'POST', 'PUT', 'DELETE'];

/** Mostly a route with its own method, so requests get past the router; sometimes anything. */
const routeRequest = fc
  .tuple(
    fc.constantFrom(...ROUTES),
    inPath(short),
    fc.constantFrom('/api', '/api', '/api/', ''),
    fc.boolean(),
    fc.oneof({ weight: 5, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom(...ODD_METHODS) }),
  )
  .map(([route, param, prefix, slash, odd]) => ({
    method: odd ?? route.method,
    path: `${prefix.replace(/\/$/, '')}${route.path.replace(/\{\w+\}/g, () => param)}${slash ? '/' : ''}`,
  }));

const otherRequest = fc.tuple(
  fc.constantFrom(...ODD_METHODS),
  fc.oneof(
    fc.webPath().map((p) => `/api${p}`),
    fc.constantFrom('//', '/api//me', '/../../etc/passwd', '/api/%2e%2e/me', '*', 'api/me', '/%', '/api/me#x'),
  ),
).map(([method, path]) => ({ method, path }));

const request = fc
  .tuple(
    fc.oneof({ weight: 8, arbitrary: routeRequest }, { weight: 1, arbitrary: otherRequest }),
    fc.option(
      fc.array(fc.tuple(fc.constantFrom('partner', 'distributor', 'program', 'region', 'quarter', 'format', 'x'), short), {
        maxLength: 4,
      }),
    ),
  )
  .map(([{ method, path }, query]) => ({
    method,
    target: query?.length ? `${path}?${query.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}` : path,
  }));

const callers = Object.keys(CALLERS) as Caller[];
type Auth = { caller: Caller } | { raw: string } | null;
const auth: fc.Arbitrary<Auth> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...callers).map((caller) => ({ caller })) },
  { weight: 1, arbitrary: fc.constant(null) },
  {
    weight: 1,
    arbitrary: fc
      .oneof(fc.string({ maxLength: 60 }), fc.constantFrom('Bearer', 'Bearer a.b.c', 'Basic Zm9vOmJhcg=='))
      .map((raw) => ({ raw })),
  },
);

const contentType = fc.constantFrom(
  undefined,
  'application/json',
  'application/json; charset=utf-8',
  'application/vnd.api+json',
  'text/csv',
  'text/plain',
  'application/octet-stream',
  'multipart/form-data; boundary=x',
  'text/csv; charset=windows-1251',
  '',
);

/** Rows shaped like the reference routes', with any values in their fields. */
const rowsBody = fc
  .array(
    fc.record(
      {
        id: nasty,
        partnerId: nasty,
        name: nasty,
        status: fc.constantFrom('Registered', 'Preferred', 'x'),
        region: nasty,
        segments: fc.array(fc.constantFrom('consumer', 'monitors', 'x'), { maxLength: 3 }),
        program: fc.constantFrom('client', 'monitors', 'enterprise', 'x'),
        plan: fc.oneof(fc.constant(null), fc.integer(), fc.double()),
        acceptedAt: fc.constantFrom('2016-02-01T10:00:00+03:00', '2016-02-30T10:00:00Z', 'x'),
        courseCode: fc.constantFrom('DPWS0212WBTS', 'x'),
        completedAt: fc.constantFrom('2016-02-01T10:00:00+03:00', 'x'),
        sku: nasty,
        rateRow: fc.constantFrom('premium', 'mainstream', 'x'),
      },
      { requiredKeys: [] },
    ),
    { maxLength: 30 },
  )
  .map((rows) => JSON.stringify({ rows }));

/** Rows that pass validation, so the writes behind the reference routes run too (with odd names). */
const goodRows = fc
  .array(
    fc.record({
      id: fc.integer({ min: 880_100, max: 880_199 }).map((n) => `RU${n}`),
      name: short.filter((v) => v.trim().length > 0 && v.length <= 300),
      status: fc.constantFrom('Registered', 'Preferred'),
      region: fc.constantFrom('Central', 'Volga', 'North-West'),
    }),
    { minLength: 1, maxLength: 30 },
  )
  .map((rows) => JSON.stringify({ rows: [...new Map(rows.map((r) => [r.id, r])).values()] }));

const body = fc.oneof(
  { weight: 2, arbitrary: fc.constant('') },
  { weight: 2, arbitrary: fc.json({ maxDepth: 3 }) },
  { weight: 3, arbitrary: rowsBody },
  { weight: 1, arbitrary: nasty.map((name) => JSON.stringify({ name })) },
  { weight: 1, arbitrary: fc.constantFrom('{', '{"rows":', 'null', '[]', '"x"', '{"rates":{"client/premium/50":"1e999"}}') },
  {
    weight: 2,
    arbitrary: fc
      .array(fc.array(nasty, { maxLength: 5 }), { maxLength: 10 })
      .map((rows) => ['partner_id,name,status,region', ...rows.map((r) => r.join(','))].join('\n')),
  },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString('latin1')) },
);

const host = fc.constantFrom('127.0.0.1', '127.0.0.1:99999', 'localhost', '', '[::zz', 'evil.example');

interface Generated {
  method: string;
  target: string;
  auth: Auth;
  contentType: string | undefined;
  body: string;
  host: string;
}

const anyRequest: fc.Arbitrary<Generated> = fc
  .tuple(request, auth, contentType, body, host)
  .map(([r, a, type, b, h]) => ({ ...r, auth: a, contentType: type, body: b, host: h }));

/** A program manager's well-formed partner upload: the writes and re-reads behind it run too. */
const wellFormedWrite: fc.Arbitrary<Generated> = fc
  .tuple(goodRows, host, fc.constantFrom('/api/reference/partners', '/reference/partners/'))
  .map(([b, h, path]) => ({
    method: 'PUT',
    target: path,
    auth: { caller: 'program' },
    contentType: 'application/json',
    body: b,
    host: h,
  }));

/** One request, byte for byte (headers as Latin-1, the body as UTF-8). */
function requestBytes(r: {
  method: string;
  target: string;
  host: string;
  authorization: string | undefined;
  contentType: string | undefined;
  body: string;
}): Buffer {
  const payload = Buffer.from(r.body, 'utf8');
  const lines = [
    `${r.method} ${r.target} HTTP/1.1`,
    `Host: ${r.host}`,
    ...(r.authorization !== undefined ? [`Authorization: ${r.authorization}`] : []),
    ...(r.contentType !== undefined ? [`Content-Type: ${r.contentType}`] : []),
    `Content-Length: ${payload.length}`,
    'Connection: close',
  ];
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), payload]);
}

describe('the API under a fuzz', () => {
  it(`answers every one of ${RUNS} generated requests with a 2xx or 4xx and keeps serving`, async () => {
    const seen = new Map<number, number>();
    let writes = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof({ weight: 30, arbitrary: anyRequest }, { weight: 1, arbitrary: wellFormedWrite }),
        async ({ method: m, target: t, auth: a, contentType: type, body: b, host: h }) => {
        const authorization = a === null ? undefined : 'caller' in a ? `Bearer ${api.token(a.caller)}` : a.raw;
        // Header values cannot carry line breaks: a client that sends one is refused before us.
        const safe = (v: string | undefined) => v?.replace(/[\r\n]/g, ' ');
        const status = await rawRequest(
          api.server.url,
          requestBytes({ method: m, target: t.replace(/[\s]/g, ''), host: h, authorization: safe(authorization), contentType: type, body: b }),
        );
        seen.set(status ?? 0, (seen.get(status ?? 0) ?? 0) + 1);
        if (m === 'PUT' && (status === 200 || status === 202)) writes++;
        expect(status, `${m} ${t}`).not.toBeNull();
        expect(status! < 500 && status! >= 200, `${m} ${t} answered ${status}`).toBe(true);
        },
      ),
      { numRuns: RUNS, interruptAfterTimeLimit: TIME_LIMIT_MS, markInterruptAsFailure: false, endOnFailure: true },
    );
    // The fuzz reached the routes, not only the door: some requests were served, some refused.
    expect(seen.get(200) ?? 0).toBeGreaterThan(0);
    expect([...seen.keys()].filter((s) => s >= 400).length).toBeGreaterThan(3);
    expect(writes).toBeGreaterThan(0);
    const me = await api.call('finance', 'GET', '/api/me');
    expect(me.status).toBe(200);
  }, TIME_LIMIT_MS + 60_000);
});
