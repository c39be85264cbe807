// Chromium through playwright-core, and an application page with
// @clerk/clerk-js that records every error the SDK logs and every 4xx its
// requests get, so a scenario can fail on anything it did not expect.

import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

/**
 * The Chromium flags every headless run here uses (e2e/chromium-flags.txt),
 * less the headless mode and window size, which playwright sets itself.
 */
const SHARED_FLAGS = readFileSync(new URL('../../e2e/chromium-flags.txt', import.meta.url), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('--headless') && !l.startsWith('--window-size'));

/** Launches headless Chromium as the SDK needs it (`navigator.webdriver` false). */
export async function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--disable-blink-features=AutomationControlled', ...SHARED_FLAGS],
  });
}

/**
 * A fresh browser context whose actions (click, fill, waits) give up
 * after 15 s instead of waiting forever, so a scenario that stalls fails
 * at the step that stalled.
 */
export async function newContext(browser) {
  const context = await browser.newContext();
  context.setDefaultTimeout(15_000);
  return context;
}

/**
 * Opens the application page at `pageUrl` (which loads the SDK with `pk`
 * and `proxy`) in a fresh browser context and waits for the SDK script.
 */
export async function openApp(browser, { pageUrl, pk, proxy, clerk, context, params = {} }) {
  const ctx = context || (await newContext(browser));
  const page = await ctx.newPage();
  const app = new AppPage(ctx, page, proxy);
  const url = new URL(pageUrl);
  url.searchParams.set('pk', pk);
  url.searchParams.set('proxy', proxy);
  if (clerk) url.searchParams.set('clerk', clerk);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  await page.goto(url.href);
  await page.waitForFunction(() => window.__compatSdkLoaded || window.__compatSdkFailed, null, { timeout: 15_000 });
  if (await page.evaluate(() => window.__compatSdkFailed === true)) throw new Error('clerk-js did not load');
  return app;
}

/** One application page, with what it saw. */
export class AppPage {
  constructor(context, page, proxy) {
    this.context = context;
    this.page = page;
    this.proxy = proxy;
    /** console errors, page errors and failed requests */
    this.errors = [];
    /** every response of the server's API with status >= 400: { method, url, status, body } */
    this.apiFailures = [];
    /** every API request: { method, url } */
    this.requests = [];
    /** the last dev-browser token the SDK sent */
    this.devBrowserToken = null;
    page.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      const where = msg.location()?.url ?? '';
      // The browser's own line for a failed API request: judged with apiFailures.
      if (/^Failed to load resource: the server responded/.test(msg.text()) && where.startsWith(`${proxy}/v1/`)) return;
      this.errors.push(`console.error: ${msg.text()} (${where})`);
    });
    page.on('pageerror', (err) => this.errors.push(`page error: ${err.message}`));
    page.on('requestfailed', (req) => {
      // Clerk's UI may navigate to the redirect URL twice, the second cutting
      // the first's `/v1/client/touch` short: where the page lands (through
      // a touch) is what scenarios check.
      const touch = new URL(req.url()).pathname === '/v1/client/touch';
      if (touch && req.isNavigationRequest() && req.failure()?.errorText === 'net::ERR_ABORTED') return;
      if (req.url().startsWith(proxy)) this.errors.push(`request failed: ${req.method()} ${req.url()} ${req.failure()?.errorText}`);
    });
    page.on('request', (req) => {
      if (!req.url().startsWith(`${proxy}/v1/`)) return;
      this.requests.push({ method: req.method(), url: req.url(), body: req.postData() });
      const token = new URL(req.url()).searchParams.get('__clerk_db_jwt');
      if (token) this.devBrowserToken = token;
    });
    page.on('response', async (res) => {
      if (!res.url().startsWith(`${proxy}/v1/`) || res.status() < 400) return;
      let body = '';
      try { body = await res.text(); } catch { /* the page went away */ }
      this.apiFailures.push({ method: res.request().method(), url: res.url(), status: res.status(), body });
    });
  }

  /**
   * Runs `fn(arg)` in the page (the SDK is `window.Clerk`). A promise the
   * page never settles fails after 20 s, naming the function, instead of
   * holding the scenario forever (playwright's evaluate has no timeout).
   */
  eval(fn, arg) {
    return within(this.page.evaluate(fn, arg), 20_000, `the page did not settle in 20 s: ${String(fn).slice(0, 160)}`);
  }

  /** What the SDK says about itself. */
  state() {
    return this.eval(() => {
      const c = window.Clerk;
      return {
        status: c.status,
        loaded: c.loaded,
        clientId: c.client?.id ?? null,
        sessionId: c.session?.id ?? null,
        sessionStatus: c.session?.status ?? null,
        task: c.session?.currentTask?.key ?? null,
        isSignedIn: c.isSignedIn,
        userId: c.user?.id ?? null,
        organizationId: c.organization?.id ?? null,
      };
    });
  }

  /** The server's view of this page's client: `GET /v1/client` with its cookie or dev-browser token. */
  async serverClient() {
    const url = new URL(`${this.proxy}/v1/client`);
    const headers = {};
    if (this.devBrowserToken) {
      url.searchParams.set('__clerk_db_jwt', this.devBrowserToken);
    } else {
      const cookies = await this.context.cookies(this.proxy);
      headers.cookie = cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    }
    const res = await fetch(url, { headers, signal: AbortSignal.timeout(15_000) });
    if (res.status !== 200) throw new Error(`GET /v1/client: ${res.status} ${await res.text()}`);
    return (await res.json()).response;
  }

  /**
   * Fails when the SDK logged an error or a request got a 4xx/5xx, except
   * failures matching one of `allowed` ({ status, path } with path a substring).
   */
  assertClean(allowed = []) {
    const unexpected = this.apiFailures.filter(
      (f) => !allowed.some((a) => a.status === f.status && new URL(f.url).pathname.includes(a.path)),
    );
    const problems = [
      ...this.errors,
      ...unexpected.map((f) => `${f.status} on ${f.method} ${f.url}: ${f.body}`),
    ];
    if (problems.length) throw new Error(`the SDK saw problems:\n  ${problems.join('\n  ')}`);
  }

  async close() {
    await within(this.context.close(), 20_000, 'the browser context did not close in 20 s');
  }
}

/**
 * Sends `page` to `about:blank` and leaves it there for its context to
 * close. Clerk's components navigate on their own after their last step;
 * such a navigation can cut our `goto` short (then it is tried again), and
 * a `page.close()` sent while a navigation is under way was seen never to
 * be answered. A blank page runs nothing, so it is left open instead.
 */
export async function leavePage(page) {
  const deadline = Date.now() + 15_000;
  while (!page.isClosed() && page.url() !== 'about:blank') {
    if (Date.now() > deadline) throw new Error(`the page ${page.url()} did not leave for about:blank in 15 s`);
    await page.goto('about:blank', { timeout: 5_000 }).catch(() => {});
  }
}

/** `promise`, or a failure saying `what` once `ms` have passed. */
function within(promise, ms, what) {
  let timer;
  const limit = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(what)), ms);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

/** The payload of a JWT. */
export function jwtClaims(jwt) {
  const parts = jwt.split('.');
  if (parts.length !== 3) throw new Error(`not a JWT: ${jwt}`);
  return JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
}
