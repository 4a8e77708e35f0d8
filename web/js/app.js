/**
 * The dashboard shell: header (who you are, navigation, language, log out) and a hash router that
 * renders one view at a time into <main>. Hash routes need no server rewrites. It starts by reading
 * config.json (where the API is, and the Cognito sign-in if any) and finishing a sign-in whose
 * answer is in the query string.
 */
import { api, session, useApi, whenUnauthenticated, ApiError } from './api.js';
import { completeSignIn, isCallback, loadConfig, logoutUrl } from './auth.js';
import { h, message } from './dom.js';
import { fetchPatiently } from './retry.js';
import { getLang, languages, setLang, t } from './i18n.js';
import * as login from './views/login.js';
import * as overview from './views/overview.js';
import * as partner from './views/partner.js';
import * as exceptions from './views/exceptions.js';
import * as reports from './views/reports.js';
import * as whatif from './views/whatif.js';
import { codeLabel, errorText } from './codes.js';
import { useTerritory } from './regions.js';
import { useNames } from './names.js';
import * as approvals from './views/approvals.js';
import * as audit from './views/audit.js';
import * as payments from './views/payments.js';

const ROUTES = [
  [/^#\/login$/, login],
  [/^#\/overview(?:\/([^/]+))?$/, overview],
  [/^#\/partner\/([^/]+)\/([^/]+)$/, partner],
  [/^#\/exceptions(?:\/([^/]+))?$/, exceptions],
  [/^#\/reports$/, reports],
  [/^#\/whatif(?:\/([^/]+))?$/, whatif],
  [/^#\/approvals$/, approvals],
  [/^#\/audit(?:\/(.*))?$/, audit],
  [/^#\/payments(?:\/([^/]+))?$/, payments],
];

const top = document.getElementById('top');
const main = document.getElementById('main');
let me = null;
let flash = null;
let renderCount = 0;
/** The hosted sign-in settings from config.json; null for dev-token log-in. */
let cognito = null;

const homeOf = (who) => (who?.role === 'distributor' ? '#/reports' : '#/overview');
const go = (hash) => (location.hash === hash ? render() : void (location.hash = hash));

whenUnauthenticated((expired) => {
  me = null;
  if (cognito) flash = { text: t(expired ? 'signInExpired' : 'signInRefused'), kind: 'error' };
  else flash = { text: t(expired ? 'tokenExpired' : 'sessionEnded'), kind: 'error' };
  go('#/login');
});

function header() {
  const current = location.hash;
  // A partner page belongs to the quarter overview.
  const section = current.startsWith('#/partner/') ? '#/overview' : current;
  const link = (hash, label) =>
    h('a', { href: hash, 'aria-current': section.startsWith(hash) ? 'page' : undefined }, label);
  const nav = me
    ? h(
        'nav',
        { 'aria-label': t('mainNav') },
        h(
          'ul',
          {},
          me.role !== 'distributor' ? h('li', {}, link('#/overview', t('navOverview'))) : null,
          me.role !== 'distributor' ? h('li', {}, link('#/exceptions', t('navExceptions'))) : null,
          h('li', {}, link('#/reports', t('navReports'))),
          me.role !== 'distributor' ? h('li', {}, link('#/whatif', t('navWhatIf'))) : null,
          me.role !== 'distributor' ? h('li', {}, link('#/approvals', t('navApprovals'))) : null,
          me.role !== 'distributor' ? h('li', {}, link('#/audit', t('navAudit'))) : null,
          me.role === 'finance' ? h('li', {}, link('#/payments', t('navPayments'))) : null,
        ),
      )
    : null;
  const who = me
    ? h(
        'p',
        { class: 'who' },
        h('span', {}, t('signedInAs', { sub: me.sub })),
        h('span', { class: 'role' }, t(`role_${me.role}`)),
        me.regions?.length
          ? h('span', {}, t('territory', { regions: me.regions.map((r) => codeLabel('region', r)).join(', ') }))
          : null,
        me.distributorId ? h('span', {}, t('distributorOf', { id: me.distributorId })) : null,
      )
    : null;
  const langs = h(
    'div',
    { class: 'langs', role: 'group', 'aria-label': t('language') },
    languages.map((l) =>
      h(
        'button',
        {
          type: 'button',
          lang: l,
          'aria-pressed': String(l === getLang()),
          onclick: () => {
            setLang(l);
            render();
          },
        },
        l.toUpperCase(),
      ),
    ),
  );
  const logout = me
    ? h(
        'button',
        {
          type: 'button',
          class: 'secondary',
          onclick: () => {
            session.end();
            me = null;
            // The hosted pages end their own session too, then come back to the dashboard.
            if (cognito) return location.assign(logoutUrl(cognito));
            flash = { text: t('loggedOut'), kind: 'info' };
            go('#/login');
          },
        },
        t(cognito ? 'signOut' : 'logOut'),
      )
    : null;
  return [
    h('div', { class: 'brand' }, t('appTitle')),
    nav,
    h('div', { class: 'tools' }, who, langs, logout),
  ].filter(Boolean);
}

async function render() {
  const n = ++renderCount;
  document.getElementById('skip').textContent = t('skipToContent');
  document.title = t('appTitle');
  if (!session.token() && location.hash !== '#/login') return go('#/login');
  if (session.token() && !me) {
    try {
      me = await api.me();
      useTerritory(me.regions);
      await loadNames(me);
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) showError(err);
      return;
    }
    if (n !== renderCount) return;
  }
  if (me && (location.hash === '#/login' || !ROUTES.some(([re]) => re.test(location.hash))))
    return go(homeOf(me));

  const [re, view] = ROUTES.find(([pattern]) => pattern.test(location.hash));
  const params = re
    .exec(location.hash)
    .slice(1)
    .map((p) => (p === undefined ? undefined : decodeURIComponent(p)));
  top.replaceChildren(...header());
  main.replaceChildren(message(t('loading')));
  const shown = flash;
  flash = null;
  try {
    const content = await view.render({
      me,
      params,
      go,
      cognito,
      /** Renders the page again, with a message on top (after an action). */
      rerender: (note) => {
        flash = note ?? null;
        render();
      },
      loggedIn: async (who) => {
        me = who;
        useTerritory(who.regions);
        await loadNames(who);
        go(homeOf(who));
      },
    });
    if (n !== renderCount) return;
    main.replaceChildren(...(shown ? [message(shown.text, shown.kind)] : []), content);
    main.querySelector('h1')?.setAttribute('tabindex', '-1');
  } catch (err) {
    if (n !== renderCount) return;
    if (err instanceof ApiError && err.status === 401) return;
    showError(err);
  }
}

/** The rules files' names; without them the labels' names apply, so a failure only costs those. */
async function loadNames(who) {
  if (who.role === 'distributor') return;
  try {
    useNames(await api.names());
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) throw err;
    useNames(null);
  }
}

function showError(err) {
  // The API answers 404 alike for what does not exist and for what the caller may not see.
  const status = err instanceof ApiError ? err.status : 0;
  const text =
    status === 403
      ? t('forbidden', { message: errorText(err) })
      : status === 404
        ? t('notFound', { message: errorText(err) })
        : t('loadFailed', { message: errorText(err) });
  // A server error or no answer may pass: one press loads the page again, without losing the session.
  const passing = !(err instanceof ApiError) || status === 0 || status >= 500;
  main.replaceChildren(
    message(text, 'error'),
    ...(passing ? [h('p', {}, h('button', { type: 'button', onclick: () => render() }, t('tryAgain')))] : []),
  );
}

async function start() {
  document.title = t('appTitle');
  try {
    const config = await loadConfig(fetchPatiently);
    useApi(config.apiUrl);
    cognito = config.cognito;
  } catch (err) {
    main.replaceChildren(
      message(t('configFailed', { message: errorText(err) }), 'error'),
      h('p', {}, h('button', { type: 'button', onclick: () => location.reload() }, t('tryAgain'))),
    );
    return;
  }
  if (cognito && isCallback(location.search)) {
    try {
      session.start(await completeSignIn(cognito, location.search, sessionStorage));
    } catch (err) {
      session.end();
      flash = { text: t('signInFailed', { message: errorText(err) }), kind: 'error' };
    }
    // The code is spent: keep it out of the address bar, history and bookmarks.
    history.replaceState(null, '', location.pathname);
  }
  window.addEventListener('hashchange', () => {
    render().then(() => main.querySelector('h1')?.focus({ preventScroll: true }));
  });
  render();
}

start();
