// Scenario 1: the real @clerk/clerk-js, served by Vestibule and pointed at
// it with the publishable key the server printed and proxyUrl = the server,
// loads to "ready" with a real client, in cookie mode and dev-browser mode.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, load, expectState } from '../lib/scenario.mjs';

let env;
before(async () => { env = await setup(); });
after(async () => { await env?.teardown(); });

test('the printed publishable keys are Clerk keys for this server', () => {
  const host = new URL(env.server.url).host;
  const decode = (pk) => Buffer.from(pk.split('_')[2], 'base64').toString('utf8');
  assert.match(env.server.publishableKey, /^pk_test_[A-Za-z0-9+/]+$/);
  assert.equal(decode(env.server.publishableKey), `${host}$`);
  assert.ok(decode(env.server.devBrowserKey).endsWith('.lcl.dev$'));
});

test('scenario 1: Clerk.load reaches ready with a client in cookie mode', async () => {
  const app = await env.open('cookie');
  try {
    const state = await load(app);
    assert.equal(state.status, 'ready');
    await expectState(app, { status: 'ready', isSignedIn: false, sessionId: null }, 'after load');
    assert.match(state.clientId ?? '', /^client_/, 'a real client id');
    assert.ok(!app.requests.some((r) => r.url.includes('/dev_browser')), 'cookie mode asks for no dev-browser token');
    const cookies = await app.context.cookies(env.server.url);
    assert.ok(cookies.some((c) => c.name === '__client' && c.httpOnly), 'the __client cookie is set');
  } finally {
    await app.close();
  }
});

test('scenario 1: Clerk.load reaches ready with a client in dev-browser mode', async () => {
  const app = await env.open('dev-browser');
  try {
    const state = await load(app);
    assert.equal(state.status, 'ready');
    await expectState(app, { status: 'ready', isSignedIn: false, sessionId: null }, 'after load');
    assert.match(state.clientId ?? '', /^client_/, 'a real client id');
    assert.ok(app.requests.some((r) => r.method === 'POST' && r.url.includes('/v1/dev_browser')), 'it asked for a dev-browser token');
    assert.ok(app.devBrowserToken, 'later calls carry __clerk_db_jwt');
    const cookies = await app.context.cookies(env.server.url);
    assert.ok(!cookies.some((c) => c.name === '__client'), 'no __client cookie in dev-browser mode');
  } finally {
    await app.close();
  }
});

test('scenario 1: an unknown dev-browser token is replaced by a new one', async () => {
  // The SDK takes a token from the page URL; the server knows none such.
  const app = await env.open('dev-browser', { params: { __clerk_db_jwt: 'dvb_unknown' } });
  try {
    const state = await load(app);
    assert.equal(state.status, 'ready');
    const refused = app.apiFailures.filter((f) => f.status === 401);
    assert.ok(refused.length > 0, 'the unknown token was refused');
    for (const f of refused) assert.equal(JSON.parse(f.body).errors[0].code, 'dev_browser_unauthenticated');
    assert.ok(app.requests.some((r) => r.url.includes('/v1/dev_browser')), 'it asked for a new token');
    assert.notEqual(app.devBrowserToken, 'dvb_unknown');
    await expectState(app, { status: 'ready', isSignedIn: false }, 'after load', [{ status: 401, path: '/v1/' }]);
    assert.match(state.clientId ?? '', /^client_/);
  } finally {
    await app.close();
  }
});
