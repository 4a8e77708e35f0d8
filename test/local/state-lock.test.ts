import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StateLockedError } from '../../shared/errors.js';
import { startLocalRuntime } from '../../local/runtime.js';

describe('a persistent state folder', () => {
  let dir = '';
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('is refused, before anything starts, while another live process holds it', async () => {
    dir = await mkdtemp(join(tmpdir(), 'rebates-lock-'));
    // The parent process (vitest's) is alive and is not us: it stands for a running "rebates up".
    await writeFile(join(dir, 'lock'), String(process.ppid));
    const started = startLocalRuntime({ stateDir: dir });
    await expect(started).rejects.toBeInstanceOf(StateLockedError);
    await expect(started).rejects.toThrow(/in use by another rebates process \(pid \d+\)/);
  });
});
