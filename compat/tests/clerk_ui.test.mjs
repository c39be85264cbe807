// Clerk's own prebuilt components: @clerk/ui's browser bundle, mounted by
// @clerk/clerk-js on compat/pages/clerk_ui.html (the page the bench's
// comparison with our portal loads), driven as a user would in Chromium
// against the server. Each flow runs to the application's redirect URL;
// the SDK's state and `GET /v1/client` are checked on the task screen and
// at the end, and any console error or unexpected 4xx fails the flow.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { load, expectState, newUser } from '../lib/scenario.mjs';
import { clerkUiScenarios, submit, signInWithPassword, expectLandedActive } from '../lib/clerk_ui.mjs';

const clerk = clerkUiScenarios();

test('Clerk\'s SignUp: email, password and the emailed code, then the choose-organization task (create), ends active on the redirect URL', async () => {
  const ui = await clerk.open('sign-up', 'signed-up');
  const { page, app } = ui;
  const user = newUser('ui-signup');
  try {
    await page.fill('input[name=emailAddress]', user.email);
    await page.fill('input[name=password]', user.password);
    // The verify-email card asks for the code itself.
    const code = await clerk.codeSentBy(page, user.email, () => submit(page));
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
  await clerk.backend('/users', { email_address: user.email, password: user.password });

  const first = await clerk.open('sign-in', 'signed-in');
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

  const again = await clerk.open('sign-in', 'member');
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
  const created = await clerk.backend('/users', { email_address: user.email, password: user.password });
  await clerk.backend('/organizations', { name: 'Clerk UI Reset', created_by: created.id });
  await clerk.backend(`/users/${created.id}/password/set_compromised`, {});

  // The one refusal the flow is about.
  const compromised = [{ status: 422, path: '/attempt_first_factor' }];
  const ui = await clerk.open('sign-in', 'reset');
  const { page, app } = ui;
  try {
    await signInWithPassword(page, user);
    // Clerk shows "Password compromised" and offers the emailed code.
    const code = await clerk.codeSentBy(page, user.email, () => page.getByText(/email code to/i).click());
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
  const created = await clerk.backend('/users', { email_address: user.email, password: user.password });
  await clerk.backend('/organizations', { name: 'Clerk UI Forgot', created_by: created.id });

  const ui = await clerk.open('sign-in', 'forgot');
  const { page, app } = ui;
  const renewed = `${user.password}-Renewed`;
  try {
    await page.fill('input[name=identifier]', user.email);
    await submit(page);
    await page.getByText('Forgot password?').click();
    const code = await clerk.codeSentBy(page, user.email, () => page.getByRole('button', { name: 'Reset your password' }).click());
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

  const old = await clerk.open('sign-in', 'old-password');
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
