// clerk-js sends the browser through `GET /v1/client/touch?redirect_url=`
// before the redirect of setActive({ redirectUrl }) whenever the client
// cookie expires within 8 days (always, with the 7-day cookie): the server
// renews the client and sends the browser on to the redirect URL.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, load, expectState, signUpThroughSdk, newUser, navigations } from '../lib/scenario.mjs';

let env;
before(async () => { env = await setup(); });
after(async () => { await env?.teardown(); });

test('setActive with a redirectUrl goes through /v1/client/touch and lands on the redirect URL', async () => {
  const app = await env.open('cookie');
  const { page } = app;
  try {
    await load(app);
    const { done } = await signUpThroughSdk(app, env.server, newUser('touch'));
    await app.eval((id) => window.Clerk.setActive({ session: id }), done.sessionId);
    const org = await app.eval(() => window.Clerk.createOrganization({ name: 'Touch Works', slug: `touch-${Date.now()}` }).then((o) => o.id));
    await app.eval((id) => window.Clerk.setActive({ organization: id }), org);
    await expectState(app, { sessionId: done.sessionId, sessionStatus: 'active', isSignedIn: true }, 'active');

    const target = new URL(page.url());
    target.searchParams.set('after', 'touch');
    await app.eval(({ id, url }) => window.Clerk.setActive({ session: id, redirectUrl: url }), { id: done.sessionId, url: target.href });
    const seen = await navigations(app);
    const touch = seen.map((to) => new URL(to, page.url())).find((u) => u.pathname === '/v1/client/touch');
    assert.ok(touch, `clerk-js sends the browser through /v1/client/touch: ${JSON.stringify(seen)}`);
    assert.equal(touch.searchParams.get('redirect_url'), target.href);

    const response = await page.goto(touch.href);
    assert.equal(page.url(), target.href, 'the touch lands on the redirect URL');
    assert.equal(response.status(), 200);
    const client = await app.serverClient();
    assert.ok(client.cookie_expires_at - Date.now() > 6.9 * 24 * 3600 * 1000, `the client is renewed: ${client.cookie_expires_at}`);
  } finally {
    await app.close();
  }
});
