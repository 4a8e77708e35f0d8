/**
 * `rebates up --lang ru` (issue #15): its addresses and last line in Russian; English stays the
 * lines scripts read, ending in `ready`.
 */
import { describe, expect, it } from 'vitest';
import { upLines, upStopping, type UpServing } from '../../local/up-words.js';

const SERVING: UpServing = {
  s3: 'http://127.0.0.1:4569',
  bucket: 'rebates-local',
  accessKeyId: 'AKIDLOCAL',
  secretAccessKey: 's3cr3t',
  dynamodb: 'http://127.0.0.1:8000',
  table: 'rebates-local-table',
  url: 'http://127.0.0.1:8787',
  state: '/tmp/state',
};

describe('the lines rebates up prints once it serves', () => {
  it('are in English by default, ending in "ready"', () => {
    const lines = upLines(SERVING, 'en');
    expect(lines.at(-1)).toBe('ready');
    expect(lines).toContain('API:       http://127.0.0.1:8787/api/ (bearer token: npm run rebates -- token --role finance)');
    expect(lines).toContain('dashboard: http://127.0.0.1:8787/');
    expect(upStopping('en')).toBe('stopping…');
  });

  it('are in Russian with --lang ru, with every address, name and key as written', () => {
    const lines = upLines(SERVING, 'ru');
    expect(lines.at(-1)).toBe('готово');
    const text = lines.join('\n');
    for (const v of Object.values(SERVING)) expect(text).toContain(v);
    // What stays Latin: the values above, the services' names, the upload folder, the env names and the token command.
    let rest = text.replace(/npm run rebates -- token --role finance/g, ' ');
    for (const v of Object.values(SERVING).sort((x, y) => y.length - x.length)) rest = rest.split(v).join(' ');
    rest = rest.replace(/S3|DynamoDB|API|\/api\/|incoming\/<distributor_id>\/|AWS_[A-Z_]+/g, ' ');
    expect(rest).not.toMatch(/[A-Za-z]{3,}/);
    expect(upStopping('ru')).toMatch(/^[а-яё…]+$/);
  });
});
