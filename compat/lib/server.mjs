// The real Vestibule server binary on 127.0.0.1, with a site directory that
// holds the test pages, the whole dist/ of @clerk/clerk-js and of @clerk/ui
// (so the SDK and Clerk's prebuilt UI load their chunks from this server,
// never from a CDN) and, when given, the built portal. Also a second static server on another port for cross-origin pages.

import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, symlinkSync, readdirSync, rmSync, cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createNetServer, connect } from 'node:net';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, dirname, extname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const compatDir = resolve(here, '..');
export const pagesDir = join(compatDir, 'pages');
export const clerkDist = join(compatDir, 'node_modules', '@clerk', 'clerk-js', 'dist');
/** Clerk's prebuilt UI, unpacked there by `cargo xtask compat`. */
export const clerkUiDist = join(compatDir, 'node_modules', '@clerk', 'ui', 'dist');

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
  symlinkSync(clerkUiDist, join(site, 'compat', 'clerk-ui'));
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
 * With VESTIBULE_COMPAT_POSTGRES (the admin URL of a PostgreSQL cluster) the
 * server is two replicas on a fresh database of that cluster behind haproxy
 * (`demo/haproxy.cfg`, round robin), and `stop()` fails unless both served.
 * Resolves to { url, origin, publishableKey, devBrowserKey, secretKey, stop, log }.
 */
export async function startServer({ allowedOrigins = [], env = {}, testClock = false } = {}) {
  const root = mkdtempSync(join(tmpdir(), 'vestibule-compat-'));
  const site = makeSite(root);
  const settings = {
    VESTIBULE_ALLOWED_ORIGINS: allowedOrigins.join(','),
    // The scenarios read codes from the development outbox.
    VESTIBULE_INSTANCE_TYPE: 'development',
    ...env,
  };
  const admin = process.env.VESTIBULE_COMPAT_POSTGRES;
  if (!admin) {
    const replica = await startReplica(join(root, 'data'), site, testClock, settings);
    return {
      ...replica.info,
      log: replica.log,
      async stop() {
        await replica.stop();
        rmSync(root, { recursive: true, force: true });
      },
    };
  }
  const lbPort = await freePort();
  const url = `http://127.0.0.1:${lbPort}`;
  const shared = {
    ...settings,
    VESTIBULE_DATABASE_URL: createDatabase(admin),
    VESTIBULE_PUBLIC_URL: url,
    VESTIBULE_TRUSTED_PROXIES: '127.0.0.1',
  };
  const replicas = [];
  for (const i of [1, 2]) replicas.push(await startReplica(join(root, `replica-${i}`), site, testClock, shared));
  const balancer = await startBalancer(root, lbPort, replicas.map((r) => new URL(r.info.url).host));
  return {
    ...replicas[0].info,
    url,
    origin: url,
    replicaUrls: replicas.map((r) => r.info.url),
    log: () => replicas.map((r) => r.log()).join('\n'),
    async stop() {
      const served = await balancer.served();
      balancer.stop();
      for (const r of replicas) await r.stop();
      rmSync(root, { recursive: true, force: true });
      if (!(served.length === 2 && served.every((n) => n > 0))) {
        throw new Error(`both replicas must serve the scenario; requests per replica: ${served.join(', ')}`);
      }
    },
  };
}

/** One `vestibule serve` process on a free port; resolves once it printed its URL and keys. */
async function startReplica(dataDir, site, testClock, settings) {
  const child = spawn(
    serverBin(),
    ['serve', '--listen', '127.0.0.1:0', '--data-dir', dataDir, '--portal-dir', site, ...(testClock ? ['--test-clock'] : [])],
    {
      env: { PATH: process.env.PATH, RUST_LOG: process.env.RUST_LOG || 'warn', ...settings },
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
    info,
    log: () => log,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => { child.once('exit', r); setTimeout(r, 3000); });
      }
    },
  };
}

/** A fresh database on the cluster of `admin`; its URL. */
function createDatabase(admin) {
  const name = `compat_${process.pid}_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  execFileSync('psql', [admin, '-v', 'ON_ERROR_STOP=1', '-q', '-c', `CREATE DATABASE ${name}`]);
  return `${admin.slice(0, admin.lastIndexOf('/'))}/${name}`;
}

/** A port nothing listens on. */
function freePort() {
  return new Promise((resolvePort, reject) => {
    const probe = createNetServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolvePort(port));
    });
  });
}

/** haproxy with demo/haproxy.cfg on 127.0.0.1:`port` in front of `backends` (host:port), with a stats socket. */
async function startBalancer(root, port, backends) {
  const stats = join(root, 'haproxy.stats');
  const template = readFileSync(join(compatDir, '..', 'demo', 'haproxy.cfg'), 'utf8');
  const config = template
    .replace('bind 127.0.0.1:8080', `bind 127.0.0.1:${port}`)
    .replace('    # servers\n', backends.map((b, i) => `    server replica${i + 1} ${b} check inter 1s\n`).join(''))
    .replace('global\n', `global\n    stats socket ${stats} level admin\n`);
  const path = join(root, 'haproxy.cfg');
  writeFileSync(path, config);
  const child = spawn('/usr/sbin/haproxy', ['-db', '-f', path], { stdio: ['ignore', 'ignore', 'inherit'] });
  const deadline = Date.now() + 15_000;
  while (!(existsSync(stats) && (await accepts(port)))) {
    if (Date.now() > deadline) throw new Error(`haproxy did not listen on 127.0.0.1:${port}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    /** Requests each replica served (haproxy's `stot`; health checks not counted). */
    served: () => new Promise((resolveStats, reject) => {
      let csv = '';
      const socket = connect(stats, () => socket.end('show stat\n'));
      socket.on('data', (d) => { csv += d; });
      socket.on('error', reject);
      socket.on('close', () => {
        const [header, ...rows] = csv.trim().split('\n');
        const stot = header.replace(/^# /, '').split(',').indexOf('stot');
        resolveStats(rows.map((r) => r.split(',')).filter((r) => r[0] === 'replicas' && r[1].startsWith('replica')).map((r) => Number(r[stot])));
      });
    }),
    stop: () => child.kill('SIGKILL'),
  };
}

/** Whether 127.0.0.1:`port` accepts a connection. */
function accepts(port) {
  return new Promise((r) => {
    const socket = connect(port, '127.0.0.1', () => { socket.destroy(); r(true); });
    socket.on('error', () => r(false));
  });
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

