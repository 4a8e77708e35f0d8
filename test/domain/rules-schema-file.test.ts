import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { rulesJsonSchema } from '../../scripts/rules-schema.js';

describe('samples/rules/rules.schema.json', () => {
  it('is current with the zod schema (run `npm run rules:schema` after changing it)', () => {
    expect(readFileSync('samples/rules/rules.schema.json', 'utf8')).toBe(rulesJsonSchema());
  });
});
