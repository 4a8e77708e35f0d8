/**
 * Who uploaded a report version, as the report routes answer it (issue #14). The user or S3
 * principal is shown to every reader of the report: a distributor reads only its own reports, so
 * the uploader is one of its own. The address a direct S3 write came from says where a
 * distributor's systems sit, which is the vendor's business only: finance and program see it.
 * The same rule holds for the causes of adjustments (issue #15), which name the uploader too.
 */
import type { Principal } from '../../shared/auth/principal.js';
import type { ChangeCause, PayoutLine } from '../../shared/domain/types.js';
import type { ReportUploader } from '../../shared/ports/index.js';
import type { Lang } from '../../shared/domain/render/format.js';
import { uploaderWords } from '../../shared/domain/render/uploader.js';

const SEE_SOURCE_IP: ReadonlySet<Principal['role']> = new Set(['finance', 'program']);

/** Whether `principal` may see the address a direct S3 write came from. */
export const seesSourceIp = (principal: Pick<Principal, 'role'>): boolean => SEE_SOURCE_IP.has(principal.role);

/**
 * The uploader for `principal`, or null when nobody was recorded (reports read before uploaders were).
 * `by` stays as recorded; the `rebates` command, which is no name, is also said in the reader's
 * language (`byText`, `byLang`).
 */
export function uploaderJson(
  uploader: ReportUploader | undefined,
  principal: Pick<Principal, 'role'>,
  lang: Lang = 'en',
): (ReportUploader & { byText?: string; byLang?: Lang }) | null {
  if (!uploader) return null;
  const shown = seesSourceIp(principal) ? uploader : withoutSourceIp(uploader);
  return { ...shown, ...uploaderWords(uploader.by, lang) };
}

/** An uploader or a cause without its `sourceIp`: the one place the address is taken out. */
function withoutSourceIp<T extends { sourceIp?: string } | ChangeCause>(o: T): T {
  if (!('sourceIp' in o)) return o;
  const { sourceIp: _hidden, ...rest } = o;
  return rest as T;
}

/**
 * `line` as `principal` may read it: an adjustment's causes (its own field and the explanation's,
 * which the rendered sentence words) lose the writer's address unless the reader may see it.
 */
export function lineForReader<L extends PayoutLine & { causes?: ChangeCause[] }>(line: L, principal: Pick<Principal, 'role'>): L {
  if (seesSourceIp(principal)) return line;
  const params = line.explanation.params;
  return {
    ...line,
    ...(line.causes ? { causes: line.causes.map(withoutSourceIp) } : {}),
    ...(params?.causes ? { explanation: { ...line.explanation, params: { ...params, causes: params.causes.map(withoutSourceIp) } } } : {}),
  };
}
