/**
 * What `rebates up` prints once it serves, in the language of `--lang` (issue #15). English is word
 * for word what it always printed, and its last line stays `ready` for the scripts that wait for it;
 * with `--lang ru` every line is Russian, the last one `готово`. Addresses, the emulators' names,
 * the bucket, the table, the keys and commands stay as written.
 */
import type { Lang } from '../shared/domain/render/format.js';

export interface UpServing {
  s3: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  dynamodb: string;
  table: string;
  url: string;
  state: string;
}

/** The lines `up` prints once it serves, the last one saying it is ready. */
export function upLines(u: UpServing, lang: Lang): string[] {
  const keys = `AWS_ACCESS_KEY_ID=${u.accessKeyId} AWS_SECRET_ACCESS_KEY=${u.secretAccessKey}`;
  if (lang === 'ru')
    return [
      `S3:          ${u.s3} (бакет ${u.bucket}; отчёты загружайте в incoming/<distributor_id>/)`,
      `             только подписанные запросы: ${keys} (новые при каждом запуске)`,
      `DynamoDB:    ${u.dynamodb} (таблица ${u.table})`,
      `API:         ${u.url}/api/ (токен: npm run rebates -- token --role finance)`,
      `панель:      ${u.url}/`,
      `состояние:   ${u.state}`,
      'готово',
    ];
  return [
    `S3:        ${u.s3} (bucket ${u.bucket}; upload reports under incoming/<distributor_id>/)`,
    `           signed requests only: ${keys} (new at each start)`,
    `DynamoDB:  ${u.dynamodb} (table ${u.table})`,
    `API:       ${u.url}/api/ (bearer token: npm run rebates -- token --role finance)`,
    `dashboard: ${u.url}/`,
    `state:     ${u.state}`,
    'ready',
  ];
}

/** Said on Ctrl-C, before the stack stops. */
export const upStopping = (lang: Lang): string => (lang === 'ru' ? 'останавливаем…' : 'stopping…');
