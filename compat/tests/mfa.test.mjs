// Scenario 4, the setup-mfa part: with multi-factor authentication
// required, a new user's session is pending with setup-mfa; the SDK's
// user.createTOTP() and user.verifyTOTP({code}) end the task and hand out
// backup codes; at the next sign-in signIn.attemptSecondFactor finishes it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedApp, expectState, expectSetupMfaDone, signInAgain, signUpThroughSdk, newUser } from '../lib/scenario.mjs';
import { totp } from '../lib/totp.mjs';

const user = newUser('mfa');
const s = {};

const shared = sharedApp({ instance: { mfa_required: true } });

test('scenario 4: a new user is pending with setup-mfa', async () => {
  const { done } = await signUpThroughSdk(shared.app, shared.env.server, user);
  assert.equal(done.status, 'complete');
  const { sessionId } = done;
  await shared.app.eval((id) => window.Clerk.setActive({ session: id }), sessionId);
  s.sessionId = sessionId;
  await expectState(shared.app, { sessionId, sessionStatus: 'pending', task: 'setup-mfa', isSignedIn: false }, 'after sign-up');
});

test('scenario 4: user.createTOTP and user.verifyTOTP end setup-mfa with backup codes', async () => {
  const created = await shared.app.eval(() => {
    const u = window.Clerk.user || window.Clerk.session.user;
    return u.createTOTP().then((t) => ({ secret: t.secret, uri: t.uri, verified: t.verified }));
  });
  assert.match(created.uri, /^otpauth:\/\/totp\//);
  assert.equal(created.verified, false);
  const verified = await shared.app.eval((code) => {
    const u = window.Clerk.user || window.Clerk.session.user;
    return u.verifyTOTP({ code }).then((t) => ({ verified: t.verified, backupCodes: t.backupCodes }));
  }, totp(created.secret));
  assert.equal(verified.verified, true);
  assert.equal(verified.backupCodes?.length, 10, 'ten backup codes come with the first second factor');
  s.backupCodes = verified.backupCodes;
  await expectSetupMfaDone(shared.app, s.sessionId, 'after verifyTOTP');
});

test('scenario 4: the next sign-in takes signIn.attemptSecondFactor', async () => {
  const first = await signInAgain(shared.app, user);
  assert.equal(first.status, 'needs_second_factor');
  const strategies = first.second.map((f) => f.strategy);
  assert.ok(strategies.includes('totp') && strategies.includes('backup_code'), `second factors: ${strategies}`);
  const done = await shared.app.eval(
    (code) => window.Clerk.client.signIn.attemptSecondFactor({ strategy: 'backup_code', code }).then((si) => ({
      status: si.status, sessionId: si.createdSessionId,
    })),
    s.backupCodes[0],
  );
  assert.equal(done.status, 'complete');
  await shared.app.eval((id) => window.Clerk.setActive({ session: id }), done.sessionId);
  await expectState(shared.app, { sessionId: done.sessionId, sessionStatus: 'pending', task: 'choose-organization' }, 'after the second factor');
});
