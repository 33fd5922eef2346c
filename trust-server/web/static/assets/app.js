// MyNet Manager's page: login, then hash routes (#/fleet, #/node/ID, #/enroll, #/grant,
// #/grants, #/audit, #/accounts). Errors show the server's message; a 401 shows the login form.
import { api, setCsrf, whenSessionEnds } from './api.js';
import { el, field, show } from './dom.js';
import * as views from './views.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const who = document.getElementById('who');
const errorBox = document.getElementById('error');
const notice = document.getElementById('notice');
let me = null;

export function report(err) { errorBox.textContent = err instanceof Error ? err.message : String(err); }
export function tell(text) { notice.textContent = text; }

function loginForm(message) {
  me = null;
  nav.replaceChildren();
  who.textContent = '';
  if (message) report(message);
  const name = el('input', { name: 'name', autocomplete: 'username', required: true });
  const password = el('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const form = el('form', { id: 'login', 'aria-label': 'Log in' }, el('h2', { text: 'Log in' }), field('Account name', name), field('Password', password), el('button', { type: 'submit', text: 'Log in' }));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    errorBox.textContent = '';
    try {
      const r = await api('POST', '/login', { name: name.value, password: password.value });
      password.value = '';
      start(r.account, r.csrfToken);
    } catch (err) { report(err); }
  });
  show(main, form);
}

function start(account, token) {
  me = account;
  setCsrf(token);
  who.textContent = `${account.name} (${account.role})`;
  const links = [['#/fleet', 'Fleet'], ['#/enroll', 'Enroll an operator'], ['#/grant', 'Register a partner'], ['#/grants', 'Grants'], ['#/audit', 'Audit log']];
  if (account.role === 'admin') links.push(['#/accounts', 'Accounts']);
  const logout = el('button', { type: 'button', text: 'Log out', onclick: async () => { try { await api('POST', '/logout'); } catch { /* ended anyway */ } loginForm(); } });
  nav.replaceChildren(...links.map(([href, text]) => el('a', { href, text })), logout);
  if (!location.hash || location.hash === '#/') location.hash = '#/fleet';
  else route();
}

async function route() {
  if (me === null) return;
  errorBox.textContent = '';
  notice.textContent = '';
  const [, page, arg] = location.hash.split('/');
  const ctx = { me, main, report, tell, go: (h) => { location.hash = h; } };
  try {
    const render = { fleet: views.fleet, node: views.node, enroll: views.enroll, grant: views.grant, grants: views.grants, audit: views.audit, accounts: views.accounts }[page] ?? views.fleet;
    show(main, ...(await render(ctx, decodeURIComponent(arg ?? ''))));
  } catch (err) { report(err); }
}

whenSessionEnds(() => loginForm('Your session ended; log in again'));
window.addEventListener('hashchange', route);
fetch('/api/me', { credentials: 'same-origin' })
  .then((res) => (res.ok ? res.json() : Promise.reject(new Error('not logged in'))))
  .then((r) => start(r.account, r.csrfToken), () => loginForm());
