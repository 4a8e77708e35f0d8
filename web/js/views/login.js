/**
 * Log in by pasting a bearer token; who it belongs to comes from GET /me.
 */
import { api, session, ApiError } from '../api.js';
import { h, message } from '../dom.js';
import { t } from '../i18n.js';

export async function render({ loggedIn }) {
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
  const form = h(
    'form',
    {
      class: 'card login',
      onsubmit: async (e) => {
        e.preventDefault();
        const token = input.value.trim().replace(/^Bearer\s+/i, '');
        if (!token) return status.replaceChildren(message(t('tokenEmpty'), 'error'));
        session.start(token);
        try {
          loggedIn(await api.me());
        } catch (err) {
          // 401 already sent the app back here with its message.
          if (!(err instanceof ApiError && err.status === 401))
            status.replaceChildren(message(t('loadFailed', { message: err.message }), 'error'));
        }
      },
    },
    h('h1', {}, t('loginTitle')),
    h('p', { class: 'field' }, h('label', { for: 'token' }, t('tokenLabel')), input),
    h('p', { id: 'token-help', class: 'help' }, t('tokenHelp')),
    h('p', {}, h('button', { type: 'submit' }, t('logIn'))),
    status,
  );
  return form;
}
