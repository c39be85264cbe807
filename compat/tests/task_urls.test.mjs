// Scenario 3: an application whose clerk-js has `taskUrls` pointing at the
// portal. setActive({session, redirectUrl}) sends the pending session to the
// portal's choose-organization page (clerk-js puts the redirect URL in the
// fragment: `<task URL>#/?redirect_url=<app page>`); the portal creates the
// organization, activates it and goes back to the application page, where
// clerk-js, loaded anew, sees the session active with the organization.
// Needs the built portal (VESTIBULE_PORTAL_DIR, passed by `cargo xtask
// compat` when dist/ holds it).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, load, expectState, signUpThroughSdk, newUser, serverView } from '../lib/scenario.mjs';

const missing = 'no built portal: VESTIBULE_PORTAL_DIR is unset. Build the portal into dist/ (`cargo xtask serve` or `cargo xtask test` do), then run `cargo xtask compat`, which passes dist/ to this scenario';
// A missing portal fails the run: the scenario never passes by being skipped.
if (!process.env.VESTIBULE_PORTAL_DIR) throw new Error(missing);
let env;
before(async () => { env = await setup(); });
after(async () => { await env?.teardown(); });

test('scenario 3: taskUrls send a pending session to the portal, which completes choose-organization and returns', async () => {
  const app = await env.open('cookie', { pageUrl: env.crossOriginPage });
  const { page } = app;
  try {
    const taskUrl = `${env.server.url}/sign-in/tasks/choose-organization`;
    const options = { taskUrls: { 'choose-organization': taskUrl } };
    await load(app, options, { navigate: true });
    await expectState(app, { status: 'ready', sessionId: null, isSignedIn: false }, 'after load');
    const { done } = await signUpThroughSdk(app, env.server, newUser('tasks'));
    assert.equal(done.status, 'complete');
    const appUrl = page.url();

    // setActive navigates away before it settles: start it, then wait for the portal.
    const atPortal = page.waitForURL((u) => u.href.startsWith(taskUrl), { timeout: 15_000 });
    await app.eval(({ id, url }) => { window.Clerk.setActive({ session: id, redirectUrl: url }); }, { id: done.sessionId, url: appUrl });
    await atPortal;
    const portalUrl = new URL(page.url());
    assert.equal(`${portalUrl.origin}${portalUrl.pathname}`, taskUrl);
    const redirect = new URLSearchParams(portalUrl.hash.split('?')[1] ?? '').get('redirect_url');
    assert.equal(redirect, appUrl, `clerk-js passes the app page in the fragment: ${portalUrl.hash}`);
    const pending = serverView(await app.serverClient());
    assert.deepEqual(
      { sessionId: pending.sessionId, status: pending.sessionStatus, task: pending.task },
      { sessionId: done.sessionId, status: 'pending', task: 'choose-organization' },
      'the server sees the pending session the portal shows',
    );

    // The portal's create screen (a user without memberships lands on it).
    await page.fill('.vb-task-choose-organization #vb-org-name', 'Portal Works');
    await page.waitForFunction(() => document.querySelector('#vb-org-slug')?.value === 'portal-works');
    const back = page.waitForURL(appUrl, { timeout: 15_000 });
    await page.click('.vb-task-choose-organization button[type=submit]');
    await back;

    // Back in the application: clerk-js loads anew and sees the session active.
    await page.waitForFunction(() => window.__compatSdkLoaded || window.__compatSdkFailed, null, { timeout: 15_000 });
    await load(app, options, { navigate: true });
    const sdk = await expectState(app, {
      status: 'ready', sessionId: done.sessionId, sessionStatus: 'active', task: null, isSignedIn: true, userId: done.userId,
    }, 'back in the app after the portal');
    assert.match(sdk.organizationId ?? '', /^org_/, 'the organization made on the portal is active');
    const slug = await app.eval(() => window.Clerk.organization?.slug);
    assert.equal(slug, 'portal-works');
  } finally {
    await app.close();
  }
});
