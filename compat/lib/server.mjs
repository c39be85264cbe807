// The real Vestibule server binary on 127.0.0.1, with a site directory that
// holds the test pages, the whole dist/ of @clerk/clerk-js (so the SDK loads
// its chunks from this server, never from a CDN) and, when given, the built
// portal. Also a second static server on another port for cross-origin pages.

import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, symlinkSync, readdirSync, rmSync, cpSync, existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, dirname, extname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const compatDir = resolve(here, '..');
export const pagesDir = join(compatDir, 'pages');
export const clerkDist = join(compatDir, 'node_modules', '@clerk', 'clerk-js', 'dist');

/** The server binary: `VESTIBULE_BIN`, else the debug build of the workspace. */
function serverBin() {
  if (process.env.VESTIBULE_BIN) return process.env.VESTIBULE_BIN;
  const target = process.env.CARGO_TARGET_DIR || join(compatDir, '..', 'target');
  return join(target, 'debug', 'vestibule');
}

/** Lays out the directory the server serves as its "portal". */
function makeSite(root) {
  const site = join(root, 'site');
  mkdirSync(join(site, 'compat'), { recursive: true });
  cpSync(pagesDir, join(site, 'compat'), { recursive: true });
  symlinkSync(clerkDist, join(site, 'compat', 'clerk-js'));
  const portal = process.env.VESTIBULE_PORTAL_DIR;
  if (portal && existsSync(join(portal, 'index.html'))) {
    for (const entry of readdirSync(portal)) {
      if (entry !== 'compat') symlinkSync(join(portal, entry), join(site, entry));
    }
  }
  return site;
}

/**
 * Starts the server. `allowedOrigins` are the extra origins (pages on other
 * ports) it lets in; `env` adds VESTIBULE_* variables; `testClock` starts it
 * with `--test-clock` (then `POST /v1/dev/clock` moves its clock).
 * Resolves to { url, origin, publishableKey, devBrowserKey, secretKey, stop, log }.
 */
export async function startServer({ allowedOrigins = [], env = {}, testClock = false } = {}) {
  const root = mkdtempSync(join(tmpdir(), 'vestibule-compat-'));
  const site = makeSite(root);
  const child = spawn(
    serverBin(),
    ['serve', '--listen', '127.0.0.1:0', '--data-dir', join(root, 'data'), '--portal-dir', site, ...(testClock ? ['--test-clock'] : [])],
    {
      env: {
        PATH: process.env.PATH,
        RUST_LOG: process.env.RUST_LOG || 'warn',
        VESTIBULE_ALLOWED_ORIGINS: allowedOrigins.join(','),
        // The scenarios read codes from the development outbox.
        VESTIBULE_INSTANCE_TYPE: 'development',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let log = '';
  child.stderr.on('data', (d) => { log += d; });
  const info = await new Promise((resolveInfo, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start in 30 s:\n${out}\n${log}`)), 30_000);
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited (${code}):\n${out}\n${log}`)); });
    child.on('error', (e) => { clearTimeout(timer); reject(new Error(`cannot start ${serverBin()}: ${e.message}`)); });
    child.stdout.on('data', (d) => {
      out += d;
      const url = /Vestibule listening on (http:\/\/\S+)/.exec(out)?.[1];
      const publishableKey = /^Publishable key: (pk_\S+)/m.exec(out)?.[1];
      const devBrowserKey = /^Publishable key, dev-browser mode: (pk_\S+)/m.exec(out)?.[1];
      const secretKey = /^Backend API secret key: (sk_\S+)/m.exec(out)?.[1];
      if (url && publishableKey && devBrowserKey && secretKey) {
        clearTimeout(timer);
        resolveInfo({ url, origin: url, publishableKey, devBrowserKey, secretKey, printed: out });
      }
    });
  });
  child.removeAllListeners('exit');
  child.removeAllListeners('error');
  return {
    ...info,
    log: () => log,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => { child.once('exit', r); setTimeout(r, 3000); });
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}

const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8' };

/** A static server for the test pages on another port of 127.0.0.1. */
export async function startPageServer() {
  const server = createServer(async (req, res) => {
    const path = new URL(req.url, 'http://x').pathname.replace(/^\/+/, '');
    if (!/^[a-z_]+\.(html|js)$/.test(path)) {
      res.writeHead(404).end();
      return;
    }
    try {
      const body = await readFile(join(pagesDir, path));
      res.writeHead(200, { 'content-type': types[extname(path)] }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return { origin, stop: () => new Promise((r) => server.close(r)) };
}

