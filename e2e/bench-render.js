// Browser benchmark (not a test): opens a plan in headless Chromium at a tablet viewport and
// prints how long the tree took to appear, plus the app's gzip-compressed transfer size.
// Usage: node bench-render.js URL PLAN_ID STATIC_DIR SESSION_TOKEN
const { chromium } = require('@playwright/test');
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');

const [url, planId, staticDir, token] = process.argv.slice(2);
const RUNS = 7;

function gzipKb(dir) {
  const files = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(wasm|js|css|html)$/.test(e.name)) files.push(p);
    }
  };
  walk(dir);
  const bytes = files.reduce((sum, f) => sum + zlib.gzipSync(fs.readFileSync(f), { level: 9 }).length, 0);
  return bytes / 1024;
}

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  const times = [];
  for (let i = 0; i < RUNS; i += 1) {
    // A fresh context each time: nothing cached, as on a first visit.
    const context = await browser.newContext({ viewport: { width: 768, height: 1024 }, hasTouch: true });
    await context.addCookies([{ name: 'kh_phien', value: token, url }]);
    const page = await context.newPage();
    // Time from navigation start to the first frame that shows tree rows, recorded in the page
    // itself (a MutationObserver, then the next animation frame), so the measurement does not
    // include the test driver's own round trips.
    await page.addInitScript(() => {
      const seen = () => document.querySelector('[role=treeitem]');
      const observer = new MutationObserver(() => {
        if (!seen()) return;
        observer.disconnect();
        requestAnimationFrame(() => { window.__treePainted = performance.now(); });
      });
      observer.observe(document, { childList: true, subtree: true });
    });
    await page.goto(`${url}/plans/${planId}`, { waitUntil: 'commit' });
    await page.waitForFunction(() => window.__treePainted !== undefined);
    const t = await page.evaluate(() => window.__treePainted);
    const rows = await page.locator('[role=treeitem]').count();
    if (i === 0) console.error(`rows in the page: ${rows}`);
    times.push(t);
    await context.close();
  }
  await browser.close();
  times.sort((a, b) => a - b);
  console.log(`tree_first_render_ms: ${times[Math.floor(times.length / 2)].toFixed(0)}`);
  console.log(`app_transfer_gzip_kb: ${gzipKb(staticDir).toFixed(0)}`);
})().catch((e) => { console.error(e); process.exit(1); });
