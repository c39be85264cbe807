// What the scenarios driving Clerk's own prebuilt components share: the
// page compat/pages/clerk_ui.html (@clerk/ui's browser bundle mounted by
// @clerk/clerk-js, the page the bench's comparison with our portal loads)
// opened in a fresh browser against the server, the Backend API to make
// users with, and the checks at the end of a flow.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { setup, load, expectState, outboxCode } from './scenario.mjs';
import { AppPage, newContext } from './browser.mjs';
import { clerkUiDist } from './server.mjs';

/**
 * The hooks of a file of such scenarios: `before` starts the server and
 * the browser (`options` go to `setup`), `after` ends them. The returned
 * object holds `env` once `before` ran, and the calls that need it.
 */
export function clerkUiScenarios(options = {}) {
  const shared = {
    env: null,

    /** The Backend API, as an operator's script would call it. */
    async backend(path, form) {
      const res = await fetch(`${shared.env.server.url}/backend/v1${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${shared.env.server.secretKey}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form),
        signal: AbortSignal.timeout(15_000),
      });
      const body = await res.json();
      assert.equal(res.status, 200, `POST /backend/v1${path}: ${JSON.stringify(body)}`);
      return body;
    },

    /**
     * Opens the page with Clerk's `component` (see clerk_ui.js) in a fresh
     * browser, or in `context` (one with a session already); `tag` names
     * the redirect URL the flow must end on. Resolves to { app, page, done
     * (that URL), url (the page's) }.
     */
    async open(component, tag, { context: given } = {}) {
      const { env } = shared;
      const context = given || (await newContext(env.browser));
      const page = await context.newPage();
      const app = new AppPage(context, page, env.server.url);
      const done = new URL(`${env.server.url}/compat/app.html`);
      done.searchParams.set('pk', env.server.publishableKey);
      done.searchParams.set('after', tag);
      const url = new URL(`${env.server.url}/compat/clerk_ui.html`);
      url.searchParams.set('mount', component);
      url.searchParams.set('pk', env.server.publishableKey);
      url.searchParams.set('after', done.href);
      await page.goto(url.href);
      await page.waitForFunction(() => window.__clerkUiMounted || window.__clerkUiFailed, null, { timeout: 15_000 });
      assert.equal(await page.evaluate(() => window.__clerkUiFailed), undefined, 'the page loads and mounts Clerk\'s component');
      return { app, page, done: done.href, url: url.href };
    },

    /**
     * Does `action`, which makes Clerk's card send a code (its own prepare
     * request), and resolves to the code the server sent `email`.
     */
    async codeSentBy(page, email, action) {
      const prepared = page.waitForResponse((r) => /\/prepare_(verification|first_factor)$/.test(new URL(r.url()).pathname), { timeout: 15_000 });
      const [response] = await Promise.all([prepared, action()]);
      assert.equal(response.status(), 200, `${response.request().method()} ${response.url()}`);
      return outboxCode(shared.env.server, email);
    },
  };
  before(async () => {
    assert.ok(existsSync(clerkUiDist), `@clerk/ui is not unpacked at ${clerkUiDist}: cargo xtask compat unpacks it`);
    shared.env = await setup(options);
  });
  after(async () => { await shared.env?.teardown(); });
  return shared;
}

/** Clerk's primary button of the card on screen. */
export function submit(page) {
  return page.click('.cl-formButtonPrimary');
}

/**
 * Clerk's primary button, until the form sends `POST <path>`: on a busy
 * machine a click that lands while the form still checks what was typed
 * is dropped by Clerk's form, so one more click follows when no such
 * request left within 5 s of the first.
 */
export async function submitUntilSent(page, path) {
  let sent = false;
  const watch = (r) => {
    if (r.method() === 'POST' && new URL(r.url()).pathname === path) sent = true;
  };
  const until = async (ms) => {
    const deadline = Date.now() + ms;
    while (!sent && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    return sent;
  };
  page.on('request', watch);
  try {
    await submit(page);
    if (await until(5_000)) return;
    await submit(page);
    if (!(await until(15_000))) throw new Error(`no POST ${path} after two clicks of Clerk's button`);
  } finally {
    page.off('request', watch);
  }
}

/** Signs in through Clerk's SignIn with the email, then the password. */
export async function signInWithPassword(page, user) {
  await page.fill('input[name=identifier]', user.email);
  await submit(page);
  await page.fill('input[name=password]', user.password);
  await submit(page);
}

/**
 * On the redirect URL at last: the application page loads clerk-js, which
 * sees the session active with an organization, and so does the server;
 * the way there went through `/v1/client/touch`.
 */
export async function expectLandedActive({ app, page, done }, step, allowed = []) {
  await page.waitForURL(done, { timeout: 15_000 });
  await page.waitForFunction(() => window.__compatSdkLoaded, null, { timeout: 15_000 });
  const state = await load(app);
  assert.ok(state.organizationId, `${step}: an organization is active`);
  await expectState(app, { sessionStatus: 'active', isSignedIn: true, task: null }, step, allowed);
  const touched = app.requests.some((r) => new URL(r.url).pathname === '/v1/client/touch');
  assert.ok(touched, `${step}: the final redirect went through /v1/client/touch`);
}
