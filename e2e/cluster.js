// Several servers behind nginx on one SurrealDB server, as `cargo xtask run --cluster` runs
// them: the database (the workspace's `surreal`), two backends, and nginx with the repository's
// deploy/nginx.conf (its ports replaced by free ones). Waits on health checks, never blindly.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { Backend, PASSWORD, root, untilOk } = require('./server');

const surrealBin = process.env.SURREAL_BIN || path.join(root, 'target', 'debug', 'surreal');
const nginxBin = process.env.NGINX_BIN || '/usr/sbin/nginx';
const DB_PASSWORD = 'mat-khau-csdl-thu-nghiem';

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function stopped(proc, signal = 'SIGKILL') {
  if (!proc || proc.exitCode !== null) return Promise.resolve();
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  proc.kill(signal);
  return exited;
}

class Cluster {
  constructor() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-cluster-'));
    this.servers = [];
  }

  get url() { return `http://127.0.0.1:${this.frontPort}`; }

  // The SurrealDB server, on the same port and data at every start.
  async startDatabase() {
    this.db = spawn(surrealBin, ['start', '--no-banner', '--log', 'warn', '--user', 'root', '--pass', DB_PASSWORD,
      '--bind', `127.0.0.1:${this.dbPort}`, `surrealkv://${path.join(this.dir, 'db')}`], { stdio: 'ignore' });
    await untilOk(`http://127.0.0.1:${this.dbPort}/health`, this.db, 'surreal');
  }

  // SIGKILL: the database goes away with no goodbye to its clients.
  async killDatabase() {
    await stopped(this.db);
  }

  async start() {
    this.dbPort = await freePort();
    const dbPort = this.dbPort;
    await this.startDatabase();
    const args = ['--db', `ws://127.0.0.1:${dbPort}`, '--db-credentials', `root:${DB_PASSWORD}`,
      '--photos', path.join(this.dir, 'photos'), '--trust-proxy'];
    // One after the other: the first loads the seed into the empty database.
    for (let i = 0; i < 2; i++) {
      const server = new Backend({ args });
      await server.start();
      this.servers.push(server);
    }
    this.frontPort = await freePort();
    const prefix = path.join(this.dir, 'nginx');
    fs.mkdirSync(path.join(prefix, 'logs'), { recursive: true });
    fs.mkdirSync(path.join(prefix, 'tmp'), { recursive: true });
    const conf = fs.readFileSync(path.join(root, 'deploy', 'nginx.conf'), 'utf8')
      .replace('listen 127.0.0.1:8080;', `listen 127.0.0.1:${this.frontPort};`)
      .replaceAll('server 127.0.0.1:8081 ', `server 127.0.0.1:${this.servers[0].port} `)
      .replaceAll('server 127.0.0.1:8082 ', `server 127.0.0.1:${this.servers[1].port} `);
    const confFile = path.join(prefix, 'nginx.conf');
    fs.writeFileSync(confFile, conf);
    this.nginx = spawn(nginxBin, ['-e', 'stderr', '-p', prefix, '-c', confFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.nginxLog = '';
    this.nginx.stderr.on('data', (d) => { this.nginxLog += d; });
    await untilOk(`${this.url}/api/health`, this.nginx, 'nginx');
  }

  // The address of each server (`127.0.0.1:port`), in the order they were started.
  get upstreams() { return this.servers.map((s) => `127.0.0.1:${s.port}`); }

  // nginx's access log: one { request, upstream, agent } per answered request.
  accessLog() {
    const text = fs.readFileSync(path.join(this.dir, 'nginx', 'logs', 'access.log'), 'utf8');
    return text.split('\n').filter(Boolean).map((line) => {
      const quoted = [...line.matchAll(/"([^"]*)"/g)].map((m) => m[1]);
      return { request: quoted[0], upstream: quoted[1], agent: quoted[2] };
    });
  }

  // Through the last server started: each start makes a new setup link, and the one before
  // stops working.
  async createUser(username, role, agency, name) {
    await this.servers[this.servers.length - 1].createUser(username, role, agency, name);
  }

  // Signs a browser context in through the front address (its cookie is for that origin).
  async signIn(context, username) {
    const res = await context.request.post(`${this.url}/api/session`, { data: { username, password: PASSWORD } });
    if (!res.ok()) throw new Error(`sign in ${username}: ${res.status()} ${await res.text()}`);
  }

  async dispose() {
    await stopped(this.nginx, 'SIGTERM');
    for (const s of this.servers) await s.dispose();
    await stopped(this.db);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

module.exports = { Cluster };
