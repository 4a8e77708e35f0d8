/**
 * The reader's language: explanations, warnings, tier summaries and points reasons are rendered
 * per request from the `Accept-Language` header (Russian or English; English when it names
 * neither), since results store codes and figures only.
 */
import { LANGS, type Lang } from '../../shared/domain/render/index.js';
import type { ApiRequest } from './http.js';

/** The supported language the header prefers most (RFC 9110 weights); English by default. */
export function languageOf(req: Pick<ApiRequest, 'headers'>): Lang {
  const header = req.headers['accept-language'] ?? '';
  let best: { lang: Lang; q: number } | null = null;
  for (const part of header.split(',').slice(0, 50)) {
    const [tag = '', ...attrs] = part.trim().split(';');
    const primary = tag.trim().toLowerCase().split('-')[0] as Lang;
    if (!LANGS.includes(primary)) continue;
    const qAttr = attrs.map((a) => a.trim()).find((a) => a.toLowerCase().startsWith('q='));
    const q = qAttr ? Number(qAttr.slice(2)) : 1;
    if (!Number.isFinite(q) || q <= 0) continue;
    if (!best || q > best.q) best = { lang: primary, q };
  }
  return best?.lang ?? 'en';
}
