// Starts and stops a real backend for browser tests: the built web app, a throwaway database
// on disk (so a restart keeps data), a free port; waits on /api/health, never sleeps blindly.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const net = require('node:net');

const root = path.resolve(__dirname, '..');
const backendBin = process.env.BACKEND_BIN || path.join(root, 'target', 'debug', 'backend');
const staticDir = process.env.STATIC_DIR || path.join(root, 'frontend', 'dist');

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

async function waitHealthy(url, proc, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`backend exited with ${proc.exitCode}`);
    try {
      const res = await fetch(`${url}/api/health`);
      if (res.ok) return;
    } catch (_) { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 100)); // poll interval while waiting on a condition
  }
  throw new Error(`backend at ${url} not healthy after ${timeoutMs} ms`);
}

class Backend {
  constructor() {
    this.dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-e2e-'));
    this.port = null;
    this.proc = null;
    this.log = '';
  }

  get url() { return `http://127.0.0.1:${this.port}`; }

  async start() {
    if (this.port === null) this.port = await freePort();
    this.proc = spawn(backendBin, ['serve', '--addr', `127.0.0.1:${this.port}`, '--data-dir', this.dataDir, '--static-dir', staticDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, RUST_LOG: 'warn' },
    });
    this.proc.stdout.on('data', (d) => { this.log += d; });
    this.proc.stderr.on('data', (d) => { this.log += d; });
    await waitHealthy(this.url, this.proc);
  }

  async stop(signal = 'SIGTERM') {
    if (!this.proc || this.proc.exitCode !== null) return;
    const exited = new Promise((resolve) => this.proc.once('exit', resolve));
    this.proc.kill(signal);
    await exited;
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
  });
  test.afterEach(async () => {
    await backend.dispose();
  });
  return () => backend;
}

module.exports = { Backend, backendPerTest };
