/**
 * Crash and restart (issue #13): `rebates up` runs as a user starts it, in a process group of its
 * own (node and DynamoDB Local's java), on a state folder. For each kill point the whole group is
 * SIGKILLed there, `up` is started again on the same folder and the work is finished; the result
 * must be a clean run's: the same payouts, report counts, computation counts and points ledger,
 * nothing lost, nothing doubled, and verify finds no difference.
 *
 * Work: the sample folder's reference data, then one large report (the kvant sample 340 times,
 * about 50,000 lines: its tagged copies are held as claimed before, so counted and held lines both
 * matter), uploaded by the distributor through the API's presigned URL, then the quarter closed by
 * finance. The kill points other than mid-upload are reached with REBATES_TEST_PAUSE_AT
 * (local/test-pause.ts): the process says where it stopped and waits there to be killed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devTokenSecret } from '../../local/api-server.js';
import { LOCAL_REGION } from '../../local/local-stack.js';
import type { PausePoint } from '../../local/test-pause.js';
import { signDevToken } from '../../shared/auth/dev-token.js';
import { createAwsClients, type AwsClients } from '../../shared/aws/clients.js';
import { latestComputation, loadQuarterInputs } from '../../shared/pipeline/compute.js';
import { reportIdOf } from '../../shared/pipeline/ingest.js';
import { verifyQuarter } from '../../shared/pipeline/verify.js';
import { wire, type AppDeps } from '../../shared/wiring.js';
import { callApi } from '../support/api-client.js';
import { requireJdkInCI } from '../support/ci.js';
import { groupAlive, ROOT } from '../support/rebates-up.js';

const SAMPLES = join(ROOT, 'samples', 'data');
const Q = '2016-Q1';
const DISTRIBUTOR = 'kvant';
const NAME = 'q1-all-branches.csv';
const KEY = `incoming/${DISTRIBUTOR}/${NAME}`;
const COPIES = 340;
// Each wait is for a real outcome (a JVM started, 50,000 lines read and computed) on a machine that
// may be loaded: a scenario took 55 s of which single waits took up to half.
const WAIT_MS = 90_000;

const callers = {
  distributor: { sub: 'dist-kvant', 'cognito:groups': ['distributor'], 'custom:distributor': DISTRIBUTOR },
  finance: { sub: 'fin-1', 'cognito:groups': ['finance'] },
  // Closing takes two finance users: one asks, the other approves.
  approver: { sub: 'fin-2', 'cognito:groups': ['finance'] },
};

/** The kvant sample's lines COPIES times under one header: the same bytes in every run. */
async function largeReport(): Promise<Buffer> {
  const text = (await readFile(join(SAMPLES, 'reports', 'kvant', 'kvant-sellout-2016Q1.csv'), 'utf8')).replace(/^\uFEFF/, '');
  const [header, ...lines] = text.split(/\r?\n/).filter((l) => l !== '');
  const body: string[] = [header!];
  for (let copy = 0; copy < COPIES; copy++) for (const line of lines) body.push(line);
  return Buffer.from(`${body.join('\n')}\n`, 'utf8');
}

// ---------------------------------------------------------------- `rebates up` as a process group

interface Up {
  child: ChildProcess;
  api: string;
  stateDir: string;
  deps: AppDeps;
  clients: AwsClients;
  output: () => string;
  /** Resolves with the point named once the process says it paused there. */
  paused: () => Promise<string>;
}

async function untilGone(pgid: number): Promise<void> {
  // A killed JVM's exit (its memory freed, its parent's reaping) is slower on a loaded machine.
  for (let i = 0; i < 300 && groupAlive(pgid); i++) await new Promise((r) => setTimeout(r, 100));
  if (groupAlive(pgid)) throw new Error(`processes of group ${pgid} (rebates up, DynamoDB Local) are still running`);
}

/** `rebates up` in a process group of its own, on `stateDir`, with its own temp folder; resolves at "ready". */
async function startUp(
  stateDir: string,
  tmp: string,
  options: { data?: string; pauseAt?: PausePoint } = {},
): Promise<Up> {
  const child = spawn(
    process.execPath,
    [join(ROOT, 'bin', 'rebates.mjs'), 'up', '--state', stateDir, '--port', '0', ...(options.data ? ['--data', options.data] : [])],
    {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      // A killed JVM leaves its temp folder: this one is the test's, removed with it.
      env: { ...process.env, TMPDIR: tmp, REBATES_TEST_PAUSE_AT: options.pauseAt ?? '' },
    },
  );
  let out = '';
  let err = '';
  const waiters: (() => void)[] = [];
  child.stdout!.on('data', (c: Buffer) => void (out += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => {
    err += c.toString('utf8');
    for (const w of waiters) w();
  });
  await new Promise<void>((resolve, reject) => {
    // Bounded: a start that hangs is killed with its group rather than left running.
    const timer = setTimeout(() => {
      process.kill(-child.pid!, 'SIGKILL');
      reject(new Error(`rebates up was not ready within ${WAIT_MS / 1000} s:\n${out}\n${err}`));
    }, WAIT_MS);
    child.stdout!.on('data', () => {
      if (!/^ready$/m.test(out)) return;
      clearTimeout(timer);
      resolve();
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`rebates up ended (${code ?? signal}) before "ready":\n${out}\n${err}`));
    });
    child.once('error', reject);
  });
  const field = (re: RegExp) => {
    const m = re.exec(out);
    if (!m) throw new Error(`"rebates up" did not print ${re}:\n${out}`);
    return m[1]!;
  };
  const env = {
    AWS_REGION: LOCAL_REGION,
    AWS_ENDPOINT_URL_S3: field(/^S3: +(\S+)/m),
    AWS_ENDPOINT_URL_DYNAMODB: field(/^DynamoDB: +(\S+)/m),
    S3_FORCE_PATH_STYLE: 'true',
    AWS_ACCESS_KEY_ID: field(/AWS_ACCESS_KEY_ID=(\S+)/),
    AWS_SECRET_ACCESS_KEY: field(/AWS_SECRET_ACCESS_KEY=(\S+)/),
  };
  const clients = createAwsClients(env);
  // Reads only: nothing the test does asks for a computation.
  const deps = wire(clients, { table: field(/\(table (\S+)\)/), bucket: field(/\(bucket ([^;]+);/) }, { publish: async () => undefined });
  return {
    child,
    api: field(/^API: +(\S+)\/api\//m),
    stateDir,
    deps,
    clients,
    output: () => `${out}\n${err}`,
    paused: () =>
      new Promise<string>((resolve, reject) => {
        // Bounded, so a kill point never reached fails with what the process said, not the test's timeout.
        const timer = setTimeout(
          () => reject(new Error(`rebates up did not pause within ${WAIT_MS / 1000} s:\n${out}\n${err}`)),
          WAIT_MS,
        );
        const check = () => {
          const m = /paused for a test at (\S+)/.exec(err);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        };
        waiters.push(check);
        check();
        child.once('exit', (code, signal) => {
          clearTimeout(timer);
          reject(new Error(`rebates up ended (${code ?? signal}) before it paused:\n${err}`));
        });
      }),
  };
}

const release = (up: Up) => {
  up.clients.s3.destroy();
  up.clients.dynamo.destroy();
};

/** The crash: SIGKILL to the whole group, node and java alike, nothing given a chance to tidy. */
async function kill(up: Up): Promise<void> {
  release(up);
  process.kill(-up.child.pid!, 'SIGKILL');
  await untilGone(up.child.pid!);
}

/** `rebates verify` as a user runs it once `up` is gone: its exit code and what it printed. */
function rebatesVerify(stateDir: string, tmp: string): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'rebates.mjs'), 'verify', '--quarter', Q, '--state', stateDir], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TMPDIR: tmp, REBATES_TEST_PAUSE_AT: '' },
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => void (output += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => void (output += c.toString('utf8')));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

const token = async (up: Up, who: keyof typeof callers) =>
  signDevToken(callers[who], await devTokenSecret(up.stateDir), 600);

async function presignedUrl(up: Up): Promise<string> {
  const res = await callApi(up.api, await token(up, 'distributor'), 'POST', '/api/uploads', { name: NAME });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.url as string;
}

/** The distributor's upload, whole; resolves with the object's ETag. */
async function upload(up: Up, bytes: Buffer): Promise<string> {
  const res = await fetch(await presignedUrl(up), { method: 'PUT', body: bytes });
  expect(res.status).toBe(200);
  await res.arrayBuffer();
  return (res.headers.get('etag') ?? '').replace(/"/g, '');
}

/** Sends half of the body of an upload and resolves once those bytes are on the wire; the rest never comes. */
async function halfAnUpload(up: Up, bytes: Buffer): Promise<void> {
  const url = new URL(await presignedUrl(up));
  const req = request(url, { method: 'PUT', headers: { 'content-length': String(bytes.length) } });
  req.on('error', () => undefined); // the server dies under it
  await new Promise<void>((resolve) => req.write(bytes.subarray(0, bytes.length >> 1), () => resolve()));
  // Long enough for the local S3 to have taken the bytes in.
  await new Promise((r) => setTimeout(r, 300));
}

/** Polls `check` for WAIT_MS; `what` may say what was last seen, for the failure message. */
async function until(what: string | (() => string), check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`gave up waiting ${WAIT_MS / 1000} s until ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

const computationCurrent = async (deps: AppDeps) => {
  const [latest, inputs] = await Promise.all([latestComputation(deps, Q), loadQuarterInputs(deps, Q)]);
  return !!latest && !!inputs && latest.pointer.inputsHash === inputs.inputsHash;
};

/** The report (the version with `etag` when given) processed, and the quarter computed from it. */
async function untilSettled(up: Up, etag?: string): Promise<void> {
  let seen = 'no report record';
  await until(
    () => `the report is processed and the quarter computed from it (last seen: ${seen})`,
    async () => {
      const r = await up.deps.reports.get(reportIdOf(KEY));
      const current = await computationCurrent(up.deps);
      seen = r ? `report ${r.status}, etag ${r.etag}, computation ${current ? 'current' : 'not current'}` : seen;
      return r?.status === 'processed' && (!etag || r.etag === etag) && current;
    },
  );
}

async function close(up: Up): Promise<void> {
  const asked = await callApi(up.api, await token(up, 'finance'), 'POST', `/api/quarters/${Q}/close`);
  expect(asked.status, JSON.stringify(asked.body)).toBe(202);
  const { approval } = asked.body as { approval: { id: string } };
  const res = await callApi(up.api, await token(up, 'approver'), 'POST', `/api/approvals/${approval.id}/approve`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

/** Everything a run leaves that must not depend on where it was killed (instants and versions left out). */
async function outcome(deps: AppDeps) {
  const record = (await deps.reports.get(reportIdOf(KEY)))!;
  const latest = (await latestComputation(deps, Q))!;
  const stored = await deps.payouts.listQuarter(Q);
  const partners = (await deps.reference.listPartners()).map((p) => p.id).sort();
  const ledger = await Promise.all(
    partners.map(async (id) =>
      (await deps.reference.partnerState(id)).ledger.map((e) => [e.partnerId, e.entryId, e.kind, e.quarter, e.points]),
    ),
  );
  const quarter = (await deps.quarters.get(Q))!;
  return {
    report: { status: record.status, sha256: record.sha256, extractSha256: record.extractSha256, counts: record.counts },
    computation: {
      resultHash: latest.pointer.resultHash,
      counts: latest.body.counts,
      reports: latest.body.reports.map(({ reportId, extracted, counted, held, heldByReason }) => ({
        reportId,
        extracted,
        counted,
        held,
        heldByReason,
      })),
    },
    payouts: stored.map((s) => ({
      partnerId: s.result.partnerId,
      hash: s.hash,
      total: s.result.total.toFixed(2),
      lines: s.result.lines.map((l) => [l.distributorId, l.program, l.rateRow, l.units, l.paidUnits, l.amount.toFixed(2)]),
      points: s.points,
    })),
    ledger: ledger.flat(),
    quarter: { status: quarter.status, total: quarter.total, sha256: quarter.sha256 },
  };
}
type Outcome = Awaited<ReturnType<typeof outcome>>;

describe('SIGKILL at each kill point, restart on the same state: the outcome of a clean run', { timeout: 300_000 }, () => {
  let base: string;
  let data: string;
  let bytes: Buffer;
  let clean: Outcome;
  const running = new Set<Up>();
  let scenario = 0;

  const folders = async () => {
    const dir = join(base, `run-${++scenario}`);
    await mkdir(join(dir, 'tmp'), { recursive: true });
    return { stateDir: join(dir, 'state'), tmp: join(dir, 'tmp') };
  };
  const up = async (stateDir: string, tmp: string, options: Parameters<typeof startUp>[2] = {}) => {
    const u = await startUp(stateDir, tmp, options);
    running.add(u);
    return u;
  };
  const crash = async (u: Up) => {
    running.delete(u);
    await kill(u);
  };

  /** The rest of the work on the restarted process: wait, close unless closed, then the outcome and verify. */
  const finish = async (u: Up, etag?: string): Promise<{ result: Outcome; differences: unknown[] }> => {
    await untilSettled(u, etag);
    if ((await u.deps.quarters.get(Q))?.status !== 'closed') await close(u);
    // The approval answers once the close is recorded; the computation it asks for credits the points.
    await until('the close has credited every partner', async () => (await u.deps.quarters.get(Q))?.creditsComplete === true);
    const result = await outcome(u.deps);
    const { differences } = await verifyQuarter(u.deps, Q);
    // Everything is read: the quickest end is the kill (its folder goes with the test's).
    await crash(u);
    return { result, differences };
  };

  beforeAll(async () => {
    requireJdkInCI();
    base = await mkdtemp(join(tmpdir(), 'rebates-crash-'));
    // The sample folder's reference data, without its reports.
    data = join(base, 'data');
    await mkdir(data);
    for (const f of ['partners.csv', 'distributors.csv', 'acceptances.csv', 'trainings.csv', 'catalog.csv'])
      await copyFile(join(SAMPLES, f), join(data, f));
    bytes = await largeReport();

    const { stateDir, tmp } = await folders();
    const u = await up(stateDir, tmp, { data });
    const etag = await upload(u, bytes);
    const { result, differences } = await finish(u, etag);
    expect(differences).toEqual([]);
    clean = result;
  }, 300_000);

  afterAll(async () => {
    for (const u of running) await kill(u).catch(() => undefined);
    await rm(base, { recursive: true, force: true });
  });

  it('the clean run counts, holds and pays what the report says, and credits points at close', () => {
    const c = clean.report.counts!;
    expect(c.read).toBe(bytes.toString('utf8').trimEnd().split('\n').length - 1);
    expect(c.read).toBe(c.extracted + c.rejected);
    const q = clean.computation.counts;
    expect(q.extracted).toBe(q.counted + q.held);
    expect(q.counted).toBeGreaterThan(0);
    expect(q.held).toBeGreaterThan(0); // the tagged lines of every copy after the first
    expect(clean.payouts.length).toBeGreaterThan(3);
    expect(clean.ledger.length).toBeGreaterThan(0);
    expect(clean.quarter.status).toBe('closed');
  });

  it('mid-upload: the half-sent file counts for nothing; sent again, it counts once', async () => {
    const { stateDir, tmp } = await folders();
    const first = await up(stateDir, tmp, { data });
    await halfAnUpload(first, bytes);
    await crash(first);

    const second = await up(stateDir, tmp);
    const etag = await upload(second, bytes);
    const { result, differences } = await finish(second, etag);
    expect(differences).toEqual([]);
    expect(result).toEqual(clean);
  });

  it('mid-ingest: the report cut off while read is read again from the start', async () => {
    const { stateDir, tmp } = await folders();
    const first = await up(stateDir, tmp, { data, pauseAt: 'mid-ingest' });
    const pausedAt = first.paused();
    await upload(first, bytes);
    expect(await pausedAt).toBe('mid-ingest');
    // Ingest writes the record once the version is read: none while it is read.
    expect(await first.deps.reports.get(reportIdOf(KEY))).toBeNull();
    await crash(first);

    const second = await up(stateDir, tmp);
    expect(second.output()).toMatch(/reading 1 report\(s\) not read yet/);
    const { result, differences } = await finish(second);
    expect(differences).toEqual([]);
    expect(result).toEqual(clean);
  });

  it('between ingest and computation: the quarter is computed at restart', async () => {
    const { stateDir, tmp } = await folders();
    const first = await up(stateDir, tmp, { data, pauseAt: 'before-computation' });
    const pausedAt = first.paused();
    await upload(first, bytes);
    expect(await pausedAt).toBe('before-computation');
    expect((await first.deps.reports.get(reportIdOf(KEY)))?.status).toBe('processed');
    expect(await computationCurrent(first.deps)).toBe(false);
    expect(await first.deps.payouts.listQuarter(Q)).toEqual([]);
    await crash(first);

    const { result, differences } = await finish(await up(stateDir, tmp));
    expect(differences).toEqual([]);
    expect(result).toEqual(clean);
  });

  it('mid-computation: payout items written without their pointer are set right, none doubled', async () => {
    const { stateDir, tmp } = await folders();
    const first = await up(stateDir, tmp, { data, pauseAt: 'mid-computation' });
    const pausedAt = first.paused();
    await upload(first, bytes);
    expect(await pausedAt).toBe('mid-computation');
    expect(await computationCurrent(first.deps)).toBe(false);
    // Listed through the unfinished computation's started.json: written, but no pointer names them.
    expect((await first.deps.payouts.listQuarter(Q)).length).toBeGreaterThan(0);
    await crash(first);

    const { result, differences } = await finish(await up(stateDir, tmp));
    expect(differences).toEqual([]);
    expect(result).toEqual(clean);
  });

  it('mid-close: the close record is written, the ledger only in part; the restart credits the rest once', async () => {
    const { stateDir, tmp } = await folders();
    const first = await up(stateDir, tmp, { data, pauseAt: 'mid-close' });
    const etag = await upload(first, bytes);
    await untilSettled(first, etag);
    const pausedAt = first.paused();
    const closing = close(first).catch(() => undefined); // never answered: the process dies under it
    expect(await pausedAt).toBe('mid-close');
    const partial = await outcome(first.deps);
    expect(partial.quarter.status).toBe('closed');
    expect(partial.ledger.length).toBeGreaterThan(0);
    expect(partial.ledger.length).toBeLessThan(clean.ledger.length);
    const shortfalls = (await verifyQuarter(first.deps, Q)).differences;
    expect(shortfalls.length).toBe(clean.ledger.length - partial.ledger.length);
    expect(shortfalls.every((d) => d.what === 'ledger' && /close did not finish crediting/.test(d.detail))).toBe(true);
    await crash(first);
    await closing;

    const second = await up(stateDir, tmp);
    expect(second.output()).toMatch(/finished the close of 2016-Q1/);
    const { result, differences } = await finish(second);
    expect(differences).toEqual([]);
    expect(result).toEqual(clean);
    // And the command itself, on the folder the killed processes left (stale lock and up.json included).
    const verified = await rebatesVerify(stateDir, tmp);
    expect(verified.output).toMatch(/^Verified: /m);
    expect(verified.code).toBe(0);
  });
});
