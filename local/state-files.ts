/**
 * What a command needs of a state folder without starting anything: where it is, its dev-token
 * secret and whether the process holding its lock runs. Kept free of the AWS SDK, the runtime and
 * the emulators, so that the commands beside a running `up` load in a fraction of a second.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UnauthorizedError } from '../shared/errors.js';

export const PROJECT_ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const DEFAULT_STATE = join(PROJECT_ROOT, '.state');

const SECRET_FILE = 'dev-token-secret';

/** The state folder's dev-token secret: 32 random bytes made on first use, readable by the owner only. */
export async function devTokenSecret(stateDir: string): Promise<Buffer> {
  const path = join(stateDir, SECRET_FILE);
  await mkdir(stateDir, { recursive: true });
  // Written whole under a temporary name, then linked into place: a concurrent reader (`rebates
  // token` while `up` starts) sees no file or the full secret, and the first link wins.
  const temp = `${path}.${process.pid}.${randomUUID()}`;
  await writeFile(temp, randomBytes(32), { mode: 0o600 });
  try {
    await link(temp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    await unlink(temp);
  }
  const secret = await readFile(path);
  if (secret.length < 32)
    throw new UnauthorizedError(`${path} is shorter than 32 bytes; delete it and get new tokens.`, {
      key: 'secret-too-short',
      params: { path },
    });
  return secret;
}

/** Whether a process with this ID runs (EPERM: it does, under another user). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
