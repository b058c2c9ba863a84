// Browser benchmark (not a test) of a day of field inspections on a tablet (768x1024, touch):
// a round is opened, then, with no network, 20 visits are recorded with 3 photos each (the first
// visit's are 4,000 x 3,000 camera pictures); then the network comes back and everything syncs.
//   photo_downscale_ms     a 4,000 x 3,000 JPEG made upright, downscaled to 2,000 px, encoded and
//                          hashed on the device (median of the first visit's three)
//   visit_save_ms          saving a visit record that has 3 photos, to the first frame that says
//                          it is kept on the device (median over the day)
//   inspection_sync_ms     from the network's return to every record synced and every photo held
//                          by the server (loopback)
//   photo_upload_overhead  bytes sent in uploads / bytes of the photos
// Usage: node bench-inspection.js URL PLAN_ID SESSION_TOKEN (an administrator's or inspector's)
const { chromium } = require('@playwright/test');
const { jpeg } = require('./photo-steps');

const [url, planId, token] = process.argv.slice(2);
const VISITS = 20;
// Photos new to the server at every run (it keeps each photo once).
const SEED = Date.now() % 1000000;
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

/// The photos waiting in the device's storage: how many, and their bytes.
const waiting = (page) => page.evaluate(() => new Promise((resolve, reject) => {
  const open = indexedDB.open('kehoach');
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const store = open.result.transaction('kv').objectStore('kv');
    const req = store.openCursor();
    let count = 0; let bytes = 0;
    req.onsuccess = () => {
      const c = req.result;
      if (!c) { open.result.close(); resolve({ count, bytes }); return; }
      if (String(c.key).startsWith('photo/')) { count += 1; bytes += c.value.size; }
      c.continue();
    };
  };
}));

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({
    viewport: { width: 768, height: 1024 }, hasTouch: true,
    geolocation: { latitude: 21.85, longitude: 106.76, accuracy: 15 }, permissions: ['geolocation'],
  });
  await context.addCookies([{ name: 'kh_phien', value: token, url }]);
  const page = await context.newPage();
  await page.goto(`${url}/plans/${planId}`);
  await page.locator('.sync-pending', { hasText: 'Đã đồng bộ hết' }).waitFor();
  await page.getByRole('button', { name: 'Kiểm tra', exact: true }).tap();
  await page.getByRole('button', { name: 'Lập đợt kiểm tra' }).tap();
  const form = page.getByRole('form', { name: 'Lập đợt kiểm tra' });
  await form.getByLabel('Tên đợt kiểm tra').fill('Đợt kiểm tra đo thời gian');
  await form.getByLabel('Thêm địa bàn').selectOption({ index: 1 });
  await form.getByRole('button', { name: 'Lưu đợt kiểm tra' }).tap();
  await page.getByRole('button', { name: 'Thêm phiếu kiểm tra' }).waitFor();
  await page.locator('.sync-pending', { hasText: 'Đã đồng bộ hết' }).waitFor();

  const big = [];
  for (let i = 0; i < 3; i++) big.push(await jpeg(page, 4000, 3000, SEED + 1000 + i));
  await context.setOffline(true);
  const saves = [];
  for (let v = 0; v < VISITS; v++) {
    await page.getByRole('button', { name: 'Thêm phiếu kiểm tra' }).tap();
    const visit = page.getByRole('form', { name: 'Phiếu kiểm tra' });
    await visit.getByLabel(/Người làm việc với đoàn/).fill(`Ông Nông Văn ${v}, Chủ tịch UBND xã`);
    await visit.getByRole('button', { name: 'Lấy vị trí' }).tap();
    await page.getByTestId('visit-position').filter({ hasText: 'sai số' }).waitFor();
    await visit.getByRole('button', { name: 'Lưu phiếu' }).tap();
    const files = [];
    for (let k = 0; k < 3; k++) {
      files.push({ name: `IMG_${v}_${k}.jpg`, mimeType: 'image/jpeg', buffer: v === 0 ? big[k] : await jpeg(page, 1600, 1200, SEED + v * 3 + k) });
    }
    await page.getByLabel('Chọn ảnh từ thư viện').setInputFiles(files);
    await page.locator('.photo').nth(2).waitFor();
    await page.locator('.photos .notice').waitFor({ state: 'detached' });
    // The visit saved again, now with its 3 photos: to the first frame that says it is kept.
    const shown = page.locator('.status .notice');
    if (await shown.count()) {
      await page.locator('.status').getByRole('button', { name: 'Ẩn' }).tap();
      await shown.waitFor({ state: 'detached' });
    }
    saves.push(await page.evaluate(() => new Promise((resolve, reject) => {
      const notice = () => document.querySelector('.status .notice');
      const button = [...document.querySelectorAll('button')].find((b) => b.textContent.trim() === 'Lưu phiếu');
      if (!button) { reject(new Error('no "Lưu phiếu"')); return; }
      const start = performance.now();
      const frame = () => {
        if (notice()) resolve(performance.now() - start);
        else if (performance.now() - start > 10000) reject(new Error('not saved'));
        else requestAnimationFrame(frame);
      };
      button.click();
      requestAnimationFrame(frame);
    })));
    await page.getByRole('button', { name: '← Danh sách phiếu' }).tap();
  }
  const downscale = await page.evaluate(() => window.__khPhotoMs.slice(0, 3));
  const kept = await waiting(page);
  let sent = 0;
  page.on('request', (r) => { if (r.method() === 'PUT' && r.url().includes('/upload/')) sent += (r.postDataBuffer() || Buffer.alloc(0)).length; });
  const start = Date.now();
  await context.setOffline(false);
  await page.locator('.sync-pending', { hasText: 'Đã đồng bộ hết' }).waitFor({ timeout: 120000 });
  // Every photo held by the server: none left waiting in the device's storage (looked at in the
  // page every 50 ms).
  await page.evaluate(() => new Promise((resolve, reject) => {
    const started = performance.now();
    const look = () => {
      const open = indexedDB.open('kehoach');
      open.onsuccess = () => {
        const req = open.result.transaction('kv').objectStore('kv').getAllKeys();
        req.onsuccess = () => {
          open.result.close();
          if (!req.result.some((k) => String(k).startsWith('photo/'))) resolve();
          else if (performance.now() - started > 300000) reject(new Error('photos still waiting'));
          else setTimeout(look, 50);
        };
      };
    };
    look();
  }));
  const syncMs = Date.now() - start;
  await browser.close();
  console.error(`visits: ${VISITS}, photos: ${kept.count} (${(kept.bytes / 1048576).toFixed(1)} MB)`);
  console.log(`photo_downscale_ms: ${median(downscale).toFixed(0)}`);
  console.log(`visit_save_ms: ${median(saves).toFixed(0)}`);
  console.log(`inspection_sync_ms: ${syncMs}`);
  console.log(`photo_upload_overhead: ${(sent / kept.bytes).toFixed(3)}`);
})().catch((e) => { console.error(e); process.exit(1); });
