// Browser benchmark (not a test) of a low-end tablet on a weak connection, in headless Chromium:
// - first_visit_3g_ms: a first visit over 3G (1.6 Mbps down, 750 kbps up, 300 ms latency), from
//   navigation to the first frame showing the list of plans (the app usable; marked in the page
//   since 06/12/2026, like the tree: the driver's own round trips added ~300 ms before);
//   first_visit_3g_plan_5k_ms: to the tree of the 5,000-task plan (its 743 KB of data included); first_visit_3g_bodies_ms: to
//   the tasks' texts downloaded (asked for once the tree shows); later_visit_3g_ms and
//   later_visit_app_requests (requests for the app's files that reached the network: 0 when
//   the service worker serves them all);
// - cold_start_cached_ms: the installed app opened with no network on a CPU slowed 4×, from
//   navigation to the tree on screen, with idb_read_ms / idb_parse_ms (reading the device's
//   copy of the plan out of IndexedDB, then decoding it);
// - sync_20_edits_3g_ms: 20 title edits made offline, then sent over 3G: from the network's
//   return to the first frame that says "Đã đồng bộ hết" (marked in the page since 06/12/2026);
// - scroll_20k_dropped_frames: the percentage of frames missed while the tree of a 20,000-task
//   plan is flung through (4 px per ms for 5 s; the filter "a" shows nearly every task), with
//   scroll_20k_fps.
// Usage: node bench-device.js URL PLAN_ID BIG_PLAN_ID SESSION_TOKEN
const { chromium } = require('@playwright/test');

const [url, planId, bigPlanId, token] = process.argv.slice(2);
const RUNS = 5;
const G3 = { offline: false, latency: 300, downloadThroughput: (1.6e6 / 8), uploadThroughput: (750e3 / 8) };
const OFFLINE = { offline: true, latency: 0, downloadThroughput: -1, uploadThroughput: -1 };
const FAST = { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 };

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// Marks the first frame that shows tree rows (window.__treePainted, ms since navigation) and the
// first that shows the list of plans (window.__listPainted), in the page itself (a
// MutationObserver, then the next animation frame), so that the measurement does not include
// the test driver's own round trips (over the emulated 3G link, ~300 ms after the list showed).
// Also used by bench-render.js.
function watchTree() {
  const watched = [['[role=treeitem]', '__treePainted'], ['.plan-card', '__listPainted']];
  const observer = new MutationObserver(() => {
    for (const entry of watched) {
      if (entry[2] || !document.querySelector(entry[0])) continue;
      entry[2] = true;
      requestAnimationFrame(() => { window[entry[1]] = performance.now(); });
    }
    if (watched.every((entry) => entry[2])) observer.disconnect();
  });
  observer.observe(document, { childList: true, subtree: true });
}

async function newContext(browser, viewport = { width: 768, height: 1024 }) {
  const context = await browser.newContext({ viewport, hasTouch: true });
  await context.addCookies([{ name: 'kh_phien', value: token, url }]);
  await context.addInitScript(watchTree);
  return context;
}

async function network(page, conditions) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', conditions);
  return cdp;
}

async function openPlan(page, id) {
  await page.goto(`${url}/plans/${id}`, { waitUntil: 'commit' });
  await page.waitForFunction(() => window.__treePainted !== undefined, null, { timeout: 120_000 });
  return page.evaluate(() => window.__treePainted);
}

/// When, from the navigation, the answer with the nodes' bodies had arrived whole.
async function bodiesArrived(page) {
  const handle = await page.waitForFunction(() => {
    const e = performance.getEntriesByType('resource').find((r) => r.name.includes('/bodies'));
    return e && e.responseEnd > 0 ? e.responseEnd : false;
  }, null, { timeout: 120_000, polling: 100 });
  return handle.jsonValue();
}

/// The page is installed: controlled by the service worker, the plan kept in IndexedDB.
async function installed(page) {
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
  await page.locator('.sync-pending', { hasText: 'Đã đồng bộ hết' }).waitFor();
  await page.waitForFunction(async () => {
    const db = await new Promise((ok, no) => { const r = indexedDB.open('kehoach'); r.onsuccess = () => ok(r.result); r.onerror = no; });
    const keys = await new Promise((ok) => { const r = db.transaction('kv').objectStore('kv').getAllKeys(); r.onsuccess = () => ok(r.result); });
    db.close();
    return keys.some((k) => String(k).endsWith(':synced'));
  }, null, { polling: 100 });
}

async function firstAndLaterVisits(browser) {
  // The app usable: the list of plans on screen after a first visit to its address.
  const usable = [];
  for (let i = 0; i < RUNS; i += 1) {
    const context = await newContext(browser);
    const page = await context.newPage();
    await network(page, G3);
    await page.goto(url, { waitUntil: 'commit' });
    await page.waitForFunction(() => window.__listPainted !== undefined, null, { timeout: 60_000 });
    usable.push(await page.evaluate(() => window.__listPainted));
    await context.close();
  }
  console.log(`first_visit_3g_ms: ${median(usable).toFixed(0)}`);
  const first = [];
  const bodies = [];
  const later = [];
  let appRequests = 0;
  for (let i = 0; i < RUNS; i += 1) {
    const context = await newContext(browser);
    const page = await context.newPage();
    await network(page, G3);
    first.push(await openPlan(page, planId));
    bodies.push(await bodiesArrived(page));
    await installed(page);
    await page.close();
    const again = await context.newPage();
    await network(again, G3);
    again.on('requestfinished', async (req) => {
      const res = await req.response();
      if (!new URL(req.url()).pathname.startsWith('/api/') && res && !res.fromServiceWorker()) appRequests += 1;
    });
    later.push(await openPlan(again, planId));
    await context.close();
  }
  console.log(`first_visit_3g_plan_5k_ms: ${median(first).toFixed(0)}`);
  console.log(`first_visit_3g_bodies_ms: ${median(bodies).toFixed(0)}`);
  console.log(`later_visit_3g_ms: ${median(later).toFixed(0)}`);
  console.log(`later_visit_app_requests: ${appRequests}`);
}

async function coldStartCached(browser) {
  const context = await newContext(browser);
  const page = await context.newPage();
  await openPlan(page, planId);
  await installed(page);
  await page.close();
  await context.setOffline(true);
  const times = [];
  const reads = [];
  const parses = [];
  for (let i = 0; i < RUNS; i += 1) {
    const p = await context.newPage();
    const cdp = await context.newCDPSession(p);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
    times.push(await openPlan(p, planId));
    const at = (name) => p.evaluate((n) => performance.getEntriesByName(n)[0]?.startTime, name);
    reads.push((await at('idb-read-end')) - (await at('idb-read-start')));
    parses.push((await at('idb-parsed')) - (await at('idb-read-end')));
    if (i === RUNS - 1) {
      const marks = await p.evaluate(() => performance.getEntriesByType('mark').map((m) => `${m.name} ${m.startTime.toFixed(0)}`)
        .concat(performance.getEntriesByType('resource').map((r) => `${r.name.replace(/^.*\//, '')} ${r.startTime.toFixed(0)}–${r.responseEnd.toFixed(0)}`)));
      console.error(`cold start, last run: ${marks.join(', ')}, tree ${times[i].toFixed(0)}`);
    }
    await p.close();
  }
  await context.close();
  console.log(`cold_start_cached_ms: ${median(times).toFixed(0)}`);
  console.log(`idb_read_ms: ${median(reads).toFixed(0)}`);
  console.log(`idb_parse_ms: ${median(parses).toFixed(0)}`);
}

async function sync20Edits(browser) {
  const times = [];
  for (let i = 0; i < 3; i += 1) {
    // Landscape: the details beside the tree.
    const context = await newContext(browser, { width: 1024, height: 768 });
    const page = await context.newPage();
    const cdp = await network(page, G3);
    await openPlan(page, planId);
    await installed(page);
    await cdp.send('Network.emulateNetworkConditions', OFFLINE);
    await page.locator('.sync-state', { hasText: 'Ngoại tuyến' }).waitFor();
    for (let e = 0; e < 20; e += 1) {
      await page.getByRole('treeitem').nth(e).tap();
      const title = page.getByLabel('Tiêu đề');
      await title.fill(`Sửa khi mất sóng ${i}.${e}`);
      await title.blur();
    }
    await page.locator('.sync-pending', { hasText: '20 thay đổi chờ gửi' }).waitFor();
    // Timed in the page, from just before the network returns to the first frame that says
    // everything was sent (the driver's own round trips over the emulated link are not in it).
    await page.evaluate(() => {
      window.__synced = undefined;
      const done = () => document.querySelector('.sync-pending')?.textContent.includes('Đã đồng bộ hết');
      const observer = new MutationObserver(() => {
        if (!done()) return;
        observer.disconnect();
        requestAnimationFrame(() => { window.__synced = performance.now(); });
      });
      observer.observe(document.body, { childList: true, characterData: true, subtree: true });
      window.__networkBack = performance.now();
    });
    await cdp.send('Network.emulateNetworkConditions', G3);
    await page.waitForFunction(() => window.__synced !== undefined, null, { timeout: 60_000 });
    times.push(await page.evaluate(() => window.__synced - window.__networkBack));
    await context.close();
  }
  console.log(`sync_20_edits_3g_ms: ${median(times).toFixed(0)}`);
}

async function scroll20k(browser) {
  const context = await newContext(browser);
  const page = await context.newPage();
  await network(page, FAST);
  await openPlan(page, bigPlanId);
  // Every task on screen: a filter that nearly all titles match shows them with their parents.
  await page.getByLabel('Lọc cây kế hoạch').fill('a');
  await page.waitForFunction(() => document.querySelector('.tree-inner').getBoundingClientRect().height > 64 * 15000);
  const rows = await page.evaluate(() => document.querySelector('.tree-inner').getBoundingClientRect().height / 64);
  const result = await page.evaluate(() => new Promise((done) => {
    const tree = document.querySelector('[role=tree]');
    const deltas = [];
    let last = null;
    let start = null;
    const frame = (t) => {
      if (start === null) start = t;
      if (last !== null) deltas.push(t - last);
      last = t;
      tree.scrollTop = (t - start) * 4;
      if (t - start < 5000) requestAnimationFrame(frame);
      else done(deltas);
    };
    requestAnimationFrame(frame);
  }));
  const interval = median(result);
  const missed = result.reduce((sum, d) => sum + Math.max(0, Math.round(d / interval) - 1), 0);
  const frames = result.length + missed;
  console.error(`scroll: ${rows} rows, ${result.length} frames shown, frame interval ${interval.toFixed(1)} ms`);
  console.log(`scroll_20k_dropped_frames: ${(100 * missed / frames).toFixed(1)}`);
  console.log(`scroll_20k_fps: ${(1000 * result.length / result.reduce((a, b) => a + b, 0)).toFixed(0)}`);
  await context.close();
}

async function main() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  const only = process.env.ONLY;
  if (!only || only === 'visits') await firstAndLaterVisits(browser);
  if (!only || only === 'cold') await coldStartCached(browser);
  if (!only || only === 'sync') await sync20Edits(browser);
  if (!only || only === 'scroll') await scroll20k(browser);
  await browser.close();
}

module.exports = { watchTree };

if (require.main === module) main().catch((e) => { console.error(e); process.exit(1); });
