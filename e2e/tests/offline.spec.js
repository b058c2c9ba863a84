// Field work: the app opens with no network, edits wait on the device and reach everyone
// when it is back online; concurrent edits of one title become a conflict both sides see.
const { test, expect } = require('@playwright/test');
const { backendPerTest } = require('../server');

// Each test gets its own server and database, loaded with the seed plan.
const current = backendPerTest(test);

async function openSeedPlan(page) {
  await current().signIn(page.context(), 'bdt');
  await page.goto(current().url);
  await page.getByRole('link', { name: /52\/KH-UBND/ }).tap();
  await expect(page.getByRole('treeitem', { name: /CÁC NHIỆM VỤ CỤ THỂ/ })).toBeVisible();
  await expect(page.locator('.sync-pending')).toHaveText('Đã đồng bộ hết');
}

/// Waits until the service worker controls the page, so that it opens with no network.
async function offlineReady(page) {
  await page.evaluate(() => navigator.serviceWorker.ready);
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
}

async function select(page, query, name) {
  // Below 900 px the details cover the tree: go back to it first.
  const back = page.getByRole('button', { name: 'Quay lại cây' });
  if (await back.isVisible()) await back.tap();
  await page.getByLabel('Lọc cây kế hoạch').fill(query);
  const row = page.getByRole('treeitem', { name }).first();
  await row.tap();
  return row;
}

/// Two tablets with the seed plan open.
async function twoDevices(browser) {
  const options = { viewport: { width: 768, height: 1024 }, hasTouch: true };
  const a = await browser.newContext(options);
  const b = await browser.newContext(options);
  const pa = await a.newPage();
  const pb = await b.newPage();
  await openSeedPlan(pa);
  await openSeedPlan(pb);
  return { a, b, pa, pb };
}

async function setTitle(page, text) {
  const title = page.getByLabel('Tiêu đề');
  await title.fill(text);
  await title.blur();
}

test('offline: the app opens after a reload, four edits wait, and another device sees them within a second of the sync', async ({ browser }) => {
  const { a, b, pa, pb } = await twoDevices(browser);
  await offlineReady(pa);

  await a.setOffline(true);
  await pa.reload();
  await expect(pa.getByRole('treeitem', { name: /CÁC NHIỆM VỤ CỤ THỂ/ })).toBeVisible();
  await expect(pa.locator('.sync-state')).toHaveText('○ Ngoại tuyến');

  await select(pa, 'giao duc', /Phát triển giáo dục, đào tạo/);
  await setTitle(pa, 'Giáo dục vùng cao (sửa khi mất sóng)');
  await select(pa, 'phat trien toan dien cac linh vuc y te', /Phát triển toàn diện các lĩnh vực y tế/);
  await setTitle(pa, 'Y tế cơ sở (sửa khi mất sóng)');
  await select(pa, 'bao ton va phat huy ban sac', /Bảo tồn và phát huy bản sắc/);
  await setTitle(pa, 'Văn hoá dân tộc (sửa khi mất sóng)');
  await select(pa, 'sua khi mat song', /Giáo dục vùng cao/);
  await pa.getByRole('button', { name: 'Chuyển đến…' }).tap();
  const dialog = pa.getByRole('dialog', { name: 'Chuyển đến' });
  await dialog.getByLabel('Tìm mục đích').fill('muc dich yeu cau');
  await dialog.getByRole('button', { name: /MỤC ĐÍCH YÊU CẦU/ }).tap();
  await expect(pa.locator('.sync-pending')).toHaveText('4 thay đổi chờ gửi');

  // Still kept after another reload with no network.
  await pa.reload();
  await expect(pa.locator('.sync-pending')).toHaveText('4 thay đổi chờ gửi');

  await a.setOffline(false);
  await expect(pa.locator('.sync-pending')).toHaveText('Đã đồng bộ hết');
  const synced = Date.now();
  await pb.getByLabel('Lọc cây kế hoạch').fill('sua khi mat song');
  await expect(pb.getByRole('treeitem', { name: /sửa khi mất sóng/ })).toHaveCount(3, { timeout: 1000 });
  expect(Date.now() - synced).toBeLessThan(1500);
  await expect(pb.getByRole('treeitem', { name: /Giáo dục vùng cao/ })).toHaveAttribute('aria-level', '2');
  await a.close();
  await b.close();
});

test('two devices edit one title offline: the conflict shows on both with both values, and resolving it on one clears it on both', async ({ browser }) => {
  const { a, b, pa, pb } = await twoDevices(browser);
  await a.setOffline(true);
  await b.setOffline(true);
  await select(pa, 'giao duc', /Phát triển giáo dục, đào tạo/);
  await setTitle(pa, 'Tiêu đề do máy A sửa');
  await select(pb, 'giao duc', /Phát triển giáo dục, đào tạo/);
  await setTitle(pb, 'Tiêu đề do máy B sửa');
  await expect(pa.locator('.sync-pending')).toHaveText('1 thay đổi chờ gửi');
  await expect(pb.locator('.sync-pending')).toHaveText('1 thay đổi chờ gửi');

  await a.setOffline(false);
  await expect(pa.locator('.sync-pending')).toHaveText('Đã đồng bộ hết');
  await b.setOffline(false);
  await expect(pb.locator('.sync-pending')).toHaveText('Đã đồng bộ hết');

  for (const p of [pa, pb]) {
    const button = p.getByRole('button', { name: 'Xung đột: 1' });
    await expect(button).toBeVisible();
    await button.tap();
    const panel = p.getByRole('region', { name: 'Xung đột' });
    await expect(panel).toContainText('Tiêu đề do máy A sửa');
    await expect(panel).toContainText('Tiêu đề do máy B sửa');
  }
  await pa.screenshot({ path: 'test-results/conflict-768x1024.png' });
  // A keeps its own value.
  const side = pa.locator('.conflict-side').filter({ hasText: 'Tiêu đề do máy A sửa' });
  await side.getByRole('button', { name: 'Giữ giá trị này' }).tap();
  await expect(pa.getByRole('button', { name: /Xung đột/ })).toHaveCount(0);
  await expect(pb.getByRole('button', { name: /Xung đột/ })).toHaveCount(0);
  await pb.getByLabel('Lọc cây kế hoạch').fill('may a sua');
  await expect(pb.getByRole('treeitem', { name: /Tiêu đề do máy A sửa/ })).toBeVisible();
  await a.close();
  await b.close();
});

test('a sync answered just after the network went away leaves the bar saying offline', async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 768, height: 1024 }, hasTouch: true });
  const page = await context.newPage();
  await openSeedPlan(page);
  // The next pull is held until the tablet has lost the network, then answered.
  let held;
  const asked = new Promise((resolve) => { held = resolve; });
  let release;
  const released = new Promise((resolve) => { release = resolve; });
  await page.route('**/api/plans/*/pull*', async (route) => {
    const response = await route.fetch();
    held();
    await released;
    await route.fulfill({ response });
  }, { times: 1 });
  await select(page, 'giao duc', /Phát triển giáo dục, đào tạo/);
  await setTitle(page, 'Giáo dục (gửi trước khi mất sóng)');
  await asked;
  // The browser says the network is gone while the answer is still on its way (cutting the
  // network itself would fail the request: the answer must arrive after the event).
  await page.evaluate(() => {
    window.__onLine = Object.getOwnPropertyDescriptor(Navigator.prototype, 'onLine');
    Object.defineProperty(Navigator.prototype, 'onLine', { get: () => false, configurable: true });
    window.dispatchEvent(new Event('offline'));
  });
  await expect(page.locator('.sync-state')).toHaveText('○ Ngoại tuyến');
  release();
  // The round ends well (the change was sent), and the bar still says what the browser says.
  await expect(page.locator('.sync-pending')).toHaveText('Đã đồng bộ hết');
  await expect(page.locator('.sync-state')).toHaveText('○ Ngoại tuyến');
  await page.evaluate(() => {
    Object.defineProperty(Navigator.prototype, 'onLine', window.__onLine);
    window.dispatchEvent(new Event('online'));
  });
  await expect(page.locator('.sync-state')).toHaveText('● Trực tuyến');
  await context.close();
});

test('unsynced changes carried in a file to another tablet reach the server once', async ({ browser }) => {
  const { a, b, pa, pb } = await twoDevices(browser);
  await a.setOffline(true);
  await select(pa, 'giao duc', /Phát triển giáo dục, đào tạo/);
  await setTitle(pa, 'Giáo dục (gửi qua tệp)');
  await expect(pa.locator('.sync-pending')).toHaveText('1 thay đổi chờ gửi');

  const download = pa.waitForEvent('download');
  await pa.getByRole('button', { name: 'Xuất thay đổi chưa gửi' }).tap();
  const file = await (await download).path();

  await pb.getByLabel('Nhập thay đổi từ tệp').setInputFiles(file);
  await expect(pb.getByText('Đã nhập 1 thay đổi từ tệp.')).toBeVisible();
  await expect(pb.locator('.sync-pending')).toHaveText('Đã đồng bộ hết');
  await pb.getByLabel('Lọc cây kế hoạch').fill('gui qua tep');
  await expect(pb.getByRole('treeitem', { name: /gửi qua tệp/ })).toBeVisible();

  // The tablet that made the change comes back online: its copy is recognised, not applied
  // again, and nothing is refused or in conflict.
  await a.setOffline(false);
  await expect(pa.locator('.sync-pending')).toHaveText('Đã đồng bộ hết');
  await expect(pa.locator('.sync-refused')).toHaveCount(0);
  await expect(pa.getByRole('button', { name: /Xung đột/ })).toHaveCount(0);
  await a.close();
  await b.close();
});

test('back online, a push the network drops is tried again within seconds, not at the next periodic retry', async ({ page }) => {
  await openSeedPlan(page);
  await page.context().setOffline(true);
  await select(page, 'giao duc', /Phát triển giáo dục, đào tạo/);
  await setTitle(page, 'Giáo dục (mạng chập chờn)');
  await expect(page.locator('.sync-pending')).toHaveText('1 thay đổi chờ gửi');
  // The browser says "online" a moment before the network carries anything: the first push fails.
  let dropped = 0;
  await page.route('**/api/plans/*/push', async (route) => {
    if (dropped++ === 0) return route.abort('internetdisconnected');
    return route.continue();
  });
  await page.context().setOffline(false);
  // The periodic retry comes every 15 s; the one after a failure within 1 s.
  await expect(page.locator('.sync-pending')).toHaveText('Đã đồng bộ hết', { timeout: 6000 });
  expect(dropped).toBeGreaterThanOrEqual(2);
});

test('a push whose answer never comes is given up after 20 s and sent again: the sync is not stuck', async ({ page }) => {
  await openSeedPlan(page);
  // The first push reaches nothing that answers (a mobile network changing cells): it hangs.
  let pushes = 0;
  await page.route('**/api/plans/*/push', async (route) => {
    pushes += 1;
    if (pushes === 1) return; // never answered
    return route.continue();
  });
  await select(page, 'giao duc', /Phát triển giáo dục, đào tạo/);
  await setTitle(page, 'Giáo dục (mạng treo)');
  await expect(page.locator('.sync-pending')).toHaveText('Đang đồng bộ…');
  await expect.poll(() => pushes).toBe(1);
  // Given up after 20 s, tried again 1 s later; a reload is never needed.
  await expect(page.locator('.sync-pending')).toHaveText('Đã đồng bộ hết', { timeout: 30_000 });
  expect(pushes).toBeGreaterThanOrEqual(2);
});

test('a tablet that has not synced for more than three days warns, and offers the export', async ({ page }) => {
  await openSeedPlan(page);
  await offlineReady(page);
  await page.context().setOffline(true);
  await select(page, 'giao duc', /Phát triển giáo dục, đào tạo/);
  await setTitle(page, 'Giáo dục (chưa gửi được)');
  await expect(page.locator('.sync-pending')).toHaveText('1 thay đổi chờ gửi');
  await expect(page.locator('.sync-stale')).toHaveCount(0);
  // Pretend the last successful sync was four days ago.
  await page.evaluate(() => new Promise((resolve, reject) => {
    const open = indexedDB.open('kehoach');
    open.onsuccess = () => {
      const tx = open.result.transaction('kv', 'readwrite');
      const store = tx.objectStore('kv');
      const keys = store.getAllKeys();
      keys.onsuccess = () => {
        for (const k of keys.result) {
          if (String(k).endsWith(':last_sync')) store.put(String(Date.now() - 4 * 24 * 3600 * 1000), k);
        }
      };
      tx.oncomplete = resolve;
      tx.onerror = reject;
    };
  }));
  await page.reload();
  await expect(page.locator('.sync-stale')).toContainText('Đã hơn 3 ngày chưa đồng bộ');
  await expect(page.getByRole('button', { name: 'Xuất thay đổi chưa gửi' })).toBeEnabled();
});

test('an offline edit of a node deleted meanwhile is rolled back and its author sees why', async ({ browser }) => {
  const { a, b, pa, pb } = await twoDevices(browser);
  await b.setOffline(true);
  await select(pb, 'giao duc', /Phát triển giáo dục, đào tạo/);
  await setTitle(pb, 'Sửa trên máy B khi mất sóng');
  await expect(pb.locator('.sync-pending')).toHaveText('1 thay đổi chờ gửi');

  // Meanwhile A deletes the task.
  await select(pa, 'giao duc', /Phát triển giáo dục, đào tạo/);
  await pa.getByRole('button', { name: 'Xoá' }).tap();
  await pa.getByRole('alertdialog', { name: 'Xác nhận xoá' }).getByRole('button', { name: 'Xoá' }).tap();
  await expect(pa.locator('.sync-pending')).toHaveText('Đã đồng bộ hết');

  await b.setOffline(false);
  const refused = pb.locator('.sync-refused');
  await expect(refused).toContainText('Sửa tiêu đề');
  await expect(refused).toContainText('Không tìm thấy mục này; có thể mục đã bị xoá.');
  await expect(pb.locator('.sync-pending')).toHaveText('Đã đồng bộ hết');
  const back = pb.getByRole('button', { name: 'Quay lại cây' });
  if (await back.isVisible()) await back.tap();
  await pb.getByLabel('Lọc cây kế hoạch').fill('may b');
  await expect(pb.getByText('Không có mục nào khớp.')).toBeVisible();
  await pb.screenshot({ path: 'test-results/refused-768x1024.png' });
  await refused.getByRole('button', { name: 'Đã hiểu' }).tap();
  await expect(refused).toHaveCount(0);
  await a.close();
  await b.close();
});

test('a plan kept on the device by an earlier version (as text) still opens with no network', async ({ page }) => {
  await openSeedPlan(page);
  await offlineReady(page);
  // This version keeps the plan's copy as UTF-8 bytes; earlier ones kept it as a string.
  const kind = await page.evaluate(async () => {
    const db = await new Promise((ok, no) => { const r = indexedDB.open('kehoach'); r.onsuccess = () => ok(r.result); r.onerror = no; });
    const store = (mode) => db.transaction('kv', mode).objectStore('kv');
    const keys = await new Promise((ok) => { const r = store('readonly').getAllKeys(); r.onsuccess = () => ok(r.result); });
    const key = keys.find((k) => String(k).endsWith(':synced'));
    const value = await new Promise((ok) => { const r = store('readonly').get(key); r.onsuccess = () => ok(r.result); });
    const was = value instanceof Uint8Array ? 'bytes' : typeof value;
    await new Promise((ok) => { const r = store('readwrite').put(new TextDecoder().decode(value), key); r.onsuccess = ok; });
    db.close();
    return was;
  });
  expect(kind).toBe('bytes');
  await page.context().setOffline(true);
  await page.reload();
  await expect(page.getByRole('treeitem', { name: /CÁC NHIỆM VỤ CỤ THỂ/ })).toBeVisible();
  await expect(page.locator('.sync-state')).toHaveText('○ Ngoại tuyến');
});
