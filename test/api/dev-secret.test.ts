import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { devTokenSecret } from '../../local/api-server.js';
import { UnauthorizedError } from '../../shared/errors.js';

describe('devTokenSecret', () => {
  const dirs: string[] = [];
  const stateDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rebates-secret-'));
    dirs.push(dir);
    return join(dir, 'state');
  };
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });

  it('makes 32 random bytes readable by the owner only, and gives the same secret to every later caller', async () => {
    const dir = await stateDir();
    const [a, b] = await Promise.all([devTokenSecret(dir), devTokenSecret(dir)]);
    expect(a.length).toBe(32);
    expect(b.equals(a)).toBe(true);
    expect((await devTokenSecret(dir)).equals(a)).toBe(true);
    expect((await stat(join(dir, 'dev-token-secret'))).mode & 0o777).toBe(0o600);
  });

  it('gives each state folder its own secret', async () => {
    const [a, b] = await Promise.all([stateDir().then(devTokenSecret), stateDir().then(devTokenSecret)]);
    expect(a.equals(b)).toBe(false);
  });

  it('refuses a truncated secret file', async () => {
    const dir = await stateDir();
    await devTokenSecret(dir);
    await writeFile(join(dir, 'dev-token-secret'), 'short');
    await expect(devTokenSecret(dir)).rejects.toThrow(UnauthorizedError);
  });
});
