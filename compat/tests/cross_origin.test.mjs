// Scenario 7: an application page on another port of 127.0.0.1 uses the
// SDK in cookie mode against the server (CORS with credentials for allowed
// origins); a page on an origin the server does not allow gets no grant.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, load, expectState, signUpThroughSdk, newUser } from '../lib/scenario.mjs';

let env;
before(async () => { env = await setup({ deniedPages: true }); });
after(async () => { await env?.teardown(); });

test('scenario 7: a page on an allowed origin loads and signs up in cookie mode', async () => {
  const app = await env.open('cookie', { pageUrl: env.crossOriginPage });
  try {
    const state = await load(app);
    assert.equal(state.status, 'ready');
    assert.match(state.clientId ?? '', /^client_/);
    await expectState(app, { status: 'ready', isSignedIn: false }, 'after load');
    const user = newUser('cors');
    const { done } = await signUpThroughSdk(app, env.server, user);
    const { sessionId } = done;
    await app.eval((id) => window.Clerk.setActive({ session: id }), sessionId);
    await expectState(app, { sessionId, sessionStatus: 'pending', task: 'choose-organization' }, 'after sign-up');
    const token = await app.eval(() => window.Clerk.session.getToken());
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
    assert.equal(claims.azp, env.pages.origin, 'the token names the page that asked');
    assert.equal(claims.sts, 'pending');
  } finally {
    await app.close();
  }
});

test('scenario 7: the server grants CORS to allowed origins only', async () => {
  const ask = (origin) => fetch(`${env.server.url}/v1/client`, { headers: { origin } });
  const allowed = await ask(env.pages.origin);
  assert.equal(allowed.headers.get('access-control-allow-origin'), env.pages.origin);
  assert.equal(allowed.headers.get('access-control-allow-credentials'), 'true');
  assert.match(allowed.headers.get('access-control-expose-headers') ?? '', /Clerk-Db-Jwt/);
  assert.match(allowed.headers.get('vary') ?? '', /Origin/i);
  const denied = await ask(env.denied.origin);
  assert.equal(denied.headers.get('access-control-allow-origin'), null);
  assert.equal(denied.headers.get('access-control-allow-credentials'), null);
});

test('scenario 7: a page on a non-allowed origin cannot use the server', async () => {
  const app = await env.open('cookie', { pageUrl: `${env.denied.origin}/app.html` });
  try {
    const outcome = await app.eval(
      () => window.Clerk.load({ telemetry: false }).then(() => 'loaded', (e) => `error: ${e?.message}`),
    );
    const state = await app.state();
    assert.notEqual(state.status, 'ready', `the SDK is not ready (${outcome})`);
    assert.ok(!/^client_/.test(state.clientId ?? '') || state.clientId === 'client_init', `no server client reached the page: ${state.clientId}`);
    assert.equal(state.isSignedIn, false);
    assert.deepEqual(app.apiFailures, [], 'nothing the page could read');
    assert.ok(app.errors.some((e) => /blocked by CORS policy/.test(e)), `the browser blocked the calls: ${app.errors.join(' | ')}`);
  } finally {
    await app.close();
  }
});
