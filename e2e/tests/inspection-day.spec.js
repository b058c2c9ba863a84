// A whole day of field inspections with no signal: 20 visits with 3 photos each (the first
// visit's a 4,000 × 3,000 camera picture among them), the tablet reloaded twice on the way, then
// one sync when the network is back. Every record arrives once, every photo is held by the
// server once and byte for byte (sent while another tab is open), and nothing is left waiting
// on the device.
const crypto = require('crypto');
const { test, expect } = require('@playwright/test');
const { backendPerTest } = require('../server');
const { tablet, offlineReady } = require('../report-steps');
const { jpeg } = require('../photo-steps');

const current = backendPerTest(test);
const VISITS = 20;

/// The keys of the photos waiting in the device's storage.
const waitingPhotos = (page) => page.evaluate(() => new Promise((resolve, reject) => {
  const open = indexedDB.open('kehoach');
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const req = open.result.transaction('kv').objectStore('kv').getAllKeys();
    req.onsuccess = () => {
      open.result.close();
      resolve(req.result.map(String).filter((k) => k.startsWith('photo/')).length);
    };
  };
}));

async function openInspections(page) {
  await page.getByRole('button', { name: 'Kiểm tra', exact: true }).tap();
  await expect(page.getByRole('button', { name: 'Thêm phiếu kiểm tra' })).toBeVisible();
}

test('a day of 20 visits and 60 photos offline, with reloads, syncs once: every record and photo exactly once', async ({ browser }) => {
  test.setTimeout(240_000);
  const backend = current();
  await backend.createUser('kiemtra', 'inspector', null, 'Lương Văn Kiểm');
  const context = await browser.newContext({
    ...tablet,
    geolocation: { latitude: 21.85, longitude: 106.76, accuracy: 15 },
    permissions: ['geolocation'],
  });
  const page = await context.newPage();
  await backend.signIn(context, 'kiemtra');
  await page.goto(backend.url);
  await page.getByRole('link', { name: /52\/KH-UBND/ }).tap();
  await expect(page.locator('.sync-pending')).toHaveText('Đã đồng bộ hết');
  await page.getByRole('button', { name: 'Kiểm tra', exact: true }).tap();
  await page.getByRole('button', { name: 'Lập đợt kiểm tra' }).tap();
  const form = page.getByRole('form', { name: 'Lập đợt kiểm tra' });
  await form.getByLabel('Tên đợt kiểm tra').fill('Kiểm tra một ngày tại huyện');
  await form.getByLabel('Thêm địa bàn').selectOption({ index: 1 });
  await form.getByRole('button', { name: 'Lưu đợt kiểm tra' }).tap();
  await expect(page.locator('.sync-pending')).toHaveText('Đã đồng bộ hết');
  const plan = new URL(page.url()).pathname.split('/').pop();

  await offlineReady(page);
  await context.setOffline(true);
  for (let v = 0; v < VISITS; v++) {
    // The tablet is reloaded twice during the day (a closed tab, a restart).
    if (v === 7 || v === 14) {
      await page.reload();
      await openInspections(page);
      await expect(page.locator('.visit-row')).toHaveCount(v);
    }
    await page.getByRole('button', { name: 'Thêm phiếu kiểm tra' }).tap();
    const visit = page.getByRole('form', { name: 'Phiếu kiểm tra' });
    await visit.getByLabel(/Người làm việc với đoàn/).fill(`Ông Nông Văn ${v}, Chủ tịch UBND xã`);
    await visit.getByRole('button', { name: 'Lấy vị trí' }).tap();
    await expect(page.getByTestId('visit-position')).toContainText('sai số');
    await visit.getByRole('button', { name: 'Lưu phiếu' }).tap();
    const files = [];
    for (let k = 0; k < 3; k++) {
      const [w, h] = v === 0 && k === 0 ? [4000, 3000] : [1600, 1200];
      files.push({ name: `IMG_${v}_${k}.jpg`, mimeType: 'image/jpeg', buffer: await jpeg(page, w, h, 100 + v * 3 + k) });
    }
    await page.getByLabel('Chọn ảnh từ thư viện').setInputFiles(files);
    await expect(page.locator('.photo')).toHaveCount(3);
    await expect(page.locator('.photos .notice')).toHaveCount(0);
    await page.getByRole('button', { name: '← Danh sách phiếu' }).tap();
  }
  await expect(page.locator('.visit-row')).toHaveCount(VISITS);
  // 20 visits and 60 photos' notes wait in the outbox; the 60 files in the device's storage.
  await expect(page.locator('.sync-pending')).toHaveText(`${VISITS * 4} thay đổi chờ gửi`);
  expect(await waitingPhotos(page)).toBe(VISITS * 3);
  await page.screenshot({ path: 'test-results/inspection-day-visits-768x1024.png', fullPage: true });

  // Back in signal, the inspector reading the plan's tree: one sync, and the photos go up
  // whatever tab is open.
  await page.getByRole('button', { name: 'Cây kế hoạch', exact: true }).tap();
  await context.setOffline(false);
  await expect(page.locator('.sync-pending')).toHaveText('Đã đồng bộ hết', { timeout: 60_000 });
  await expect.poll(() => waitingPhotos(page), { timeout: 120_000 }).toBe(0);

  // The server holds each record once and each photo once, byte for byte.
  const token = await backend.admin();
  const pulled = await backend.api('POST', `/plans/${plan}/pull`, { cursor: 0, clients: [] }, token);
  const records = pulled.records || [];
  const visits = records.filter((r) => r.kind === 'visit');
  const photos = records.filter((r) => r.kind === 'photo');
  expect(visits).toHaveLength(VISITS);
  expect(new Set(visits.map((r) => r.id)).size).toBe(VISITS);
  expect(photos).toHaveLength(VISITS * 3);
  expect(new Set(photos.map((r) => r.hash)).size).toBe(VISITS * 3);
  expect(photos.filter((p) => p.width === 2000 && p.height === 1500)).toHaveLength(1);
  for (const p of photos) {
    const res = await fetch(`${backend.url}/api/plans/${plan}/photos/${p.hash}`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.length).toBe(p.size);
    expect(crypto.createHash('sha256').update(bytes).digest('hex')).toBe(p.hash);
  }
  await context.close();
});
