// Browser benchmark (not a test): opens a plan in headless Chromium at a tablet viewport and
// prints how long the tree took to appear (the app's transfer size: xtask's bench.rs).
// Usage: node bench-render.js URL PLAN_ID SESSION_TOKEN
const { chromium } = require('@playwright/test');
const { watchTree } = require('./bench-device');

const [url, planId, token] = process.argv.slice(2);
const RUNS = 7;

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
    await page.addInitScript(watchTree);
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
})().catch((e) => { console.error(e); process.exit(1); });
