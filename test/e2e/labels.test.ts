/**
 * The dashboard's labels, without a browser: both languages have every label, every label the code
 * asks for exists, and every reject reason and role the back end can send has a name on screen.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { ROLES } from '../../shared/auth/principal.js';
import { HELD_REASONS } from '../../shared/pipeline/compute-quarter.js';
import { FILE_REJECT_REASONS } from '../../shared/pipeline/line-checks.js';

const WEB_JS = fileURLToPath(new URL('../../web/js/', import.meta.url));

type Labels = Record<'en' | 'ru', Record<string, string>>;
// A plain browser module (no types); the path is not a literal so TypeScript does not resolve it.
const labelsModule = join(WEB_JS, 'labels.js');
const { STRINGS, REASONS } = (await import(labelsModule)) as { STRINGS: Labels; REASONS: Labels };

async function sources(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((e) =>
      e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.js') ? [join(dir, e.name)] : [],
    ),
  );
  return nested.flat();
}

describe('dashboard labels', () => {
  test('Russian and English have the same labels, none empty', () => {
    expect(Object.keys(STRINGS.ru).sort()).toEqual(Object.keys(STRINGS.en).sort());
    for (const lang of ['en', 'ru'] as const)
      for (const [key, text] of Object.entries(STRINGS[lang]))
        expect(text.trim(), `${lang}.${key}`).not.toBe('');
  });

  test('every label the code asks for by name exists', async () => {
    const used = new Set<string>();
    for (const file of await sources(WEB_JS))
      for (const m of (await readFile(file, 'utf8')).matchAll(/\bt\(\s*'([A-Za-z_]+)'/g)) used.add(m[1]!);
    expect(used.size).toBeGreaterThan(20);
    expect([...used].filter((key) => !(key in STRINGS.en))).toEqual([]);
  });

  test('every reason a line is rejected or held for, and every role, has a name in both languages', () => {
    for (const lang of ['en', 'ru'] as const) {
      expect(Object.keys(REASONS[lang]).sort()).toEqual([...FILE_REJECT_REASONS, ...HELD_REASONS].sort());
      for (const role of ROLES) expect(STRINGS[lang], `${lang} role_${role}`).toHaveProperty(`role_${role}`);
    }
  });
});
