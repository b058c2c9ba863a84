// The installed app: a manifest with icons (home screen), files sent Brotli-compressed, and a
// new version that waits until the user is not editing, then offers "Có phiên bản mới — tải lại".
const { test, expect } = require('@playwright/test');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Backend, staticDir } = require('../server');

let backend;
let appDir;

test.beforeEach(async () => {
  // A copy of the web app, so that this test may publish a "new version" of it.
  appDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-app-'));
  fs.cpSync(staticDir, appDir, { recursive: true });
  backend = new Backend({ staticDir: appDir });
  await backend.start();
  await backend.createUser('bdt', 'standing', 'BDT', 'Nguyễn Thị Thường Trực');
});

test.afterEach(async () => {
  await backend.dispose();
  fs.rmSync(appDir, { recursive: true, force: true });
});

/// The seed plan opened from the list of plans; returns its address.
async function openSeedPlan(page) {
  await backend.signIn(page.context(), 'bdt');
  await page.goto(backend.url);
  await page.getByRole('link', { name: /52\/KH-UBND/ }).tap();
  await expect(page.getByRole('treeitem', { name: /CÁC NHIỆM VỤ CỤ THỂ/ })).toBeVisible();
  return page.url().split('?')[0];
}

/// A tablet that has never opened the app, signed in as the standing officer.
async function newTablet(page) {
  const context = await page.context().browser().newContext({ viewport: { width: 768, height: 1024 }, hasTouch: true });
  await backend.signIn(context, 'bdt');
  return { context, tablet: await context.newPage() };
}

/// The seed plan open, the page controlled by the service worker (the app installed).
async function openInstalled(page) {
  await openSeedPlan(page);
  await page.evaluate(() => navigator.serviceWorker.ready);
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
}

function pngSize(bytes) {
  expect(bytes.subarray(1, 4).toString()).toBe('PNG');
  return [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
}

test('the app can be installed: manifest, icons, and its files sent Brotli-compressed', async ({ page }) => {
  await page.goto(backend.url);
  const href = await page.locator('link[rel=manifest]').getAttribute('href');
  const res = await page.request.get(new URL(href, backend.url).href);
  expect(res.headers()['content-type']).toBe('application/manifest+json');
  const manifest = await res.json();
  expect(manifest).toMatchObject({ name: 'Theo dõi kế hoạch', short_name: 'Kế hoạch', lang: 'vi', display: 'standalone', start_url: '/' });
  const sizes = [];
  for (const icon of manifest.icons) {
    const file = await page.request.get(new URL(icon.src, backend.url).href);
    expect(file.ok()).toBe(true);
    const [w, h] = pngSize(await file.body());
    expect(`${w}x${h}`).toBe(icon.sizes);
    sizes.push(`${icon.sizes} ${icon.purpose}`);
  }
  expect(sizes).toEqual(expect.arrayContaining(['192x192 any', '512x512 any', '512x512 maskable']));
  // Every file of the app goes out compressed with Brotli to a browser that accepts it.
  for (const file of ['/', '/pkg/frontend_bg.wasm', '/pkg/frontend.js', '/style.css', '/sw.js', '/manifest.webmanifest']) {
    const r = await page.request.get(`${backend.url}${file}`, { headers: { 'accept-encoding': 'br, gzip' } });
    expect(r.headers()['content-encoding'], file).toBe('br');
  }
});

test('a new version waits while the user edits, then offers a reload that brings it in', async ({ page }) => {
  await openInstalled(page);
  const before = await page.evaluate(() => caches.keys());
  expect(before).toHaveLength(1);

  // The user is typing in the filter when a new version is published.
  const filter = page.getByLabel('Lọc cây kế hoạch');
  await filter.tap();
  await filter.fill('giao duc');
  const sw = path.join(appDir, 'sw.js');
  fs.writeFileSync(sw, fs.readFileSync(sw, 'utf8').replace(/kehoach-([0-9a-f]+)/, 'kehoach-$1-moi'));
  for (const packed of ['sw.js.br', 'sw.js.gz']) fs.rmSync(path.join(appDir, packed), { force: true });
  await page.evaluate(async () => (await navigator.serviceWorker.getRegistration()).update());
  await expect.poll(() => page.evaluate(async () => (await navigator.serviceWorker.getRegistration()).waiting !== null)).toBe(true);

  // Nothing interrupts the editing; the old version keeps running.
  const notice = page.getByRole('button', { name: 'Có phiên bản mới — tải lại' });
  await expect(notice).toHaveCount(0);
  await expect(filter).toBeFocused();
  await expect(filter).toHaveValue('giao duc');

  // Done editing: the notice shows, and a tap brings the new version in.
  await filter.blur();
  await expect(notice).toBeVisible();
  await page.screenshot({ path: 'test-results/update-notice.png' });
  const reloaded = page.waitForEvent('load');
  await notice.tap();
  await reloaded;
  await expect.poll(() => page.evaluate(() => caches.keys())).toEqual([before[0] + '-moi']);
  await expect(page.getByRole('treeitem', { name: /CÁC NHIỆM VỤ CỤ THỂ/ })).toBeVisible();
  await expect(notice).toHaveCount(0);
});

test('the pages loaded apart (reports, import) open offline once the app is installed, none opened before', async ({ page }) => {
  await openInstalled(page);
  // None of them was opened online: they come from the service worker's copy.
  const parts = await page.evaluate(async () => (await (await caches.open((await caches.keys())[0])).keys())
    .map((r) => new URL(r.url).pathname).filter((p) => /\/pkg\/(split_|chunk_|__wasm_split)/.test(p)));
  expect(parts.filter((p) => p.includes('split_')).length).toBeGreaterThanOrEqual(3);
  await page.context().setOffline(true);
  await page.reload();
  await page.getByRole('button', { name: 'Báo cáo', exact: true }).tap();
  await expect(page.getByRole('heading', { name: 'Kỳ báo cáo' })).toBeVisible();
  await page.goto(`${backend.url}/nhap-ke-hoach`);
  await expect(page.getByRole('heading', { name: /Nhập kế hoạch/ })).toBeVisible();
});

test('a tab whose module cannot be loaded yet says so in words; the app goes on working, and the tab opens once it can', async ({ page }) => {
  // A new tablet (no service worker yet) whose requests for the reports' and the board's
  // modules fail: a first visit that lost the network before the app's parts were kept.
  const address = await openSeedPlan(page);
  const context = await page.context().browser().newContext({
    viewport: { width: 768, height: 1024 }, hasTouch: true, serviceWorkers: 'block',
  });
  try {
    await backend.signIn(context, 'bdt');
    const tablet = await context.newPage();
    const errors = [];
    tablet.on('pageerror', (e) => errors.push(String(e)));
    tablet.on('console', (m) => { if (/panicked/.test(m.text())) errors.push(m.text()); });
    let blocked = true;
    let asked = 0;
    await context.route(/\/pkg\/split_(reports|board)_tab/, (route) => {
      asked += 1;
      return blocked ? route.abort() : route.continue();
    });
    await tablet.goto(address);
    await tablet.getByRole('button', { name: 'Báo cáo', exact: true }).tap();
    const failed = tablet.locator('.apart-failed');
    await expect(failed).toContainText('Chưa tải được phần này của ứng dụng');
    await tablet.screenshot({ path: 'test-results/part-not-loaded-768x1024.png' });

    // Nothing else broke: a title is edited and reaches the server.
    await tablet.getByRole('button', { name: 'Cây kế hoạch', exact: true }).tap();
    await tablet.getByRole('treeitem', { name: /CÁC NHIỆM VỤ CỤ THỂ/ }).tap();
    await tablet.getByLabel('Tiêu đề').fill('CÁC NHIỆM VỤ CỤ THỂ (sửa khi thiếu phần báo cáo)');
    await tablet.getByLabel('Tiêu đề').blur();
    await expect(tablet.locator('.sync-pending')).toHaveText('Đã đồng bộ hết');
    const plan = await backend.api('GET', `/plans/${address.split('/').pop()}`, undefined, await backend.admin());
    expect(plan.nodes.some((n) => n.title === 'CÁC NHIỆM VỤ CỤ THỂ (sửa khi thiếu phần báo cáo)')).toBe(true);

    // The board's tab says the same; once its module can be had, "Thử lại" opens it.
    await tablet.getByRole('button', { name: 'Giao việc', exact: true }).tap();
    await expect(failed).toContainText('Chưa tải được phần này của ứng dụng');
    blocked = false;
    let before = asked;
    await failed.getByRole('button', { name: 'Thử lại' }).tap();
    await expect(tablet.locator('.agency-pane')).toBeVisible();
    await expect(failed).toHaveCount(0);
    expect(asked).toBeGreaterThan(before);

    // The reports' tab, still failed, tries again by itself when the network comes back.
    blocked = true;
    await tablet.getByRole('button', { name: 'Báo cáo', exact: true }).tap();
    await expect(failed).toBeVisible();
    blocked = false;
    before = asked;
    await context.setOffline(true);
    await context.setOffline(false);
    await expect(tablet.getByRole('heading', { name: 'Kỳ báo cáo' })).toBeVisible();
    await expect(failed).toHaveCount(0);
    expect(asked).toBeGreaterThan(before);
    expect(errors).toEqual([]);
  } finally {
    await context.close();
  }
});

test('until the bodies arrive, a task\'s text says it is loading and cannot be edited; then it shows and can be', async ({ page }) => {
  const address = await openSeedPlan(page);
  const task = page.getByRole('treeitem', { name: /CÁC NHIỆM VỤ CỤ THỂ/ });
  const body = 'Nội dung chờ tải';
  await task.tap();
  await page.getByLabel('Nội dung').fill(body);
  await page.getByLabel('Nội dung').blur();
  await expect(page.locator('.sync-pending')).toHaveText('Đã đồng bộ hết');

  // A new tablet whose request for the bodies is held back (a slow link).
  const { context: fresh, tablet } = await newTablet(page);
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  let asked = false;
  await tablet.route('**/api/plans/*/bodies', async (route) => {
    asked = true;
    await held;
    await route.continue();
  });
  await tablet.goto(address);
  await tablet.getByRole('treeitem', { name: /CÁC NHIỆM VỤ CỤ THỂ/ }).tap();
  const text = tablet.getByLabel('Nội dung');
  await expect(text).toBeDisabled();
  await expect(text).toHaveAttribute('placeholder', 'Đang tải nội dung…');
  await expect(text).toHaveValue('');
  await tablet.screenshot({ path: 'test-results/body-loading-768x1024.png' });
  // The title stays editable meanwhile.
  await expect(tablet.getByLabel('Tiêu đề')).toBeEnabled();
  await expect.poll(() => asked).toBe(true);
  release();
  await expect(text).toHaveValue(body);
  await expect(text).toBeEnabled();
  await fresh.close();
});

test('the home page on a new tablet asks who is signed in and for the plans while the app\'s code loads, and the app asks neither again', async ({ page }) => {
  const { context, tablet } = await newTablet(page);
  const asked = [];
  tablet.on('request', (r) => {
    if (r.url().includes('/api/')) asked.push(new URL(r.url()).pathname);
  });
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  await tablet.route('**/pkg/frontend_bg.wasm', async (route) => { await held; await route.continue(); });
  await tablet.goto(backend.url, { waitUntil: 'commit' });
  await expect.poll(() => [...asked].sort()).toEqual(['/api/plans', '/api/session']);
  release();
  await expect(tablet.getByRole('link', { name: /52\/KH-UBND/ })).toBeVisible();
  expect(asked.filter((p) => p === '/api/session' || p === '/api/plans').sort()).toEqual(['/api/plans', '/api/session']);

  // A sign-out made offline and not finished yet (its flag set as the page starts, before any
  // script: the app running now clears it once it has confirmed the session): the list of
  // whoever was signed in is not asked for; the app finishes the sign-out.
  await tablet.addInitScript(() => localStorage.setItem('session:logout-pending', '1'));
  asked.length = 0;
  await tablet.reload();
  await expect(tablet.getByRole('button', { name: 'Đăng nhập' })).toBeVisible();
  expect(asked).not.toContain('/api/plans');
  await context.close();
});

test('a plan\'s address opened on a new tablet asks for the plan while the app loads, its tree first and the bodies next, and never again once it is kept', async ({ page }) => {
  const address = await openSeedPlan(page);
  // A body written on another tablet.
  const body = 'Nội dung viết trên máy khác';
  await page.getByRole('treeitem', { name: /CÁC NHIỆM VỤ CỤ THỂ/ }).tap();
  await page.getByLabel('Nội dung').fill(body);
  await page.getByLabel('Nội dung').blur();
  await expect(page.locator('.sync-pending')).toHaveText('Đã đồng bộ hết');
  const id = new URL(address).pathname.split('/').pop();

  // A tablet that has never opened the plan, given its link.
  const { context: fresh, tablet } = await newTablet(page);
  const asked = [];
  tablet.on('request', (r) => {
    if (r.url().includes('/api/')) asked.push(`${new URL(r.url()).pathname}${new URL(r.url()).search} ${r.postData() || ''}`);
  });
  const whole = (list) => list.filter((r) => /\/pull(\?without=bodies)? \{"cursor":0,/.test(r));
  const bodies = (list) => list.filter((r) => r.includes('/bodies'));
  const sessions = (list) => list.filter((r) => r.startsWith('/api/session '));
  // The app's code held on its way: the plan and who is signed in are asked for meanwhile.
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  await tablet.route('**/pkg/frontend_bg.wasm', async (route) => { await held; await route.continue(); });
  await tablet.goto(address, { waitUntil: 'commit' });
  await expect.poll(() => sessions(asked).length).toBe(1);
  expect(whole(asked)).toHaveLength(1);
  release();
  await expect(tablet.getByRole('treeitem', { name: /CÁC NHIỆM VỤ CỤ THỂ/ })).toBeVisible();
  // Asked once, before the app itself asked anything (it was still loading), without the
  // bodies; they follow once the tree shows.
  expect(whole(asked)).toHaveLength(1);
  expect(asked[0]).toContain('/pull?without=bodies {"cursor":0,');
  // The app took the early answer on who is signed in rather than asking again once its code
  // had loaded (a round trip less over 3G).
  expect(sessions(asked)).toHaveLength(1);
  await expect.poll(() => bodies(asked).length).toBe(1);
  await tablet.getByRole('treeitem', { name: /CÁC NHIỆM VỤ CỤ THỂ/ }).tap();
  await expect(tablet.getByLabel('Nội dung')).toHaveValue(body);
  await expect(tablet.getByLabel('Nội dung')).toBeEnabled();
  // Kept on the tablet, and said so for the next start.
  await expect.poll(() => tablet.evaluate((k) => localStorage.getItem(k), `plan:${id}:kept`)).toBe('1');
  await expect(tablet.locator('.sync-pending')).toHaveText(/Đã đồng bộ hết/);

  // The next start reads the tablet's copy: the plan is not downloaded again.
  asked.length = 0;
  await tablet.reload();
  await expect(tablet.getByRole('treeitem', { name: /CÁC NHIỆM VỤ CỤ THỂ/ })).toBeVisible();
  await expect(tablet.locator('.sync-pending')).toHaveText(/Đã đồng bộ hết/);
  expect(whole(asked)).toEqual([]);
  expect(bodies(asked)).toEqual([]);
  expect(sessions(asked)).toHaveLength(1);
  await tablet.getByRole('treeitem', { name: /CÁC NHIỆM VỤ CỤ THỂ/ }).tap();
  await expect(tablet.getByLabel('Nội dung')).toHaveValue(body);

  // A copy kept by an earlier version (no mark): the early request is cancelled and the copy
  // opens.
  await tablet.evaluate((k) => localStorage.removeItem(k), `plan:${id}:kept`);
  await tablet.reload();
  await expect(tablet.getByRole('treeitem', { name: /CÁC NHIỆM VỤ CỤ THỂ/ })).toBeVisible();
  await expect.poll(() => tablet.evaluate((k) => localStorage.getItem(k), `plan:${id}:kept`)).toBe('1');
  await fresh.close();
});

test('a new tablet whose early request for the plan hangs gives it up after 20 s and asks again: the plan shows without a reload', async ({ page }) => {
  const address = await openSeedPlan(page);

  const { context: fresh, tablet } = await newTablet(page);
  // The first request for the plan (boot.js's, sent while the app loads) reaches nothing that
  // answers (a mobile network changing cells); the next ones pass.
  let pulls = 0;
  await tablet.route('**/api/plans/*/pull*', async (route) => {
    pulls += 1;
    if (pulls === 1) return; // never answered
    return route.continue();
  });
  const started = Date.now();
  await tablet.goto(address);
  await expect(tablet.getByText('Đang tải kế hoạch…')).toBeVisible();
  await expect.poll(() => pulls).toBe(1);
  await expect(tablet.getByRole('treeitem', { name: /CÁC NHIỆM VỤ CỤ THỂ/ })).toBeVisible({ timeout: 30_000 });
  // Shown by the app's own request, once the first was given up (not before 20 s).
  expect(pulls).toBeGreaterThanOrEqual(2);
  expect(Date.now() - started).toBeGreaterThanOrEqual(20_000);
  await expect(tablet.locator('.sync-pending')).toHaveText(/Đã đồng bộ hết/);
  await fresh.close();
});
