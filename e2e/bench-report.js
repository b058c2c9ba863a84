// Browser benchmark (not a test) of an agency's report editor: an agency officer's tablet
// (768x1024, touch) has the 5,000-task plan open on its agency's tasks; report_editor_first_render_ms is the time from
// tapping "Báo cáo" to the first frame that shows the report of the round with its 30 written
// entries, measured in the page at each animation frame. Median of several runs, each in a
// fresh context.
// Usage: node bench-report.js URL PLAN_ID SESSION_TOKEN
const { chromium } = require('@playwright/test');

const [url, planId, token] = process.argv.slice(2);
const RUNS = 7;
const ENTRIES = 30;

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  const times = [];
  let cards = 0;
  for (let i = 0; i < RUNS; i += 1) {
    const context = await browser.newContext({ viewport: { width: 768, height: 1024 }, hasTouch: true });
    await context.addCookies([{ name: 'kh_phien', value: token, url }]);
    const page = await context.newPage();
    await page.goto(`${url}/plans/${planId}`);
    // The officer's tablet opens on its agency's tasks; the plan is loaded and in sync.
    await page.locator('.sync-pending', { hasText: 'Đã đồng bộ hết' }).waitFor();
    await page.getByRole('button', { name: 'Báo cáo', exact: true }).waitFor();
    // Checked at every animation frame (the fields' values are properties, which a
    // MutationObserver does not see): the first frame whose page shows the 30 written entries.
    const ms = await page.evaluate((entries) => new Promise((resolve, reject) => {
      const tab = [...document.querySelectorAll('button')].find((b) => b.textContent.trim() === 'Báo cáo');
      if (!tab) { reject(new Error('no "Báo cáo" tab')); return; }
      const written = () => [...document.querySelectorAll('.entry textarea')]
        .filter((t) => t.value.startsWith('Trong kỳ')).length;
      const start = performance.now();
      const frame = () => {
        if (written() >= entries) resolve(performance.now() - start);
        else if (performance.now() - start > 30000) reject(new Error('the report did not appear'));
        else requestAnimationFrame(frame);
      };
      tab.click();
      requestAnimationFrame(frame);
    }), ENTRIES);
    cards = await page.locator('.entry').count();
    times.push(ms);
    await context.close();
  }
  await browser.close();
  console.error(`task cards in the report: ${cards}`);
  console.log(`report_editor_first_render_ms: ${median(times).toFixed(0)}`);
})().catch((e) => { console.error(e); process.exit(1); });
