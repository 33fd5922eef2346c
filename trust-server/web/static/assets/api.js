// The session JSON API from the page: the CSRF token on every change, errors as the server's
// message, a 401 anywhere ends the session view ("Your session ended; log in again").
let csrf = '';
let onSessionEnd = () => {};

export function setCsrf(token) { csrf = token; }
export function whenSessionEnds(fn) { onSessionEnd = fn; }

export class ApiError extends Error {}

export async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET') headers['x-csrf-token'] = csrf;
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  } catch {
    throw new ApiError('The server cannot be reached; check that pia-trust is running and try again.');
  }
  let data = {};
  try { data = await res.json(); } catch { data = {}; }
  if (res.status === 401 && path !== '/login') {
    onSessionEnd();
    throw new ApiError('Your session ended; log in again');
  }
  if (!res.ok) throw new ApiError(typeof data.error === 'string' ? data.error : `The server answered ${res.status}.`);
  return data;
}
