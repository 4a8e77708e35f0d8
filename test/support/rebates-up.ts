/**
 * `rebates up` for browser tests, as a user starts it: its own process group, a free port, the
 * sample data folder, and a state folder; stopped with its whole group (npm, tsx, node, DynamoDB
 * Local's java). The same steps as test/e2e/dashboard.test.ts, shared for newer browser tests.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

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

const groupAlive = (pgid: number) => {
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
