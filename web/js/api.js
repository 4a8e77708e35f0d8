/**
 * The HTTP API of docs/api.md, called with the bearer token kept in sessionStorage (gone when the
 * tab closes). An expired token or a 401 anywhere ends the session: the app goes back to sign-in.
 */
import { isExpired } from './auth.js';
import { getLang, t } from './i18n.js';
import { fetchPatiently } from './retry.js';

const TOKEN_KEY = 'rebates.token';
/** Set from config.json before the first call: `/api` locally, the HTTP API's URL in AWS. */
let base = '/api';
export const useApi = (apiUrl) => void (base = apiUrl);

export class ApiError extends Error {
  constructor(status, code, message, issues) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.issues = issues ?? [];
  }
}

export const session = {
  token: () => sessionStorage.getItem(TOKEN_KEY),
  start: (token) => sessionStorage.setItem(TOKEN_KEY, token),
  end: () => sessionStorage.removeItem(TOKEN_KEY),
};

let onUnauthenticated = () => undefined;
/** `fn(expired)`: called when the session ends, `expired` true when the token's own time ran out. */
export const whenUnauthenticated = (fn) => void (onUnauthenticated = fn);

async function request(method, path, body) {
  // Checked here, not left to the API: API Gateway's 401 may come without CORS headers, unreadable.
  if (isExpired(session.token())) {
    session.end();
    onUnauthenticated(true);
    throw new ApiError(401, 'expired', 'Sign in again.');
  }
  // The server words explanations, warnings, tier summaries and messages in the language asked for.
  const headers = { Authorization: `Bearer ${session.token() ?? ''}`, 'Accept-Language': getLang() };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetchPatiently(`${base}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    if (!(err instanceof TypeError)) throw err;
    throw new ApiError(0, 'unreachable', t('serverUnreachable'));
  }
  if (res.status === 401) {
    session.end();
    onUnauthenticated(false);
    throw new ApiError(401, 'unauthenticated', 'Sign in again.');
  }
  if (!res.ok) {
    const err = await res.json().catch(() => ({}));
    throw new ApiError(
      res.status,
      err.error?.code ?? 'http-error',
      err.error?.message ?? `${res.status} ${res.statusText}`,
      err.error?.issues,
    );
  }
  return res;
}

const json = async (method, path, body) => (await request(method, path, body)).json();
const q = (params) => {
  const s = new URLSearchParams(
    Object.entries(params).filter(([, v]) => v !== undefined && v !== ''),
  ).toString();
  return s ? `?${s}` : '';
};
const seg = encodeURIComponent;

export const api = {
  me: () => json('GET', '/me'),
  quarters: () => json('GET', '/quarters'),
  payouts: (quarter, filter = {}) => json('GET', `/quarters/${seg(quarter)}/payouts${q(filter)}`),
  /** One page of the quarter's partners: `{ sort, order, q, region, status, offset, limit }`. */
  partnerList: (quarter, query = {}) => json('GET', `/quarters/${seg(quarter)}/partners${q(query)}`),
  rules: (quarter) => json('GET', `/quarters/${seg(quarter)}/rules`),
  preview: (quarter, body) => json('POST', `/quarters/${seg(quarter)}/preview`, body),
  partner: (quarter, id) => json('GET', `/quarters/${seg(quarter)}/partners/${seg(id)}`),
  reports: (filter = {}) => json('GET', `/reports${q(filter)}`),
  report: (reportId) => json('GET', `/reports/${seg(reportId)}`),
  exceptions: (quarter) => json('GET', `/exceptions${q({ quarter })}`),
  watchlist: (quarter, query = {}) => json('GET', `/quarters/${seg(quarter)}/watchlist${q(query)}`),
  quarterExceptions: (quarter, query = {}) => json('GET', `/quarters/${seg(quarter)}/exceptions${q(query)}`),
  /** `kind`: partners, acceptances, trainings or catalog; answers 202 and a computation follows. */
  putReference: (kind, rows) => json('PUT', `/reference/${seg(kind)}`, { rows }),
  closeQuarter: (quarter) => json('POST', `/quarters/${seg(quarter)}/close`),
  approvals: (filter = {}) => json('GET', `/approvals${q(filter)}`),
  approve: (id) => json('POST', `/approvals/${seg(id)}/approve`),
  reject: (id, comment) => json('POST', `/approvals/${seg(id)}/reject`, comment ? { comment } : {}),
  audit: (filter = {}) => json('GET', `/audit${q(filter)}`),
  exportPath: (quarter, format) => `${base}/quarters/${seg(quarter)}/export?format=${format}`,
  payoutsView: (quarter, view, extra = {}) => json('GET', `/quarters/${seg(quarter)}/payouts${q({ view, ...extra })}`),
  partnerView: (quarter, id, view) => json('GET', `/quarters/${seg(quarter)}/partners/${seg(id)}${q({ view })}`),
  /** The accrual rows, optionally a page of them: `{ q, program, sort, order, offset, limit }`. */
  accruals: (quarter, query = {}) => json('GET', `/quarters/${seg(quarter)}/accruals${q(query)}`),
  accrualsPath: (quarter, format) => `${base}/quarters/${seg(quarter)}/accruals?format=${format}`,
  rewards: (quarter) => json('GET', `/rewards${q({ quarter })}`),
  /** The rules files' Russian names of programs, rate rows and rewards. */
  names: () => json('GET', '/names'),
  redeem: (id, body) => json('POST', `/partners/${seg(id)}/redemptions`, body),
  payments: (quarter) => json('GET', `/payments${q({ quarter })}`),
  /** One page of the quarter's payments: `{ q, sort, order, offset, limit }`. */
  paymentList: (quarter, query = {}) => json('GET', `/payments${q({ quarter, ...query })}`),
  recordPayment: (body) => json('POST', '/payments', body),

  /** Uploads a report: a presigned PUT from the API, then the file straight to storage. */
  async upload(file) {
    const target = await json('POST', '/uploads', { name: file.name });
    const res = await fetch(target.url, { method: target.method ?? 'PUT', body: file }).catch((cause) => {
      // The browser hides why (network, CORS); the status is all there is to say.
      throw new ApiError(0, 'storage-unreachable', cause.message);
    });
    if (!res.ok) throw new ApiError(res.status, 'upload-failed', `${res.status} ${res.statusText}`);
    return target;
  },

  /** Downloads an API file (the bearer header rules out a plain link) under its served name. */
  async download(path, fallbackName) {
    const res = await request('GET', path.startsWith(base) ? path.slice(base.length) : path);
    const disposition = res.headers.get('Content-Disposition') ?? '';
    const name = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition)?.[1];
    const url = URL.createObjectURL(await res.blob());
    const a = document.createElement('a');
    a.href = url;
    a.download = name ? decodeURIComponent(name) : fallbackName;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  },
};
