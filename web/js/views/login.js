/**
 * Signing in. In AWS (config.json names a Cognito client): a button that goes to the hosted
 * sign-in pages, which come back with a code the app redeems. Locally: paste a dev token; who it
 * belongs to comes from GET /me.
 */
import { api, session, ApiError } from '../api.js';
import { beginSignIn } from '../auth.js';
import { h, message } from '../dom.js';
import { t } from '../i18n.js';
import { errorText } from '../codes.js';

export async function render({ loggedIn, cognito }) {
  return cognito ? signInForm(cognito) : tokenForm(loggedIn);
}

function signInForm(cognito) {
  const status = h('div', { 'aria-live': 'polite' });
  return h(
    'form',
    {
      class: 'card login',
      onsubmit: async (e) => {
        e.preventDefault();
        e.target.querySelector('button').disabled = true;
        try {
          location.assign(await beginSignIn(cognito, sessionStorage));
        } catch (err) {
          e.target.querySelector('button').disabled = false;
          status.replaceChildren(message(t('signInFailed', { message: errorText(err) }), 'error'));
        }
      },
    },
    h('h1', {}, t('signInTitle')),
    h('p', { class: 'help' }, t('signInHelp')),
    h('p', {}, h('button', { type: 'submit' }, t('signIn'))),
    status,
  );
}

function tokenForm(loggedIn) {
  const status = h('div', { 'aria-live': 'polite' });
  const input = h('textarea', {
    id: 'token',
    name: 'token',
    rows: 5,
    required: true,
    spellcheck: 'false',
    autocomplete: 'off',
    'aria-describedby': 'token-help',
  });
  return h(
    'form',
    {
      class: 'card login',
      onsubmit: async (e) => {
        e.preventDefault();
        const token = input.value.trim().replace(/^Bearer\s+/i, '');
        if (!token) return status.replaceChildren(message(t('tokenEmpty'), 'error'));
        session.start(token);
        try {
          await loggedIn(await api.me());
        } catch (err) {
          // 401 already sent the app back here with its message.
          if (!(err instanceof ApiError && err.status === 401))
            status.replaceChildren(message(t('loadFailed', { message: errorText(err) }), 'error'));
        }
      },
    },
    h('h1', {}, t('loginTitle')),
    h('p', { class: 'field' }, h('label', { for: 'token' }, t('tokenLabel')), input),
    h('p', { id: 'token-help', class: 'help' }, t('tokenHelp')),
    h('p', {}, h('button', { type: 'submit' }, t('logIn'))),
    status,
  );
}
