// Scenario 4, the setup-mfa part: with multi-factor authentication
// required, a new user's session is pending with setup-mfa; the SDK's
// user.createTOTP() and user.verifyTOTP({code}) end the task and hand out
// backup codes; at the next sign-in signIn.attemptSecondFactor finishes it.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, load, expectState, signUpThroughSdk, newUser } from '../lib/scenario.mjs';
import { totp } from '../lib/totp.mjs';

let env;
let app;
const user = newUser('mfa');
const s = {};

before(async () => {
  env = await setup();
  const res = await fetch(`${env.server.url}/backend/v1/instance`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${env.server.secretKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ mfa_required: true }),
  });
  assert.equal(res.status, 200, await res.text());
  app = await env.open('cookie');
  await load(app);
});
after(async () => {
  await app?.close();
  await env?.teardown();
});

test('scenario 4: a new user is pending with setup-mfa', async () => {
  const { done } = await signUpThroughSdk(app, env.server, user);
  assert.equal(done.status, 'complete');
  const { sessionId } = done;
  await app.eval((id) => window.Clerk.setActive({ session: id }), sessionId);
  s.sessionId = sessionId;
  await expectState(app, { sessionId, sessionStatus: 'pending', task: 'setup-mfa', isSignedIn: false }, 'after sign-up');
});

test('scenario 4: user.createTOTP and user.verifyTOTP end setup-mfa with backup codes', async () => {
  const created = await app.eval(() => {
    const u = window.Clerk.user || window.Clerk.session.user;
    return u.createTOTP().then((t) => ({ secret: t.secret, uri: t.uri, verified: t.verified }));
  });
  assert.match(created.uri, /^otpauth:\/\/totp\//);
  assert.equal(created.verified, false);
  const verified = await app.eval((code) => {
    const u = window.Clerk.user || window.Clerk.session.user;
    return u.verifyTOTP({ code }).then((t) => ({ verified: t.verified, backupCodes: t.backupCodes }));
  }, totp(created.secret));
  assert.equal(verified.verified, true);
  assert.equal(verified.backupCodes?.length, 10, 'ten backup codes come with the first second factor');
  s.backupCodes = verified.backupCodes;
  await app.eval(() => window.Clerk.session.touch());
  await expectState(app, { sessionId: s.sessionId, sessionStatus: 'pending', task: 'choose-organization' }, 'after verifyTOTP');
  const twoFactor = await app.eval(() => (window.Clerk.user || window.Clerk.session.user).twoFactorEnabled);
  assert.equal(twoFactor, true);
});

test('scenario 4: the next sign-in takes signIn.attemptSecondFactor', async () => {
  await app.eval(() => window.Clerk.signOut());
  await expectState(app, { sessionId: null, isSignedIn: false }, 'after signOut');
  const first = await app.eval(
    ({ email, password }) => window.Clerk.client.signIn.create({ identifier: email, password, strategy: 'password' }).then((si) => ({
      status: si.status, second: si.supportedSecondFactors?.map((f) => f.strategy),
    })),
    user,
  );
  assert.equal(first.status, 'needs_second_factor');
  assert.ok(first.second.includes('totp') && first.second.includes('backup_code'), `second factors: ${first.second}`);
  const done = await app.eval(
    (code) => window.Clerk.client.signIn.attemptSecondFactor({ strategy: 'backup_code', code }).then((si) => ({
      status: si.status, sessionId: si.createdSessionId,
    })),
    s.backupCodes[0],
  );
  assert.equal(done.status, 'complete');
  await app.eval((id) => window.Clerk.setActive({ session: id }), done.sessionId);
  await expectState(app, { sessionId: done.sessionId, sessionStatus: 'pending', task: 'choose-organization' }, 'after the second factor');
});
