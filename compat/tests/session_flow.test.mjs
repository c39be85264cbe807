// Scenarios 2, 5 and 6, one user through them in order:
//  2. sign up (email code from the development outbox), sign in, setActive
//     to a pending session with choose-organization, createOrganization and
//     setActive({organization}) to an active one, getToken with `o.id`;
//  5. Clerk.signOut() ends the session on the server;
//  6. @clerk/backend verifies the tokens (PEM and JWKS) and reads and
//     changes the user through the Backend API at <server>/backend;
//  4. (its first part) the compromised password's reset-password task ends
//     with user.updatePassword.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClerkClient, verifyToken } from '@clerk/backend';
import { sharedApp, expectState, signUpThroughSdk, newUser, serverView } from '../lib/scenario.mjs';
import { jwtClaims } from '../lib/browser.mjs';

const user = newUser('flow');
const s = {}; // what earlier steps learned: userId, sessionId, orgId, token

const shared = sharedApp();

test('scenario 2: sign up with the emailed code through the SDK', async () => {
  const { created, done } = await signUpThroughSdk(shared.app, shared.env.server, user);
  assert.equal(created.status, 'missing_requirements');
  assert.deepEqual(created.unverified, ['email_address']);
  assert.equal(done.status, 'complete');
  assert.match(done.sessionId ?? '', /^sess_/);
  s.userId = done.userId;
  await shared.app.eval((id) => window.Clerk.setActive({ session: id }), done.sessionId);
  await expectState(shared.app, { sessionId: done.sessionId, sessionStatus: 'pending', task: 'choose-organization', isSignedIn: false }, 'after sign-up');
  // Sign out, so the sign-in below starts from nothing.
  await shared.app.eval(() => window.Clerk.signOut());
  await expectState(shared.app, { sessionId: null, isSignedIn: false, userId: null }, 'after the sign-up session is signed out');
});

test('scenario 2: sign in, setActive to a pending session with choose-organization', async () => {
  const first = await shared.app.eval(
    (email) => window.Clerk.client.signIn.create({ identifier: email }).then((si) => ({
      status: si.status, factors: si.supportedFirstFactors?.map((f) => f.strategy),
    })),
    user.email,
  );
  assert.equal(first.status, 'needs_first_factor');
  assert.ok(first.factors.includes('password'), `password is a first factor: ${first.factors}`);
  const si = await shared.app.eval(
    (password) => window.Clerk.client.signIn.attemptFirstFactor({ strategy: 'password', password }).then((r) => ({
      status: r.status, sessionId: r.createdSessionId,
    })),
    user.password,
  );
  assert.equal(si.status, 'complete');
  s.sessionId = si.sessionId;
  await shared.app.eval((id) => window.Clerk.setActive({ session: id }), si.sessionId);
  await expectState(shared.app, {
    sessionId: si.sessionId, sessionStatus: 'pending', task: 'choose-organization', isSignedIn: false, organizationId: null,
  }, 'after setActive({session})');
});

test('scenario 2: createOrganization and setActive({organization}) make the session active', async () => {
  const org = await shared.app.eval(
    () => window.Clerk.createOrganization({ name: 'Compat Works', slug: `compat-${Date.now()}` }).then((o) => ({ id: o.id, slug: o.slug })),
  );
  assert.match(org.id, /^org_/);
  s.orgId = org.id;
  await shared.app.eval((id) => window.Clerk.setActive({ organization: id }), org.id);
  await expectState(shared.app, {
    sessionId: s.sessionId, sessionStatus: 'active', task: null, isSignedIn: true, organizationId: org.id, userId: s.userId,
  }, 'after setActive({organization})');
});

test('scenario 2: session.getToken() returns our JWT with the organization', async () => {
  const token = await shared.app.eval(() => window.Clerk.session.getToken());
  const claims = jwtClaims(token);
  assert.equal(claims.sub, s.userId);
  assert.equal(claims.sid, s.sessionId);
  assert.equal(claims.o?.id, s.orgId);
  assert.equal(claims.sts, undefined, 'no sts once active');
  assert.equal(claims.azp, shared.env.server.url);
  s.token = token;
  shared.app.assertClean();
});

test('scenario 6: @clerk/backend verifyToken accepts our token with the PEM key and with the JWKS', async () => {
  const pemRes = await fetch(`${shared.env.server.url}/backend/v1/jwt_public_key`, {
    headers: { authorization: `Bearer ${shared.env.server.secretKey}` },
  });
  assert.equal(pemRes.status, 200);
  const jwtKey = await pemRes.text();
  assert.match(jwtKey, /^-----BEGIN PUBLIC KEY-----/);
  const withPem = await verifyToken(s.token, { jwtKey, authorizedParties: [shared.env.server.url] });
  assert.equal(withPem.sub, s.userId);
  assert.equal(withPem.o?.id, s.orgId);
  const withJwks = await verifyToken(s.token, {
    secretKey: shared.env.server.secretKey, apiUrl: `${shared.env.server.url}/backend`, skipJwksCache: true,
  });
  assert.equal(withJwks.sid, s.sessionId);
  await assert.rejects(
    verifyToken(s.token, { jwtKey, authorizedParties: ['http://elsewhere.example'] }),
    (e) => e.reason === 'token-invalid-authorized-parties',
    'a token for another party is refused for its azp',
  );
  const tampered = s.token.slice(0, -4) + (s.token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
  await assert.rejects(
    verifyToken(tampered, { jwtKey }),
    (e) => e.reason === 'token-invalid-signature',
    'a bad signature is refused for its signature',
  );
});

test('scenario 6: createClerkClient reads the user and marks the password compromised', async () => {
  const clerk = createClerkClient({ secretKey: shared.env.server.secretKey, apiUrl: `${shared.env.server.url}/backend` });
  const u = await clerk.users.getUser(s.userId);
  assert.equal(u.id, s.userId);
  assert.equal(u.primaryEmailAddress?.emailAddress, user.email);
  const marked = await clerk.users.setPasswordCompromised(s.userId);
  assert.equal(marked.id, s.userId);
  await assert.rejects(
    createClerkClient({ secretKey: 'sk_test_wrong', apiUrl: `${shared.env.server.url}/backend` }).users.getUser(s.userId),
    (e) => e.status === 401,
  );
  // The SDK learns of the new task when it next touches the session (as on
  // page focus); a GET of the client alone does not update Clerk.session.
  await shared.app.eval(() => window.Clerk.session.touch());
  await expectState(shared.app, {
    sessionId: s.sessionId, sessionStatus: 'pending', task: 'reset-password', isSignedIn: false,
  }, 'after set_compromised and a touch');
});

test('scenario 4: user.updatePassword ends the reset-password task', async () => {
  const newPassword = `${user.password}-Renewed`;
  await shared.app.eval(
    (p) => window.Clerk.user.updatePassword({ newPassword: p, signOutOfOtherSessions: true }),
    newPassword,
  );
  await shared.app.eval(() => window.Clerk.session.touch());
  await expectState(shared.app, {
    sessionId: s.sessionId, sessionStatus: 'active', task: null, isSignedIn: true, organizationId: s.orgId,
  }, 'after updatePassword');
  user.password = newPassword;
});

test('scenario 5: Clerk.signOut() ends the session on the server', async () => {
  await shared.app.eval(() => window.Clerk.signOut());
  await expectState(shared.app, { sessionId: null, isSignedIn: false, userId: null }, 'after signOut');
  const client = await shared.app.serverClient();
  const live = client.sessions.filter((x) => x.status === 'active' || x.status === 'pending');
  assert.deepEqual(live, [], 'no live session on the server');
  assert.equal(serverView(client).sessionId, null);
  const cookies = await shared.app.context.cookies(shared.env.server.url);
  const res = await fetch(`${shared.env.server.url}/v1/client/sessions/${s.sessionId}/tokens`, {
    method: 'POST',
    headers: { origin: shared.env.server.url, cookie: cookies.map((c) => `${c.name}=${c.value}`).join('; ') },
  });
  assert.equal(res.status, 401, 'no token for an ended session');
  assert.equal((await res.json()).errors[0].code, 'authentication_invalid');
  shared.app.assertClean();
});
