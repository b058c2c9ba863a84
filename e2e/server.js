// Starts and stops a real backend for browser tests: the built web app, a throwaway database
// on disk (so a restart keeps data), a free port; waits on /api/health, never sleeps blindly.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const backendBin = process.env.BACKEND_BIN || path.join(root, 'target', 'debug', 'backend');
const staticDir = process.env.STATIC_DIR || path.join(root, 'frontend', 'dist');

// Waits until `url` answers 200, failing early when `proc` (`what`) ends.
async function untilOk(url, proc, what, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`${what} exited with ${proc.exitCode}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch (_) { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 100)); // poll interval while waiting on a condition
  }
  throw new Error(`${what} at ${url} not healthy after ${timeoutMs} ms`);
}

// Every test account's password.
const PASSWORD = 'mat-khau-thu-nghiem';

class Backend {
  // options.staticDir: the web app's files (a test that changes them uses a copy).
  // options.args: more flags for `serve` (a SurrealDB server's address, …).
  constructor(options = {}) {
    this.staticDir = options.staticDir || staticDir;
    this.args = options.args || [];
    this.dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-e2e-'));
    this.port = null;
    this.proc = null;
    this.log = '';
  }

  get url() { return `http://127.0.0.1:${this.port}`; }

  // The first start lets the server pick a free port and reads which from its output (no
  // port handed over that another process could take in between); a restart keeps it, so
  // that the app's origin, and with it the browser's storage, stays the same.
  async start() {
    const port = this.port === null ? 0 : this.port;
    this.proc = spawn(backendBin, ['serve', '--addr', `127.0.0.1:${port}`, '--data-dir', this.dataDir, '--static-dir', this.staticDir, ...this.args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, RUST_LOG: 'warn' },
    });
    const listening = new Promise((resolve, reject) => {
      this.proc.stdout.on('data', (d) => {
        this.log += d;
        const m = this.log.match(/Máy chủ đang chạy: http:\/\/127\.0\.0\.1:(\d+)/);
        if (m) resolve(Number(m[1]));
      });
      this.proc.once('exit', (code) => reject(new Error(`the server ended (${code}):\n${this.log}`)));
    });
    this.proc.stderr.on('data', (d) => { this.log += d; });
    this.port = await listening;
    await untilOk(`${this.url}/api/health`, this.proc, 'backend');
  }

  async stop(signal = 'SIGTERM') {
    if (!this.proc || this.proc.exitCode !== null) return;
    const exited = new Promise((resolve) => this.proc.once('exit', resolve));
    this.proc.kill(signal);
    await exited;
  }

  // The one-time setup link the server printed on its first start (no administrator yet).
  async setupToken(timeoutMs = 10_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.log.match(/#ma=([0-9a-f]+)/);
      if (m) return m[1];
      if (Date.now() > deadline) throw new Error(`no setup link in the server's output:\n${this.log}`);
      await new Promise((r) => setTimeout(r, 20)); // poll interval while waiting on a condition
    }
  }

  async api(method, path, body, token) {
    const res = await fetch(`${this.url}/api${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  }

  // Creates the administrator with the setup link (as an operator would), once.
  async admin() {
    if (!this.adminToken) {
      const token = await this.setupToken();
      const session = await this.api('POST', '/setup', {
        token, username: 'quantri', name: 'Quản trị viên', password: PASSWORD, want_token: true,
      });
      this.adminToken = session.token;
    }
    return this.adminToken;
  }

  async createUser(username, role, agency, name) {
    await this.api('POST', '/users', {
      username, name: name || `Cán bộ ${username}`, password: PASSWORD, role, agency,
    }, await this.admin());
  }

  // Signs a browser context in (its cookie jar is shared with its pages).
  async signIn(context, username) {
    const res = await context.request.post(`${this.url}/api/session`, { data: { username, password: PASSWORD } });
    if (!res.ok()) throw new Error(`sign in ${username}: ${res.status()} ${await res.text()}`);
  }

  async restart() {
    await this.stop();
    await this.start();
  }

  async dispose() {
    await this.stop('SIGKILL');
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/// Gives each test of the file its own server and database, loaded with the seed plan; returns
/// a function that gives the current test's backend.
function backendPerTest(test) {
  let backend;
  test.beforeEach(async () => {
    backend = new Backend();
    await backend.start();
    // The standing agency's officer, who edits the plan and assigns its tasks.
    await backend.createUser('bdt', 'standing', 'BDT', 'Nguyễn Thị Thường Trực');
  });
  test.afterEach(async () => {
    await backend.dispose();
  });
  return () => backend;
}

module.exports = { Backend, backendPerTest, PASSWORD, root, staticDir, untilOk };
