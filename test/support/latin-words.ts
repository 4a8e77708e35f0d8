/**
 * The Latin words a Russian text may contain because the input names them: the data folder's files
 * (IDs, names, model names, report headers) and the rules file's IDs, codes, catalog names and the
 * Latin words of its own Russian reasons; and the technical proper names Russian writes as they are.
 * Shared by the Russian-everywhere tests of the API and the CLI.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

export const WORD = /[A-Za-z][A-Za-z0-9'’-]*[A-Za-z0-9]/g;

/** Technical and program proper names a Russian text writes in Latin letters. */
const PROPER = new Set(['Dell', 'Partner', 'Advantage', 'S3', 'CSV', 'XLSX', 'sha256', 'API', 'DynamoDB', 'rebates', 'ID']);

/** Every Latin word the input data names as data: the folder's files, and the rules' IDs, codes and catalog names. */
export async function dataWords(samples: string, rulesFile: string): Promise<Set<string>> {
  const words = new Set<string>(PROPER);
  const add = (text: string) => {
    for (const w of text.match(WORD) ?? []) words.add(w);
  };
  const walk = async (dir: string) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.name.endsWith('.gz')) add(gunzipSync(await readFile(path)).toString('latin1'));
      else if (!entry.name.endsWith('.md')) add((await readFile(path)).toString('latin1'));
      add(entry.name);
    }
  };
  await walk(samples);
  // The rules' prose (notes, source, English labels and reasons) does not count: only what it names.
  const NAMING = new Set(['id', 'family', 'program', 'rateRow', 'model', 'formFactor', 'monitorSeries', 'oneOf', 'gate', 'consumer', 'commercial', 'monitors']);
  const rules = JSON.parse(await readFile(rulesFile, 'utf8'));
  const fromRules = (v: unknown, key?: string): void => {
    if (Array.isArray(v)) v.forEach((x) => fromRules(x, key));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) fromRules(x, k);
    else if (typeof v === 'string' && key && NAMING.has(key)) add(v);
  };
  fromRules(rules);
  for (const r of rules.points.rewards as { name: string }[]) add(r.name);
  // The rules' own Russian reasons name models in Latin letters (VRTX, Pro): those are names too.
  const reasonsRu = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(reasonsRu);
    else if (v && typeof v === 'object')
      for (const [k, x] of Object.entries(v)) if (k === 'reasonRu' && typeof x === 'string') add(x); else reasonsRu(x);
  };
  reasonsRu(rules);
  return words;
}

