/**
 * `rebates up` for browser tests, as a user starts it: its own process group, a free port, the
 * sample data folder, and a state folder; stopped with its whole group (npm, tsx, node, DynamoDB
 * Local's java). Also the Chromium every browser test drives, and the group checks the tests that
 * start `up` their own way (crash-restart, beside-up) use.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM, chromiumPresent } from './ci.js';
import { watchApi } from './explain.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Runs a `rebates` command and returns the last line it printed (a token, for `token`). */
export async function rebates(...args: string[]): Promise<string> {
  const { stdout } = await run('npm', ['run', '--silent', 'rebates', '--', ...args], { cwd: ROOT });
  return stdout.trim().split('\n').at(-1)!.trim();
}

/** Starts `rebates up` on samples/data and waits for "ready". */
export function startUp(port: number, stateDir: string): Promise<ChildProcess> {
  const child = spawn(
    'npm',
    [
      'run',
      '--silent',
      'rebates',
      '--',
      'up',
      '--port',
      String(port),
      '--data',
      'samples/data',
      '--state',
      stateDir,
    ],
    { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (/^ready$/m.test(out)) resolve(child);
    });
    // Drained always, so a chatty child never blocks on a full pipe.
    child.stderr!.on('data', (chunk: Buffer) => void (err = (err + chunk.toString('utf8')).slice(-4000)));
    child.once('exit', (code) =>
      reject(new Error(`rebates up exited (${code}) before "ready":\n${out}\n${err}`)),
    );
    child.once('error', reject);
  });
}

/** Whether any process of the group `pgid` is still running. */
export const groupAlive = (pgid: number) => {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
};

/** SIGTERM to the whole group ("up" stops its stack on it), SIGKILL for whatever outlives a grace period. */
export async function stopUp(child: ChildProcess): Promise<void> {
  const pgid = child.pid!;
  if (!groupAlive(pgid)) return;
  process.kill(-pgid, 'SIGTERM');
  for (let i = 0; i < 100 && groupAlive(pgid); i++) await new Promise((r) => setTimeout(r, 200));
  if (groupAlive(pgid)) process.kill(-pgid, 'SIGKILL');
  for (let i = 0; i < 25 && groupAlive(pgid); i++) await new Promise((r) => setTimeout(r, 200));
  if (groupAlive(pgid))
    throw new Error(`processes of group ${pgid} (rebates up, DynamoDB Local) are still running`);
}

/**
 * Whether a browser test file can run: in CI a missing Chromium fails the file (chromiumPresent
 * throws); elsewhere the file is skipped and says so.
 */
export function browserTestsCanRun(what: string): boolean {
  const present = chromiumPresent();
  if (!present)
    console.warn(`${what} skipped: ${CHROMIUM} is absent (install Debian's chromium; .ci/run does).`);
  return present;
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** The throwaway profile folder, for the caller to remove after closing the context. */
  profileDir: string;
}

/**
 * Debian's Chromium, headless, on a new profile in the temp folder, in English at a desktop size;
 * errors thrown in the page are pushed to `pageErrors` so a test can assert there were none.
 */
export async function launchChromium(profilePrefix: string, pageErrors: string[]): Promise<Browser> {
  const profileDir = await mkdtemp(join(tmpdir(), profilePrefix));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
      locale: 'en-US',
      viewport: { width: 1366, height: 900 },
    });
  } catch (err) {
    // The caller never learns the folder when the launch fails, so it goes here.
    await rm(profileDir, { recursive: true, force: true });
    throw err;
  }
  // Playwright's 30 s default is a quiet machine's figure; a loaded CI machine has needed more for a
  // view that reads the API.
  context.setDefaultTimeout(60_000);
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (err) => pageErrors.push(err.message));
  watchApi(page);
  return { context, page, profileDir };
}

/** After a browser test file: the browser closed, `up` stopped, and its folders removed (those made). */
export async function tearDown(
  context: BrowserContext | undefined,
  stack: ChildProcess | undefined,
  ...dirs: (string | undefined)[]
): Promise<void> {
  await context?.close();
  if (stack) await stopUp(stack);
  for (const dir of dirs) if (dir) await rm(dir, { recursive: true, force: true });
}
