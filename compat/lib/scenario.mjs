// What every scenario shares: one server, one browser, and the check that
// the SDK's view of the client and the server's (`GET /v1/client`) agree.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, startPageServer } from './server.mjs';
import { launch, openApp } from './browser.mjs';

/**
 * Starts a page server on another port (allowed), then the Vestibule
 * server, then Chromium. `options.deniedPages` adds a page server whose
 * origin the Vestibule server does not allow; `options.testClock` starts
 * the server with `--test-clock`.
 */
export async function setup(options = {}) {
  const pages = await startPageServer();
  const denied = options.deniedPages ? await startPageServer() : null;
  let server;
  let browser;
  try {
    server = await startServer({ allowedOrigins: [pages.origin], env: options.env, testClock: options.testClock });
    browser = await launch();
  } catch (e) {
    await server?.stop();
    await pages.stop();
    await denied?.stop();
    throw e;
  }
  return {
    server,
    pages,
    denied,
    browser,
    /** The app page served by the Vestibule server itself. */
    sameOriginPage: `${server.url}/compat/app.html`,
    /** The app page served from another (allowed) origin. */
    crossOriginPage: `${pages.origin}/app.html`,
    /** The script URL of clerk-js on the Vestibule server. */
    clerkScript: `${server.url}/compat/clerk-js/clerk.browser.js`,
    /** Opens the app page in `mode` ('cookie' or 'dev-browser'). */
    open(mode = 'cookie', { pageUrl, context, params } = {}) {
      return openApp(browser, {
        pageUrl: pageUrl || `${server.url}/compat/app.html`,
        pk: mode === 'dev-browser' ? server.devBrowserKey : server.publishableKey,
        proxy: server.url,
        clerk: `${server.url}/compat/clerk-js/clerk.browser.js`,
        context,
        params,
      });
    },
    async teardown() {
      await browser.close().catch(() => {});
      try {
        await server.stop();
      } finally {
        await pages.stop();
        if (denied) await denied.stop();
      }
    },
  };
}

/**
 * The hooks of a file whose tests share one server and one cookie-mode
 * application page with clerk-js loaded: `before` starts them (`options`
 * go to `setup`, `options.instance` is patched into the instance
 * settings), `after` ends them. The returned object holds `env` and `app`
 * once `before` ran.
 */
export function sharedApp({ instance, ...options } = {}) {
  const shared = { env: null, app: null };
  before(async () => {
    shared.env = await setup(options);
    if (instance) await patchInstance(shared.env.server, instance);
    shared.app = await shared.env.open('cookie');
    await load(shared.app);
  });
  after(async () => {
    await shared.app?.close();
    await shared.env?.teardown();
  });
  return shared;
}

/**
 * `Clerk.load(options)` in the page; resolves to the SDK state. Unless
 * `navigate` is true, the SDK's navigations (after sign-out, to a task
 * page) are recorded in `window.__compatNavigations` instead of leaving the
 * page, through its `routerPush` and `routerReplace` options.
 */
export async function load(app, options = {}, { navigate = false } = {}) {
  await app.eval(({ opts, navigate: real }) => {
    window.__compatNavigations = [];
    const record = (to) => { window.__compatNavigations.push(String(to)); };
    const router = real ? {} : { routerPush: record, routerReplace: record };
    return window.Clerk.load({ telemetry: false, ...router, ...opts });
  }, { opts: options, navigate });
  return app.state();
}

/** Where the SDK tried to navigate since load (see `load`). */
export function navigations(app) {
  return app.eval(() => window.__compatNavigations || []);
}

/** The parts of a ClientJSON that the SDK state must mirror. */
export function serverView(client) {
  if (!client) return { clientId: null, sessionId: null, sessionStatus: null, task: null, organizationId: null };
  const session = client.sessions.find((s) => s.id === client.last_active_session_id) || null;
  return {
    clientId: client.id,
    sessionId: session?.id ?? null,
    sessionStatus: session?.status ?? null,
    task: session?.tasks?.[0]?.key ?? null,
    organizationId: session?.last_active_organization_id ?? null,
  };
}

/**
 * Asserts the SDK's state is `expected` (a subset of AppPage.state()), that
 * `GET /v1/client` agrees with it, and that nothing went wrong so far.
 */
export async function expectState(app, expected, step, allowed = []) {
  const sdk = await app.state();
  for (const [k, v] of Object.entries(expected)) {
    assert.deepEqual(sdk[k], v, `${step}: Clerk ${k} is ${JSON.stringify(sdk[k])}, expected ${JSON.stringify(v)}`);
  }
  const server = serverView(await app.serverClient());
  assert.equal(server.clientId, sdk.clientId, `${step}: server client id`);
  assert.equal(server.sessionId, sdk.sessionId, `${step}: server last active session`);
  assert.equal(server.sessionStatus, sdk.sessionStatus, `${step}: server session status`);
  assert.equal(server.task, sdk.task, `${step}: server current task`);
  if (sdk.sessionId) assert.equal(server.organizationId, sdk.organizationId, `${step}: server active organization`);
  app.assertClean(allowed);
  return sdk;
}

/** The newest code the development outbox sent to `to`. */
export async function outboxCode(server, to) {
  const res = await fetch(`${server.url}/v1/dev/outbox?limit=50`, { signal: AbortSignal.timeout(15_000) });
  assert.equal(res.status, 200, 'GET /v1/dev/outbox');
  const { response } = await res.json();
  const message = response.data.find((m) => m.to === to && m.code);
  assert.ok(message, `no code was sent to ${to}`);
  return message.code;
}

/**
 * Signs `user` up through the SDK: signUp.create, the email code read
 * from the development outbox, attemptEmailAddressVerification. Resolves
 * to what the SDK answered at the first and last step.
 */
export async function signUpThroughSdk(app, server, user) {
  const created = await app.eval(
    ({ email, password }) => window.Clerk.client.signUp.create({ emailAddress: email, password }).then((su) => ({
      status: su.status, unverified: su.unverifiedFields,
    })),
    user,
  );
  await app.eval(() => window.Clerk.client.signUp.prepareEmailAddressVerification({ strategy: 'email_code' }));
  const code = await outboxCode(server, user.email);
  const done = await app.eval(
    (c) => window.Clerk.client.signUp.attemptEmailAddressVerification({ code: c }).then((su) => ({
      status: su.status, sessionId: su.createdSessionId, userId: su.createdUserId,
    })),
    code,
  );
  return { created, done };
}

let counter = 0;
/** A fresh email address and a password the server's rules accept. */
export function newUser(tag) {
  counter += 1;
  const id = `${Date.now().toString(36)}${counter}`;
  return { email: `${tag}-${id}@example.com`, password: `Compat-${id}-Lantern-Violet!` };
}

/**
 * `PATCH /backend/v1/instance` with `settings` (JSON), as an operator would;
 * with replicas, resolves once every replica serves the new settings.
 */
export async function patchInstance(server, settings) {
  const authorization = `Bearer ${server.secretKey}`;
  const res = await fetch(`${server.url}/backend/v1/instance`, {
    method: 'PATCH',
    headers: { authorization, 'content-type': 'application/json' },
    body: JSON.stringify(settings),
    signal: AbortSignal.timeout(15_000),
  });
  const patched = await res.text();
  assert.equal(res.status, 200, `PATCH /backend/v1/instance: ${patched}`);
  for (const replica of server.replicaUrls ?? []) {
    const deadline = Date.now() + 15_000;
    let seen;
    while ((seen = await (await fetch(`${replica}/backend/v1/instance`, { headers: { authorization }, signal: AbortSignal.timeout(15_000) })).text()) !== patched) {
      assert.ok(Date.now() < deadline, `${replica} still serves ${seen}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/**
 * Moves the clock of a server started with `testClock` (every replica's)
 * forward by `ms` (0 to just read it); resolves to the server's time then,
 * in ms, which a TOTP code must be made for.
 */
export async function advanceClock(server, ms) {
  let now;
  for (const base of server.replicaUrls ?? [server.url]) {
    const res = await fetch(`${base}/v1/dev/clock`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.origin },
      body: new URLSearchParams({ advance_ms: String(ms) }),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    assert.equal(res.status, 200, `POST /v1/dev/clock: ${text}`);
    now ??= JSON.parse(text).response.now;
  }
  return now;
}

/**
 * After the first second factor of setup-mfa: a touch shows the session
 * `sessionId` still pending, now with choose-organization, and the user
 * has two-factor enabled.
 */
export async function expectSetupMfaDone(app, sessionId, step) {
  await app.eval(() => window.Clerk.session.touch());
  await expectState(app, { sessionId, sessionStatus: 'pending', task: 'choose-organization' }, step);
  const twoFactor = await app.eval(() => (window.Clerk.user || window.Clerk.session.user).twoFactorEnabled);
  assert.equal(twoFactor, true, `${step}: twoFactorEnabled`);
}

/**
 * Signs out, then `signIn.create` with `user`'s email and password.
 * Resolves to the sign-in's status and its second factors
 * ({ strategy, safeIdentifier, phoneNumberId }).
 */
export async function signInAgain(app, user) {
  await app.eval(() => window.Clerk.signOut());
  await expectState(app, { sessionId: null, isSignedIn: false }, 'after signOut');
  return app.eval(
    ({ email, password }) => window.Clerk.client.signIn.create({ identifier: email, password, strategy: 'password' }).then((si) => ({
      status: si.status,
      second: (si.supportedSecondFactors ?? []).map((f) => ({ strategy: f.strategy, safeIdentifier: f.safeIdentifier, phoneNumberId: f.phoneNumberId })),
    })),
    user,
  );
}
