// Signing-key rotation seen by the real SDKs: a token clerk-js got before
// `POST /backend/v1/signing_keys/rotate` still passes @clerk/backend's
// `verifyToken` against the JWKS after it; the next token carries the new
// `kid` (2 s later, once every replica publishes it) and passes too (the
// SDK fetches the JWKS again for a kid it has not seen).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verifyToken } from '@clerk/backend';
import { sharedApp, signUpThroughSdk, newUser } from '../lib/scenario.mjs';
import { jwtClaims } from '../lib/browser.mjs';

const shared = sharedApp();

/** The `kid` in a token's header. */
function kidOf(jwt) {
  return JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url').toString('utf8')).kid;
}

test('a token signed before a rotation verifies after it; the next one carries the new kid and verifies', async () => {
  const { server } = shared.env;
  const { done } = await signUpThroughSdk(shared.app, server, newUser('rotation'));
  await shared.app.eval((id) => window.Clerk.setActive({ session: id }), done.sessionId);
  const before = await shared.app.eval(() => window.Clerk.session.getToken({ skipCache: true }));
  const options = { secretKey: server.secretKey, apiUrl: `${server.url}/backend`, authorizedParties: [server.url] };
  assert.equal((await verifyToken(before, options)).sid, done.sessionId);

  const res = await fetch(`${server.url}/backend/v1/signing_keys/rotate`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.secretKey}` },
  });
  const jwks = await res.json();
  assert.equal(res.status, 200, JSON.stringify(jwks));
  const kids = jwks.keys.map((k) => k.kid);
  assert.equal(kids.length, 2, `the retired key and the new one: ${kids}`);
  assert.ok(kids.includes(kidOf(before)), `the retired key is published: ${kids}`);
  const newKid = kids.find((kid) => kid !== kidOf(before));

  assert.equal((await verifyToken(before, options)).sid, done.sessionId, 'the token signed before the rotation');
  // The new key signs 2 s after the rotation, once every replica
  // publishes it.
  let after;
  for (let i = 0; i < 60; i += 1) {
    after = await shared.app.eval(() => window.Clerk.session.getToken({ skipCache: true }));
    if (kidOf(after) === newKid) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(kidOf(after), newKid, 'a token signed after the rotation carries the new kid');
  assert.equal((await verifyToken(after, options)).sid, done.sessionId, 'the token signed after the rotation');
  assert.equal(jwtClaims(after).sid, done.sessionId);
  // Fetched again for the new kid, the JWKS still holds the old key.
  const published = (await (await fetch(`${server.url}/v1/jwks`)).json()).keys.map((k) => k.kid);
  assert.ok(published.includes(kidOf(before)) && published.includes(newKid), `${published}`);
  assert.equal((await verifyToken(before, options)).sid, done.sessionId, 'the token from before, after the new kid was fetched');
  shared.app.assertClean();
});
