#!/usr/bin/env node
// The `rebates` command without a build step: tsx's loader compiles the TypeScript sources as
// they are imported (tsx is installed by `npm ci`, devDependencies included).
import process from 'node:process';
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../local/cli-program.ts');
await runCli(process.argv.slice(2));
