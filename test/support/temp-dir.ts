/**
 * Vitest global setup: the run gets a temp folder of its own (TMPDIR, which os.tmpdir(), CDK,
 * esbuild and Chromium follow, and from which DynamoDB Local's java.io.tmpdir is made), and when
 * the run ends that folder must be as found, empty. A test that leaves something behind fails the
 * run by name; other runs writing to the shared /tmp at the same time never count.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const shared = tmpdir();
  const own = mkdtempSync(join(shared, 'rebates-test-run-'));
  const saved = process.env.TMPDIR;
  // Workers start after this and inherit it.
  process.env.TMPDIR = own;
  return () => {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
    const left = readdirSync(own);
    rmSync(own, { recursive: true, force: true });
    if (left.length > 0) {
      // Vitest reports an error thrown here but still exits 0: set the code and say it plainly.
      process.exitCode = 1;
      console.error(
        `\nThe tests left ${left.length} item(s) in the temp folder (removed now): ${left.join(', ')}. ` +
          'Each test must remove what it creates there.',
      );
    }
  };
}
