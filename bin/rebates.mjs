#!/usr/bin/env -S node --max-semi-space-size=64
// The `rebates` command without a build step: tsx's loader compiles the TypeScript sources as
// they are imported (tsx is installed by `npm ci`, devDependencies included). A 64 MB young
// generation: reading a million report lines allocates an object per field and line, and the
// larger nursery took about a sixth off `rebates run`'s CPU on the bench folder (README).
import process from 'node:process';
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../local/cli-program.ts');
await runCli(process.argv.slice(2));
