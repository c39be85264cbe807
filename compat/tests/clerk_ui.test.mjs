// Clerk's own prebuilt components: @clerk/ui's browser bundle, mounted by
// @clerk/clerk-js on compat/pages/clerk_ui.html (the page the bench's
// comparison with our portal loads), driven as a user would in Chromium
// against the server. Each flow runs to the application's redirect URL;
// the SDK's state and `GET /v1/client` are checked on the task screen and
// at the end, and any console error or unexpected 4xx fails the flow.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { setup, load, expectState, outboxCode, newUser } from '../lib/scenario.mjs';
import { AppPage } from '../lib/browser.mjs';
import { clerkUiDist } from '../lib/server.mjs';

let env;
before(async () => {
  assert.ok(existsSync(clerkUiDist), `@clerk/ui is not unpacked at ${clerkUiDist}: cargo xtask compat unpacks it`);
  env = await setup();
});
after(async () => { await env?.teardown(); });

/** The Backend API, as an operator's script would call it. */
async function backend(path, form) {
  const res = await fetch(`${env.server.url}/backend/v1${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${env.server.secretKey}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
  const body = await res.json();
  assert.equal(res.status, 200, `POST /backend/v1${path}: ${JSON.stringify(body)}`);
  return body;
}

/**
 * Opens the page with Clerk's `component` ('sign-in' or 'sign-up') in a
 * fresh browser; `tag` names the redirect URL the flow must end on.
 */
async function openClerkUi(component, tag) {
  const context = await env.browser.newContext();
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
}

/** Clerk's primary button of the card on screen. */
function submit(page) {
  return page.click('.cl-formButtonPrimary');
}

/** Signs in through Clerk's SignIn with the email, then the password. */
async function signInWithPassword(page, user) {
  await page.fill('input[name=identifier]', user.email);
  await submit(page);
  await page.fill('input[name=password]', user.password);
  await submit(page);
}

/**
 * Does `action`, which makes Clerk's card send a code (its own prepare
 * request), and resolves to the code the server sent `email`.
 */
async function codeSentBy(page, email, action) {
  const prepared = page.waitForResponse((r) => /\/prepare_(verification|first_factor)$/.test(new URL(r.url()).pathname), { timeout: 15_000 });
  await action();
  const response = await prepared;
  assert.equal(response.status(), 200, `${response.request().method()} ${response.url()}`);
  return outboxCode(env.server, email);
}

/**
 * On the redirect URL at last: the application page loads clerk-js, which
 * sees the session active with an organization, and so does the server.
 */
async function expectLandedActive({ app, page, done }, step, allowed = []) {
  await page.waitForURL(done, { timeout: 15_000 });
  await page.waitForFunction(() => window.__compatSdkLoaded, null, { timeout: 15_000 });
  const state = await load(app);
  assert.ok(state.organizationId, `${step}: an organization is active`);
  await expectState(app, { sessionStatus: 'active', isSignedIn: true, task: null }, step, allowed);
  const touched = app.requests.some((r) => new URL(r.url).pathname === '/v1/client/touch');
  assert.ok(touched, `${step}: the final redirect went through /v1/client/touch`);
}

test('Clerk\'s SignUp: email, password and the emailed code, then the choose-organization task (create), ends active on the redirect URL', async () => {
  const ui = await openClerkUi('sign-up', 'signed-up');
  const { page, app } = ui;
  const user = newUser('ui-signup');
  try {
    await page.fill('input[name=emailAddress]', user.email);
    await page.fill('input[name=password]', user.password);
    // The verify-email card asks for the code itself.
    const code = await codeSentBy(page, user.email, () => submit(page));
    await page.locator('input[autocomplete=one-time-code]').pressSequentially(code);
    await page.waitForSelector('input[name=name]:visible', { timeout: 15_000 });
    await expectState(app, { sessionStatus: 'pending', task: 'choose-organization' }, 'the task screen');
    await page.fill('input[name=name]', 'Clerk UI Sign-up');
    await submit(page);
    await expectLandedActive(ui, 'after the task');
  } finally {
    await app.close();
  }
});

test('Clerk\'s SignIn with a password: the choose-organization task creates an organization, then the redirect URL; a member signing in again selects it', async () => {
  const user = newUser('ui-signin');
  await backend('/users', { email_address: user.email, password: user.password });

  const first = await openClerkUi('sign-in', 'signed-in');
  try {
    await signInWithPassword(first.page, user);
    await first.page.waitForSelector('input[name=name]:visible', { timeout: 15_000 });
    await expectState(first.app, { sessionStatus: 'pending', task: 'choose-organization' }, 'the task screen');
    await first.page.fill('input[name=name]', 'Clerk UI Sign-in');
    await submit(first.page);
    await expectLandedActive(first, 'after creating the organization');
  } finally {
    await first.app.close();
  }

  const again = await openClerkUi('sign-in', 'member');
  try {
    await signInWithPassword(again.page, user);
    const membership = again.page.getByText('Clerk UI Sign-in', { exact: true });
    await membership.waitFor({ timeout: 15_000 });
    await expectState(again.app, { sessionStatus: 'pending', task: 'choose-organization' }, 'the member\'s task screen');
    await membership.click();
    await expectLandedActive(again, 'after selecting the organization');
  } finally {
    await again.app.close();
  }
});

test('Clerk\'s SignIn with a compromised password: the emailed code, then the reset-password task, ends active with the new password', async () => {
  const user = newUser('ui-compromised');
  const created = await backend('/users', { email_address: user.email, password: user.password });
  await backend('/organizations', { name: 'Clerk UI Reset', created_by: created.id });
  await backend(`/users/${created.id}/password/set_compromised`, {});

  // The one refusal the flow is about.
  const compromised = [{ status: 422, path: '/attempt_first_factor' }];
  const ui = await openClerkUi('sign-in', 'reset');
  const { page, app } = ui;
  try {
    await signInWithPassword(page, user);
    // Clerk shows "Password compromised" and offers the emailed code.
    const code = await codeSentBy(page, user.email, () => page.getByText(/email code to/i).click());
    await page.locator('input[autocomplete=one-time-code]').pressSequentially(code);
    await page.waitForSelector('input[name=newPassword]:visible', { timeout: 15_000 });
    await expectState(app, { sessionStatus: 'pending', task: 'reset-password' }, 'the task screen', compromised);
    const renewed = `${user.password}-Renewed`;
    await page.fill('input[name=newPassword]', renewed);
    await page.fill('input[name=confirmPassword]', renewed);
    await submit(page);
    // Then the other task of a member: choosing the organization.
    const membership = page.getByText('Clerk UI Reset', { exact: true });
    await membership.waitFor({ timeout: 15_000 });
    await expectState(app, { sessionStatus: 'pending', task: 'choose-organization' }, 'the next task', compromised);
    await membership.click();
    await expectLandedActive(ui, 'after the reset', compromised);
  } finally {
    await app.close();
  }
});

test('Clerk\'s SignIn "Forgot password?": the emailed code, a new password, then signed in; the old password no longer signs in', async () => {
  const user = newUser('ui-forgot');
  const created = await backend('/users', { email_address: user.email, password: user.password });
  await backend('/organizations', { name: 'Clerk UI Forgot', created_by: created.id });

  const ui = await openClerkUi('sign-in', 'forgot');
  const { page, app } = ui;
  const renewed = `${user.password}-Renewed`;
  try {
    await page.fill('input[name=identifier]', user.email);
    await submit(page);
    await page.getByText('Forgot password?').click();
    const code = await codeSentBy(page, user.email, () => page.getByRole('button', { name: 'Reset your password' }).click());
    await page.locator('input[autocomplete=one-time-code]').pressSequentially(code);
    await page.waitForSelector('input[name=confirmPassword]:visible', { timeout: 15_000 });
    await expectState(app, { sessionId: null, isSignedIn: false }, 'the new-password screen');
    assert.equal((await app.serverClient()).sign_in.status, 'needs_new_password');
    await page.fill('input[name=password]', renewed);
    await page.fill('input[name=confirmPassword]', renewed);
    await submit(page);
    // Clerk's success card activates the session and leaves for the
    // redirect URL; the member's organization is still to be chosen.
    await page.waitForURL(ui.done, { timeout: 15_000 });
    await page.waitForFunction(() => window.__compatSdkLoaded, null, { timeout: 15_000 });
    await load(app);
    await expectState(app, { sessionStatus: 'pending', task: 'choose-organization', isSignedIn: false }, 'after the new password');
    // The application sends a pending session back to its sign-in page,
    // where Clerk's SignIn shows the task.
    await page.goto(ui.url);
    const membership = page.getByText('Clerk UI Forgot', { exact: true });
    await membership.waitFor({ timeout: 15_000 });
    await membership.click();
    await expectLandedActive(ui, 'after choosing the organization');
  } finally {
    await app.close();
  }

  const old = await openClerkUi('sign-in', 'old-password');
  try {
    await signInWithPassword(old.page, user);
    await old.page.locator('#error-password', { hasText: /password is incorrect/i }).waitFor({ timeout: 15_000 });
    await expectState(old.app, { sessionId: null, isSignedIn: false }, 'the old password', [{ status: 422, path: '/attempt_first_factor' }]);
    await old.page.fill('input[name=password]', renewed);
    await submit(old.page);
    await old.page.getByText('Clerk UI Forgot', { exact: true }).waitFor({ timeout: 15_000 });
    await expectState(old.app, { sessionStatus: 'pending', task: 'choose-organization' }, 'the new password', [{ status: 422, path: '/attempt_first_factor' }]);
  } finally {
    await old.app.close();
  }
});
