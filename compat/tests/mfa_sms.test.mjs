// Scenario 4, the SMS part of setup-mfa: with multi-factor authentication
// required and SMS codes enabled, a new user's pending session ends
// setup-mfa through the SDK's phone-number calls (createPhoneNumber,
// prepareVerification, attemptVerification with the code from the
// development outbox, setReservedForSecondFactor), which hand out backup
// codes; the next sign-in takes prepareSecondFactor and attemptSecondFactor
// with phone_code. The server runs with --test-clock to step past the SMS
// cooldown instead of waiting 30 s.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  sharedApp, expectState, expectSetupMfaDone, signInAgain, signUpThroughSdk, newUser, advanceClock, outboxCode,
} from '../lib/scenario.mjs';

const user = newUser('sms');
const phone = '+15550100177';
const s = {};

const shared = sharedApp({ testClock: true, instance: { mfa_required: true, phone_code_enabled: true } });

test('scenario 4 (SMS): a new user is pending with setup-mfa', async () => {
  const { done } = await signUpThroughSdk(shared.app, shared.env.server, user);
  assert.equal(done.status, 'complete');
  await shared.app.eval((id) => window.Clerk.setActive({ session: id }), done.sessionId);
  s.sessionId = done.sessionId;
  await expectState(shared.app, { sessionId: done.sessionId, sessionStatus: 'pending', task: 'setup-mfa', isSignedIn: false }, 'after sign-up');
});

test('scenario 4 (SMS): user.createPhoneNumber and phoneNumber.prepareVerification send a code', async () => {
  const created = await shared.app.eval((phoneNumber) => {
    const u = window.Clerk.user || window.Clerk.session.user;
    return u.createPhoneNumber({ phoneNumber }).then((p) => ({
      id: p.id, phoneNumber: p.phoneNumber, status: p.verification?.status ?? null, reserved: p.reservedForSecondFactor,
    }));
  }, '+1 (555) 010-0177');
  assert.match(created.id, /^idn_|^phone_/);
  assert.equal(created.phoneNumber, phone);
  assert.equal(created.reserved, false);
  s.phoneId = created.id;
  const prepared = await shared.app.eval((id) => {
    const u = window.Clerk.user || window.Clerk.session.user;
    const p = u.phoneNumbers.find((x) => x.id === id);
    return p.prepareVerification().then((r) => ({ id: r.id, status: r.verification?.status ?? null }));
  }, s.phoneId);
  assert.equal(prepared.id, s.phoneId);
  await expectState(shared.app, { sessionId: s.sessionId, sessionStatus: 'pending', task: 'setup-mfa' }, 'after prepareVerification');
});

test('scenario 4 (SMS): attemptVerification and setReservedForSecondFactor end setup-mfa with backup codes', async () => {
  const code = await outboxCode(shared.env.server, phone);
  const verified = await shared.app.eval(({ id, code: c }) => {
    const u = window.Clerk.user || window.Clerk.session.user;
    const p = u.phoneNumbers.find((x) => x.id === id);
    return p.attemptVerification({ code: c }).then((r) => ({ status: r.verification?.status ?? null }));
  }, { id: s.phoneId, code });
  assert.equal(verified.status, 'verified');
  await shared.app.eval(() => window.Clerk.session.touch());
  await expectState(shared.app, { sessionId: s.sessionId, sessionStatus: 'pending', task: 'setup-mfa' }, 'a verified number alone is no second factor');
  const reserved = await shared.app.eval((id) => {
    const u = window.Clerk.user || window.Clerk.session.user;
    const p = u.phoneNumbers.find((x) => x.id === id);
    return p.setReservedForSecondFactor({ reserved: true }).then((r) => ({
      reserved: r.reservedForSecondFactor, backupCodes: r.backupCodes,
    }));
  }, s.phoneId);
  assert.equal(reserved.reserved, true);
  assert.equal(reserved.backupCodes?.length, 10, 'ten backup codes come with the first second factor');
  const made = await shared.app.eval((id) => {
    const u = window.Clerk.user || window.Clerk.session.user;
    const p = u.phoneNumbers.find((x) => x.id === id);
    return p.makeDefaultSecondFactor().then((r) => ({ isDefault: r.defaultSecondFactor, backupCodes: r.backupCodes ?? null }));
  }, s.phoneId);
  assert.equal(made.isDefault, true);
  assert.equal(made.backupCodes, null, 'backup codes are handed out once');
  await expectSetupMfaDone(shared.app, s.sessionId, 'after setReservedForSecondFactor');
});

test('scenario 4 (SMS): the next sign-in takes prepareSecondFactor and attemptSecondFactor with phone_code', async () => {
  const first = await signInAgain(shared.app, user);
  assert.equal(first.status, 'needs_second_factor');
  const sms = first.second.find((f) => f.strategy === 'phone_code');
  assert.ok(sms, `phone_code is a second factor: ${JSON.stringify(first.second)}`);
  assert.equal(sms.phoneNumberId, s.phoneId);
  assert.ok(sms.safeIdentifier && !sms.safeIdentifier.includes('0100177'), `the number is masked: ${sms.safeIdentifier}`);
  // The SMS cooldown (30 s per number) started with the verification code.
  await advanceClock(shared.env.server, 31_000);
  const prepared = await shared.app.eval(
    () => window.Clerk.client.signIn.prepareSecondFactor({ strategy: 'phone_code' }).then((si) => ({
      status: si.status, strategy: si.secondFactorVerification?.strategy ?? null,
    })),
  );
  assert.equal(prepared.status, 'needs_second_factor');
  assert.equal(prepared.strategy, 'phone_code');
  const code = await outboxCode(shared.env.server, phone);
  const done = await shared.app.eval(
    (c) => window.Clerk.client.signIn.attemptSecondFactor({ strategy: 'phone_code', code: c }).then((si) => ({
      status: si.status, sessionId: si.createdSessionId,
    })),
    code,
  );
  assert.equal(done.status, 'complete');
  await shared.app.eval((id) => window.Clerk.setActive({ session: id }), done.sessionId);
  await expectState(shared.app, { sessionId: done.sessionId, sessionStatus: 'pending', task: 'choose-organization' }, 'after the second factor');
});
