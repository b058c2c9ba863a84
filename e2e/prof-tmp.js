const { chromium } = require('@playwright/test');
const [url, plan] = process.argv.slice(2);
(async () => {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox','--disable-gpu','--disable-background-networking','--disable-component-update','--disable-sync'] });
  for (let i = 0; i < 3; i++) {
    const ctx = await browser.newContext({ viewport: { width: 768, height: 1024 }, hasTouch: true });
    const page = await ctx.newPage();
    page.on('console', m => console.log('console:', m.text()));
    await page.goto(`${url}/plans/${plan}`, { waitUntil: 'commit' });
    await page.waitForSelector('[role=treeitem]');
    const r = await page.evaluate(() => new Promise(res => requestAnimationFrame(() => res({
      now: performance.now(),
      res: performance.getEntriesByType('resource').map(e => [e.name.split('/').pop().slice(0,30), Math.round(e.startTime), Math.round(e.responseEnd), e.transferSize]),
      nav: performance.getEntriesByType('navigation').map(e => [Math.round(e.responseEnd), Math.round(e.domContentLoadedEventEnd)]),
      marks: performance.getEntriesByType('mark').map(m => [m.name, Math.round(m.startTime)]),
    }))));
    console.log(JSON.stringify(r));
    await ctx.close();
  }
  await browser.close();
})();
