/**
 * CI runs every test: there a missing tool fails the run instead of skipping what needs it, so a
 * green CI never means "not tested". A developer's machine may skip, and says so.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export function inCI(env: NodeJS.ProcessEnv = process.env): boolean {
  return /^(1|true)$/i.test(env.CI ?? '');
}

export class MissingToolError extends Error {
  override name = 'MissingToolError';
}

export const CHROMIUM = '/usr/bin/chromium';

/** Whether the dashboard test can run; in CI, throws when it cannot. */
export function chromiumPresent(env = process.env, path = CHROMIUM): boolean {
  const present = existsSync(path);
  if (!present && inCI(env))
    throw new MissingToolError(
      `${path} is absent, and CI must run the dashboard test: install Debian's chromium (.ci/run does).`,
    );
  return present;
}

/**
 * DynamoDB Local needs java, and javac for its launcher (without it Java compiles the launcher at
 * every start). In CI a missing one fails the test file that starts the emulators.
 */
export function requireJdkInCI(env = process.env, tools = ['java', 'javac']): void {
  if (!inCI(env)) return;
  for (const tool of tools) {
    const run = spawnSync(tool, ['-version'], { stdio: 'ignore' });
    if (run.error || run.status !== 0)
      throw new MissingToolError(
        `${tool} did not run (${run.error?.message ?? `exit code ${run.status}`}), and CI must run the ` +
          'integration tests on DynamoDB Local: install a Java 17 JDK (.ci/run does).',
        { cause: run.error },
      );
  }
}
