/**
 * What `rebates run` loads before DynamoDB Local answers: every module compiled then takes CPU
 * from the JVM's start on two cores. The modules only other commands use (the API server and
 * functions/api, verify) are imported where those commands run, and s3rver where it starts, so
 * that importing the emulators to start the JVM early loads almost nothing. Checked on the static
 * import graph as tsx sees it (esbuild: type-only imports dropped, `import()` not followed), and
 * DynamoDB Local's start says when its process is spawned, before it answers.
 */
import * as esbuild from 'esbuild';
import { describe, expect, it } from 'vitest';
import { startDynamoLocal } from '../../local/emulators.js';
import { isAlive, PROJECT_ROOT } from '../../local/state-files.js';

/** The files and packages an entry module loads before its code runs (static imports only). */
async function staticGraph(entry: string): Promise<{ files: Set<string>; packages: Set<string> }> {
  const result = await esbuild.build({
    absWorkingDir: PROJECT_ROOT,
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    metafile: true,
    write: false,
    logLevel: 'silent',
  });
  const inputs = result.metafile.inputs;
  const files = new Set<string>();
  const packages = new Set<string>();
  const todo = [entry];
  while (todo.length) {
    const file = todo.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    for (const i of inputs[file]?.imports ?? []) {
      if (i.kind === 'dynamic-import' || i.external) continue;
      const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(i.path)?.[1];
      if (pkg && !file.includes('node_modules/')) packages.add(pkg);
      if (!pkg) todo.push(i.path);
    }
  }
  return { files, packages };
}

describe("the modules `rebates run` loads before its stack answers", () => {
  it('leave out the API server, functions/api and verify', async () => {
    const { files } = await staticGraph('local/cli.ts');
    expect(files.has('local/runtime.ts')).toBe(true); // the walk reaches what run uses
    const notForRun = [...files].filter(
      (f) =>
        f === 'local/api-server.ts' ||
        (f.startsWith('functions/api/') && f !== 'functions/api/reject-json.ts') ||
        /^shared\/pipeline\/verify/.test(f) ||
        f === 'shared/domain/render/verify.ts',
    );
    expect(notForRun).toEqual([]);
  }, 30_000);

  it('start DynamoDB Local without loading s3rver', async () => {
    const { files, packages } = await staticGraph('local/emulators.ts');
    expect(files.has('local/s3-sigv4.ts')).toBe(true); // the walk reaches the module's own imports
    expect(packages.has('s3rver')).toBe(false);
  }, 30_000);
});

describe('DynamoDB Local started with onSpawn', () => {
  it('says so once, before it answers', async () => {
    let answered = false;
    const spawns: boolean[] = [];
    const dynamo = await startDynamoLocal({ onSpawn: () => spawns.push(answered) }).then((d) => {
      answered = true;
      return d;
    });
    try {
      expect(spawns).toEqual([false]);
      expect(isAlive(dynamo.pid)).toBe(true);
    } finally {
      await dynamo.stop();
    }
  });
});
