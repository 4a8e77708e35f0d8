/**
 * Writes samples/rules/rules.schema.json from the zod schema, so editors can validate and
 * complete rules files as they are typed. A test keeps the committed file current.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { RulesFile } from '../shared/domain/rules/schema.js';

export function rulesJsonSchema(): string {
  const schema = z.toJSONSchema(RulesFile, { io: 'input', unrepresentable: 'any' });
  return `${JSON.stringify({ ...schema, title: 'Rebate program rules of one quarter' }, null, 2)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const target = join(fileURLToPath(new URL('..', import.meta.url)), 'samples', 'rules', 'rules.schema.json');
  writeFileSync(target, rulesJsonSchema());
  console.log(`wrote ${target}`);
}
