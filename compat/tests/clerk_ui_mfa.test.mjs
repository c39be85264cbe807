// Clerk's own prebuilt components with `mfa_required`: SignIn with a
// password leads to Clerk's setup-mfa task (an authenticator app, its
// backup codes, Continue), then choose-organization, and ends active on
// the redirect URL; the next sign-in asks Clerk's factor-two card for a
// code of the app. The server runs on its test clock, moved one TOTP step
// on between the enrolment and the sign-in, so the app's next code is not
// a replay of the enrolment's.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { load, expectState, newUser, patchInstance, advanceClock } from '../lib/scenario.mjs';
import { clerkUiScenarios, submit, submitUntilSent, signInWithPassword, expectLandedActive } from '../lib/clerk_ui.mjs';
import { totp } from '../lib/totp.mjs';
import { leavePage } from '../lib/browser.mjs';

const STEP_MS = 30_000;
const clerk = clerkUiScenarios({ testClock: true });

test('Clerk\'s setup-mfa task: an authenticator app and its backup codes, then choose-organization, ends active; the next sign-in takes a TOTP code on Clerk\'s factor-two', async () => {
  await patchInstance(clerk.env.server, { mfa_required: true });
  const user = newUser('ui-mfa');
  await clerk.backend('/users', { email_address: user.email, password: user.password });

  const first = await clerk.open('sign-in', 'mfa');
  let secret;
  try {
    const enrolment = first.page.waitForResponse((r) => new URL(r.url()).pathname === '/v1/me/totp', { timeout: 15_000 });
    await signInWithPassword(first.page, user);
    secret = (await (await enrolment).json()).response.secret;
    assert.match(secret, /^[A-Z2-7]+=*$/, 'the app\'s secret');
    await expectState(first.app, { sessionStatus: 'pending', task: 'setup-mfa' }, 'the setup-mfa task');
    await first.page.getByRole('button', { name: 'Continue' }).click();
    await first.page.locator('input[autocomplete=one-time-code]').pressSequentially(totp(secret, await advanceClock(clerk.env.server, 0)));
    // Clerk shows the backup codes the verification answered with.
    const codes = first.page.getByText(/^[a-z0-9]{5}-[a-z0-9]{5}-[a-z0-9]{3}$/);
    await codes.first().waitFor({ timeout: 15_000 });
    assert.equal(new Set(await codes.allTextContents()).size, 10, 'ten backup codes are shown');
    await first.page.getByRole('button', { name: 'Continue' }).click();
    await first.page.waitForSelector('input[name=name]:visible', { timeout: 15_000 });
    await expectState(first.app, { sessionStatus: 'pending', task: 'choose-organization' }, 'after setup-mfa');
    await first.page.fill('input[name=name]', 'Clerk UI MFA');
    await submit(first.page);
    await expectLandedActive(first, 'after the tasks');
  } finally {
    await first.app.close();
  }

  const later = await advanceClock(clerk.env.server, STEP_MS);
  const again = await clerk.open('sign-in', 'totp');
  try {
    await signInWithPassword(again.page, user);
    await again.page.waitForURL(/#\/factor-two/, { timeout: 15_000 });
    await again.page.locator('input[autocomplete=one-time-code]').pressSequentially(totp(secret, later));
    const membership = again.page.getByText('Clerk UI MFA', { exact: true });
    await membership.waitFor({ timeout: 15_000 });
    await expectState(again.app, { sessionStatus: 'pending', task: 'choose-organization' }, 'after the TOTP code');
    await membership.click();
    await expectLandedActive(again, 'after selecting the organization');
  } finally {
    await again.app.close();
  }
});

test('Clerk\'s standalone task components on an application page: TaskResetPassword, TaskSetupMFA, then TaskChooseOrganization ending on redirectUrlComplete', async () => {
  await patchInstance(clerk.env.server, { mfa_required: true });
  const user = newUser('ui-tasks');
  const created = await clerk.backend('/users', { email_address: user.email, password: user.password });
  await clerk.backend(`/users/${created.id}/password/set_compromised`, {});

  // The application signs the user in with clerk-js alone: the compromised
  // password is refused, the emailed code signs in, the session is pending.
  const app = await clerk.env.open('cookie');
  const compromised = [{ status: 422, path: '/client/sign_ins' }];
  try {
    await load(app);
    const refused = await app.eval(({ email, password }) => window.Clerk.client.signIn
      .create({ identifier: email, password, strategy: 'password' })
      .then(() => null, (e) => e.errors?.[0]?.code), user);
    assert.equal(refused, 'form_password_compromised');
    const code = await clerk.codeSentBy(app.page, user.email, () => app.eval(async () => {
      // The refusal left the sign-in on the server's client: read it.
      await window.Clerk.client.reload();
      const si = window.Clerk.client.signIn;
      const factor = si.supportedFirstFactors.find((f) => f.strategy === 'email_code');
      return si.prepareFirstFactor({ strategy: 'email_code', emailAddressId: factor.emailAddressId });
    }));
    const sessionId = await app.eval((c) => window.Clerk.client.signIn.attemptFirstFactor({ strategy: 'email_code', code: c })
      .then((si) => window.Clerk.setActive({ session: si.createdSessionId }).then(() => si.createdSessionId)), code);
    await expectState(app, { sessionId, sessionStatus: 'pending', task: 'reset-password' }, 'signed in by code', compromised);

    const reset = await clerk.open('task-reset-password', 'tasks', { context: app.context });
    const renewed = `${user.password}-Renewed`;
    await reset.page.fill('input[name=newPassword]', renewed);
    await reset.page.fill('input[name=confirmPassword]', renewed);
    await submitUntilSent(reset.page, '/v1/me/change_password');
    await expectServerTask(reset.app, 'setup-mfa', 'after TaskResetPassword');
    // Wherever Clerk went next, the standalone TaskSetupMFA is opened on
    // its own; its enrolment (the newest) holds the secret.
    await leavePage(reset.page);

    const enrolment = app.context.waitForEvent('response', {
      predicate: (r) => new URL(r.url()).pathname === '/v1/me/totp' && r.request().method() === 'POST',
      timeout: 15_000,
    });
    const mfa = await clerk.open('task-setup-mfa', 'tasks', { context: app.context });
    const secret = (await (await enrolment).json()).response.secret;
    await mfa.page.getByRole('button', { name: 'Continue' }).click();
    // The code of the server's time: the test before moved its clock on.
    await mfa.page.locator('input[autocomplete=one-time-code]').pressSequentially(totp(secret, await advanceClock(clerk.env.server, 0)));
    await mfa.page.getByText(/^[a-z0-9]{5}-[a-z0-9]{5}-[a-z0-9]{3}$/).first().waitFor({ timeout: 15_000 });
    await mfa.page.getByRole('button', { name: 'Continue' }).click();
    await expectServerTask(mfa.app, 'choose-organization', 'after TaskSetupMFA');
    await leavePage(mfa.page);

    const org = await clerk.open('task-choose-organization', 'tasks', { context: app.context });
    await org.page.waitForSelector('input[name=name]:visible', { timeout: 15_000 });
    await org.page.fill('input[name=name]', 'Clerk UI Tasks');
    await submit(org.page);
    await expectLandedActive(org, 'after TaskChooseOrganization');
  } finally {
    await app.close();
  }
});

/** Waits until the server shows the page's session on `task`. */
async function expectServerTask(app, task, step) {
  const deadline = Date.now() + 15_000;
  let seen;
  while (Date.now() < deadline) {
    const client = await app.serverClient();
    seen = client.sessions.find((s) => s.id === client.last_active_session_id)?.tasks?.[0]?.key ?? null;
    if (seen === task) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`${step}: the session's task is ${seen}, expected ${task}`);
}
