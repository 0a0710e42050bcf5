/**
 * The demo's own HTML: its login page, its error page, and a small client page
 * that runs the authorization code flow with PKCE in the browser as the public
 * client `demo-spa`, then shows the tokens and what /api/me answers.
 *
 * Rules:
 * - every page goes out through {@link sendPage}, with the headers the library's
 *   OAuth pages carry: `X-Frame-Options: DENY` and `Content-Security-Policy:
 *   frame-ancestors 'none'` (no clickjacking of the login form), `Cache-Control:
 *   no-store`, `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer`;
 * - the error page names the HTTP status only: no message, no stack trace.
 */
import { STATUS_CODES, type ServerResponse } from 'node:http';

const STYLE = `
  :root { color-scheme: light dark; --accent: #1f5fbf; --line: #d5d9df; --muted: #5b6470; }
  body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
  main { max-width: 44rem; margin: 6vh auto; padding: 0 1.5rem; }
  h1 { font-size: 1.5rem; }
  .card { border: 1px solid var(--line); border-radius: 12px; padding: 1.5rem; margin: 1rem 0; }
  label { display: block; margin: .75rem 0 .25rem; }
  input[type=text], input[type=password] { font: inherit; padding: .5rem; width: 100%; box-sizing: border-box; }
  button, .button { font: inherit; padding: .6rem 1rem; border-radius: 8px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; text-decoration: none; display: inline-block; margin: .5rem .5rem 0 0; }
  button.secondary { background: transparent; color: var(--accent); }
  pre { white-space: pre-wrap; word-break: break-all; background: color-mix(in srgb, CanvasText 6%, Canvas); padding: 1rem; border-radius: 8px; font-size: .85rem; }
  .muted { color: var(--muted); font-size: .9rem; }
  .error { color: #b3261e; }
  .error:empty { display: none; }
`;

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>`;
}

/** The headers of every demo page (the same anti-framing headers as the OAuth pages). */
export const PAGE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Cache-Control': 'no-store',
  'X-Frame-Options': 'DENY',
  'Content-Security-Policy': "frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
});

/** Sends one demo page with {@link PAGE_HEADERS}. */
export function sendPage(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    ...PAGE_HEADERS,
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(html),
  });
  res.end(html);
}

/** The error page: the status and its reason phrase, nothing from the error itself. */
export function errorPage(status: number): string {
  const reason = STATUS_CODES[status] ?? 'Error';
  const hint =
    status >= 500
      ? 'Something went wrong on the server; the details are in its log.'
      : 'The server could not handle this request.';
  return page(
    `${status} ${reason} — oauth2-stateless demo`,
    `
<h1>${status} ${reason}</h1>
<div class="card">
  <p>${hint}</p>
  <p><a href="/">Back to the demo</a></p>
</div>`,
  );
}

/** `text` escaped for HTML text and double-quoted attribute values. */
function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

/**
 * The login form: fields `username` and `password`, posted to /login.
 * @param username prefills the user name: the `login_hint` a client sent
 *   (OpenID Connect Core 3.1.2.1), which the site adapter passes on; escaped.
 */
export function loginPage(failed: boolean, username = ''): string {
  return page(
    'Sign in — oauth2-stateless demo',
    `
<h1>Sign in</h1>
<div class="card">
  ${failed ? '<p class="error" role="alert">Wrong user name or password.</p>' : ''}
  <form method="post" action="/login">
    <label for="username">User name</label>
    <input id="username" name="username" type="text" autocomplete="username" value="${escapeHtml(username)}" required>
    <label for="password">Password</label>
    <input id="password" name="password" type="password" autocomplete="current-password" required>
    <button type="submit">Sign in</button>
  </form>
  <p class="muted">Demo user: <code>alice</code>, password <code>wonderland</code>.</p>
</div>`,
  );
}

/**
 * The client page. `issuer` is a checked URL; it is embedded as JSON.
 *
 * Two buttons, one public client (`demo-spa`), the authorization code flow with
 * PKCE in both: "Sign in with demo-spa" asks for `profile read` (OAuth), "Sign in
 * with OpenID Connect" for `openid profile email` with a `nonce`. Back with an
 * id_token, the page checks it the way a relying party must (OIDC Core 3.1.3.7):
 * the signature with a key of the server's `jwks_uri` (WebCrypto), `iss`, `aud`,
 * `exp` and the `nonce` it sent; shows its claims and what UserInfo answers; and
 * offers to sign out at the server's `end_session_endpoint` (RP-initiated logout)
 * with the id_token as `id_token_hint`.
 */
export function clientPage(issuer: string): string {
  return page(
    'oauth2-stateless demo',
    `
<h1>oauth2-stateless demo</h1>
<div class="card">
  <p>This page is a small OAuth client, <code>demo-spa</code> (a public client). The buttons start the
  authorization code flow with PKCE: you sign in as <code>alice</code> / <code>wonderland</code>,
  allow access on the consent page, and come back here to see the tokens and what
  <code>/api/me</code> answers with them.</p>
  <button id="start" type="button">Sign in with demo-spa</button>
  <button id="oidc" type="button">Sign in with OpenID Connect</button>
</div>
<div class="card" id="result" hidden>
  <h2>Result</h2>
  <p id="error" class="error" role="alert"></p>
  <p id="notice" role="status"></p>
  <section id="identity" hidden>
    <h3>Signed in with OpenID Connect</h3>
    <ul id="checks"></ul>
    <h3>id_token claims</h3><pre id="claims"></pre>
    <h3>UserInfo</h3><pre id="userinfo"></pre>
    <button id="logout" type="button" class="secondary">Sign out (RP-initiated logout)</button>
  </section>
  <h3>Tokens</h3><pre id="tokens"></pre>
  <h3>GET /api/me</h3><pre id="me"></pre>
  <button id="refresh" type="button" class="secondary">Refresh the tokens</button>
  <button id="revoke" type="button" class="secondary">Revoke the refresh token</button>
</div>
<p class="muted">Server metadata: <a href="/.well-known/oauth-authorization-server">/.well-known/oauth-authorization-server</a>,
<a href="/.well-known/openid-configuration">/.well-known/openid-configuration</a></p>
<script type="module">
const issuer = ${JSON.stringify(issuer)};
const client = 'demo-spa';
const redirectUri = issuer + '/callback';
const b64url = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
const unb64url = (text) => Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
const random = () => b64url(crypto.getRandomValues(new Uint8Array(32)));
const $ = (id) => document.getElementById(id);
let tokens;
let idToken;

async function tokenRequest(params) {
  const res = await fetch('/token', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ client_id: client, ...params }) });
  const body = await res.json();
  if (!res.ok) throw new Error(body.error + ': ' + body.error_description);
  return body;
}

async function show(newTokens) {
  tokens = newTokens;
  $('result').hidden = false;
  $('tokens').textContent = JSON.stringify(tokens, null, 2);
  const me = await fetch('/api/me', { headers: { Authorization: 'Bearer ' + tokens.access_token } });
  $('me').textContent = me.status + ' ' + JSON.stringify(await me.json().catch(() => null), null, 2);
}

// WebCrypto's names for the JWS algorithms a server may sign id_tokens with.
const WEBCRYPTO = {
  ES256: [{ name: 'ECDSA', namedCurve: 'P-256' }, { name: 'ECDSA', hash: 'SHA-256' }],
  ES384: [{ name: 'ECDSA', namedCurve: 'P-384' }, { name: 'ECDSA', hash: 'SHA-384' }],
  RS256: [{ name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, { name: 'RSASSA-PKCS1-v1_5' }],
  PS256: [{ name: 'RSA-PSS', hash: 'SHA-256' }, { name: 'RSA-PSS', saltLength: 32 }],
  EdDSA: [{ name: 'Ed25519' }, { name: 'Ed25519' }],
};

/** Checks an id_token as a relying party must (OIDC Core 3.1.3.7); throws on the first failure. */
async function checkIdToken(token, nonce, discovery) {
  const [header64, payload64, signature64] = token.split('.');
  const header = JSON.parse(new TextDecoder().decode(unb64url(header64)));
  const claims = JSON.parse(new TextDecoder().decode(unb64url(payload64)));
  const { keys } = await (await fetch(discovery.jwks_uri)).json();
  const jwk = keys.find((k) => k.kid === header.kid);
  const alg = WEBCRYPTO[header.alg];
  if (!jwk || !alg) throw new Error('id_token: no key of jwks_uri for kid ' + header.kid + ' and alg ' + header.alg);
  const key = await crypto.subtle.importKey('jwk', jwk, alg[0], false, ['verify']);
  const signed = new TextEncoder().encode(header64 + '.' + payload64);
  if (!(await crypto.subtle.verify(alg[1], key, unb64url(signature64), signed))) throw new Error('id_token: the signature does not verify');
  if (claims.iss !== discovery.issuer) throw new Error('id_token: iss is not this server');
  if (claims.aud !== client && !(Array.isArray(claims.aud) && claims.aud.includes(client))) throw new Error('id_token: aud is not ' + client);
  if (claims.exp * 1000 <= Date.now()) throw new Error('id_token: expired');
  if (claims.nonce !== nonce) throw new Error('id_token: nonce is not the one this page sent');
  return { header, claims };
}

async function showIdentity(nonce) {
  const discovery = await (await fetch('/.well-known/openid-configuration')).json();
  const { header, claims } = await checkIdToken(tokens.id_token, nonce, discovery);
  idToken = tokens.id_token;
  $('identity').hidden = false;
  const checks = ['signature verified (' + header.alg + ', key ' + header.kid + ' of jwks_uri)', 'iss is ' + claims.iss, 'aud is ' + client, 'nonce matches', 'not expired'];
  $('checks').replaceChildren(...checks.map((text) => Object.assign(document.createElement('li'), { textContent: '\u2713 ' + text })));
  $('claims').textContent = JSON.stringify(claims, null, 2);
  const userinfo = await fetch(discovery.userinfo_endpoint, { headers: { Authorization: 'Bearer ' + tokens.access_token } });
  $('userinfo').textContent = userinfo.status + ' ' + JSON.stringify(await userinfo.json().catch(() => null), null, 2);
  $('logout').hidden = typeof discovery.end_session_endpoint !== 'string';
  $('logout').onclick = () => {
    const state = random();
    sessionStorage.setItem('demo-logout', state);
    const url = new URL(discovery.end_session_endpoint);
    url.search = new URLSearchParams({ id_token_hint: idToken, client_id: client, post_logout_redirect_uri: issuer + '/', state });
    location.assign(url);
  };
}

async function signIn(scope, openid) {
  const verifier = random();
  const state = random();
  const nonce = openid ? random() : undefined;
  const challenge = b64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  sessionStorage.setItem('demo-pkce', JSON.stringify({ verifier, state, nonce }));
  const url = new URL(issuer + '/authorize');
  url.search = new URLSearchParams({ response_type: 'code', client_id: client, redirect_uri: redirectUri, scope, state, code_challenge: challenge, code_challenge_method: 'S256', ...(openid ? { nonce } : {}) });
  location.assign(url);
}

$('start').addEventListener('click', () => signIn('profile read', false));
$('oidc').addEventListener('click', () => signIn('openid profile email', true));

$('refresh').addEventListener('click', () => tokenRequest({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token }).then(show, (e) => { $('error').textContent = e.message; }));
$('revoke').addEventListener('click', async () => {
  await fetch('/revoke', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ client_id: client, token: tokens.refresh_token }) });
  $('error').textContent = 'Refresh token revoked: the whole grant is gone.';
  await show(tokens);
});

const params = new URLSearchParams(location.search);
if (location.pathname === '/callback') {
  const saved = JSON.parse(sessionStorage.getItem('demo-pkce') || 'null');
  sessionStorage.removeItem('demo-pkce');
  history.replaceState(null, '', '/');
  $('result').hidden = false;
  if (params.has('error')) {
    $('error').textContent = params.get('error') + ': ' + (params.get('error_description') || '');
  } else if (!saved || params.get('state') !== saved.state) {
    $('error').textContent = 'state does not match: this response was not asked for by this page';
  } else if (params.get('iss') !== issuer) {
    $('error').textContent = 'iss does not match this server (RFC 9207)';
  } else {
    tokenRequest({ grant_type: 'authorization_code', code: params.get('code'), redirect_uri: redirectUri, code_verifier: saved.verifier })
      .then(show)
      .then(() => (saved.nonce ? showIdentity(saved.nonce) : undefined))
      .catch((e) => { $('error').textContent = e.message; });
  }
} else if (params.has('state') && sessionStorage.getItem('demo-logout') !== null) {
  // Back from the end-session endpoint (RP-initiated logout).
  const expected = sessionStorage.getItem('demo-logout');
  sessionStorage.removeItem('demo-logout');
  history.replaceState(null, '', '/');
  $('result').hidden = false;
  if (params.get('state') === expected) $('notice').textContent = 'Signed out.';
  else $('error').textContent = 'state does not match: this logout answer was not asked for by this page';
}
</script>`,
  );
}
