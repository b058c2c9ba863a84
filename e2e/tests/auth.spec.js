// Getting in: the one-time setup link of a new server, signing in, an ended session while
// changes wait (signing in again sends them, none lost), history, and the administrator's page.
const { test, expect } = require('@playwright/test');
const { Backend, backendPerTest, PASSWORD } = require('../server');

const current = backendPerTest(test);

async function signInWithForm(page, username, password) {
  await page.getByLabel('Tên đăng nhập').fill(username);
  await page.getByLabel('Mật khẩu').fill(password);
  await page.getByRole('button', { name: 'Đăng nhập' }).tap();
}

/// Signed in as the standing officer, the seed plan synced, then offline with task 4 open.
async function offlineOnTask4(page) {
  await current().signIn(page.context(), 'bdt');
  await page.goto(current().url);
  await page.getByRole('link', { name: /52\/KH-UBND/ }).tap();
  await expect(page.locator('.sync-pending')).toHaveText('Đã đồng bộ hết');
  await page.context().setOffline(true);
  await page.getByLabel('Lọc cây kế hoạch').fill('giao duc, dao tao');
  await page.getByRole('treeitem', { name: /Phát triển giáo dục, đào tạo/ }).tap();
}

test('a new server is set up once with the link it printed; a second visit cannot', async ({ page }) => {
  const fresh = new Backend();
  try {
    await fresh.start();
    const token = await fresh.setupToken();
    // Without the link's code the page refuses.
    await page.goto(`${fresh.url}/thiet-lap`);
    await expect(page.getByRole('alert')).toContainText('Liên kết thiếu mã thiết lập');
    await page.goto(`${fresh.url}/thiet-lap#ma=${token}`);
    await page.getByLabel('Tên đăng nhập').fill('quantri');
    await page.getByLabel('Họ và tên').fill('Hoàng Văn Quản');
    await page.getByLabel('Mật khẩu (ít nhất 8 ký tự)').fill('mat-khau-dai');
    await page.getByLabel('Nhập lại mật khẩu').fill('mat-khau-dai');
    await page.getByRole('button', { name: 'Tạo tài khoản quản trị' }).tap();
    // Signed in at once, on the plan list.
    await expect(page.getByRole('link', { name: /52\/KH-UBND/ })).toBeVisible();
    await expect(page.locator('.user-name')).toHaveText('Hoàng Văn Quản');
    // The link is used up: another browser gets told the server is set up.
    const other = await page.context().browser().newContext();
    const stranger = await other.newPage();
    await stranger.goto(`${fresh.url}/thiet-lap#ma=${token}`);
    await expect(stranger.getByText('Máy chủ đã có tài khoản quản trị. Hãy đăng nhập.')).toBeVisible();
    await other.close();
  } finally {
    await fresh.dispose();
  }
});

test('signing in: a wrong password is refused in Vietnamese; signing out returns to the form', async ({ page }) => {
  await page.goto(current().url);
  await signInWithForm(page, 'bdt', 'sai-mat-khau');
  await expect(page.getByRole('alert')).toHaveText('Tên đăng nhập hoặc mật khẩu không đúng.');
  await signInWithForm(page, 'bdt', PASSWORD);
  await expect(page.getByRole('link', { name: /52\/KH-UBND/ })).toBeVisible();
  await page.getByRole('button', { name: 'Đăng xuất' }).tap();
  await expect(page.getByRole('button', { name: 'Đăng nhập' })).toBeVisible();
  // The session is over on the server too.
  const res = await page.context().request.get(`${current().url}/api/plans`);
  expect(res.status()).toBe(401);
});

test('a session that ended while offline: signing in again sends the waiting changes, none lost', async ({ page }) => {
  await offlineOnTask4(page);
  await page.getByLabel('Tiêu đề').fill('Phát triển giáo dục (sửa khi mất mạng)');
  await page.getByLabel('Tiêu đề').blur();
  await page.getByLabel('Tiến độ').fill('35');
  await page.getByLabel('Tiến độ').blur();
  await expect(page.locator('.sync-pending')).toHaveText('2 thay đổi chờ gửi');
  // Meanwhile the session ends (an administrator signed the user out everywhere, or it expired).
  await page.context().clearCookies();
  await page.context().setOffline(false);
  const dialog = page.getByRole('dialog', { name: 'Phiên đăng nhập đã hết hạn' });
  await expect(dialog).toBeVisible();
  await expect(page.locator('.sync-pending')).toHaveText('2 thay đổi chờ gửi');
  await expect(dialog.getByLabel('Tên đăng nhập')).toHaveValue('bdt');
  await dialog.getByLabel('Mật khẩu').fill(PASSWORD);
  await dialog.getByRole('button', { name: 'Đăng nhập' }).tap();
  await expect(dialog).toHaveCount(0);
  await expect(page.locator('.sync-pending')).toHaveText('Đã đồng bộ hết');
  // On the server, and in the task's history with its author.
  const admin = await current().admin();
  const plans = await current().api('GET', '/plans', undefined, admin);
  const tree = await current().api('GET', `/plans/${plans[0].id}`, undefined, admin);
  const task = tree.nodes.find((n) => n.title === 'Phát triển giáo dục (sửa khi mất mạng)');
  expect(task.progress).toBe(35);
  await page.locator('summary', { hasText: 'Lịch sử thay đổi' }).tap();
  const history = page.locator('.history-list li');
  await expect(history).toHaveCount(2);
  await expect(history.first()).toContainText('Nguyễn Thị Thường Trực (bdt)');
  await expect(history.first()).toContainText('Sửa tiến độ: 35 %');
  await expect(history.nth(1)).toContainText('Sửa tiêu đề: Phát triển giáo dục (sửa khi mất mạng)');
});

test('the administrator creates an agency officer and a new agency', async ({ page }) => {
  await page.goto(current().url);
  await signInWithForm(page, 'quantri', PASSWORD);
  await page.getByRole('link', { name: 'Quản trị' }).tap();
  const form = page.locator('form.new-user');
  await form.getByLabel('Tên đăng nhập').fill('sct.canbo');
  await form.getByLabel('Họ và tên').fill('Lê Thị Công Thương');
  await form.getByLabel('Mật khẩu ban đầu').fill('mat-khau-sct');
  await form.getByLabel('Vai trò', { exact: true }).selectOption({ label: 'Cán bộ đơn vị' });
  await form.getByLabel('Cơ quan', { exact: true }).selectOption({ label: 'Sở Công Thương' });
  await form.getByRole('button', { name: 'Tạo tài khoản' }).tap();
  await expect(page.locator('table.users')).toContainText('Lê Thị Công Thương');
  await page.screenshot({ path: 'test-results/admin.png' });
  // A body the registry lacks: added, then offered on the assignment board.
  const add = page.locator('form.new-agency');
  await add.getByLabel('Mã cơ quan (viết liền, ví dụ SDL)').fill('XMS');
  await add.getByLabel('Tên cơ quan').fill('UBND xã Mẫu Sơn');
  await add.getByLabel('Nhóm').selectOption({ label: 'Địa phương' });
  await add.getByRole('button', { name: 'Thêm cơ quan' }).tap();
  await page.getByLabel('Tìm cơ quan').fill('mau son');
  await expect(page.locator('.agency-registry')).toContainText('UBND xã Mẫu Sơn');
  await page.locator('.agency-registry').screenshot({ path: 'test-results/admin-registry.png' });
  await page.getByRole('link', { name: 'Theo dõi kế hoạch' }).tap();
  await page.getByRole('link', { name: /52\/KH-UBND/ }).tap();
  await page.getByRole('button', { name: 'Giao việc' }).tap();
  await page.getByLabel('Tìm cơ quan').fill('mau son');
  await expect(page.locator('.agency-card', { hasText: 'UBND xã Mẫu Sơn' })).toBeVisible();
  // The new officer can sign in and lands on the agency's tasks.
  const ctx = await page.context().browser().newContext({ viewport: { width: 768, height: 1024 }, hasTouch: true });
  const officer = await ctx.newPage();
  await officer.goto(current().url);
  await signInWithForm(officer, 'sct.canbo', 'mat-khau-sct');
  await officer.getByRole('link', { name: /52\/KH-UBND/ }).tap();
  await expect(officer.locator('.unit-name')).toHaveText('Sở Công Thương');
  await ctx.close();
});

test('the administrator renames an agency and merges another into it, typing key by key', async ({ page }) => {
  await page.goto(current().url);
  await signInWithForm(page, 'quantri', PASSWORD);
  await page.getByRole('link', { name: 'Quản trị' }).tap();
  const registry = page.locator('.agency-registry');
  const search = registry.getByLabel('Tìm cơ quan');
  await search.fill('tu phap');
  const justice = registry.locator('.agency-row', { hasText: 'Sở Tư pháp' });
  await justice.getByRole('button', { name: 'Đổi tên' }).tap();
  const name = justice.getByLabel('Tên mới');
  await name.press('End');
  // Key by key: the editor keeps the focus and every character while the draft changes.
  await name.pressSequentially(' tỉnh Lạng Sơn');
  await justice.getByRole('button', { name: 'Lưu tên mới' }).tap();
  await expect(registry.getByRole('status')).toHaveText('Đã lưu: Sở Tư pháp tỉnh Lạng Sơn.');
  await expect(justice.getByLabel('Tên mới')).toHaveCount(0);

  await search.fill('ngoai vu');
  const foreign = registry.locator('.agency-row', { hasText: 'Sở Ngoại vụ' });
  await foreign.getByRole('button', { name: 'Sáp nhập…' }).tap();
  const date = foreign.getByLabel('Có hiệu lực từ ngày');
  await date.pressSequentially('1/3/25');
  const merge = foreign.getByRole('button', { name: 'Sáp nhập', exact: true });
  await merge.tap();
  await expect(foreign.getByRole('alert')).toHaveText('Ngày không hợp lệ; nhập theo dạng dd/mm/yyyy, ví dụ 30/06/2016.');
  await date.fill('');
  await date.pressSequentially('01/03/2025');
  await merge.tap();
  await expect(foreign.getByRole('alert')).toHaveText('Chọn cơ quan tiếp nhận.');
  await foreign.getByLabel('Sáp nhập vào').selectOption({ label: 'Sở Tư pháp tỉnh Lạng Sơn' });
  await merge.tap();
  await expect(registry.getByRole('status')).toContainText('Đã lưu: Sở Ngoại vụ');
  await expect(foreign).toContainText('hết hiệu lực từ 01/03/2025');
  await expect(foreign).toContainText('Kế thừa: Sở Tư pháp tỉnh Lạng Sơn');
  await page.locator('.agency-registry').screenshot({ path: 'test-results/admin-registry-merged.png' });
});

test('the administrator downloads a backup of all the data', async ({ page }) => {
  await page.goto(current().url);
  await signInWithForm(page, 'quantri', PASSWORD);
  await page.getByRole('link', { name: 'Quản trị' }).tap();
  await expect(page.getByRole('heading', { name: 'Sao lưu dữ liệu' })).toBeVisible();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Tải bản sao lưu' }).tap(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^sao-luu-ke-hoach-\d{8}-\d{6}\.surql$/);
  const text = require('fs').readFileSync(await download.path(), 'utf8');
  expect(text).toContain('OPTION IMPORT;');
  expect(text).toContain('52/KH-UBND');
  await page.locator('section.backup').screenshot({ path: 'test-results/admin-backup.png' });
});

test('signing out with changes waiting asks first; signed out offline stays signed out', async ({ page }) => {
  await offlineOnTask4(page);
  await page.getByLabel('Tiêu đề').fill('Phát triển giáo dục (chưa gửi)');
  await page.getByLabel('Tiêu đề').blur();
  await expect(page.locator('.sync-pending')).toHaveText('1 thay đổi chờ gửi');
  const questions = [];
  page.once('dialog', (d) => { questions.push(d.message()); d.dismiss(); });
  await page.getByRole('button', { name: 'Đăng xuất' }).tap();
  await expect.poll(() => questions.length).toBe(1);
  expect(questions[0]).toContain('Còn 1 thay đổi chưa gửi');
  await expect(page.locator('.user-name')).toBeVisible();
  page.once('dialog', (d) => d.accept());
  await page.getByRole('button', { name: 'Đăng xuất' }).tap();
  await expect(page.getByRole('button', { name: 'Đăng nhập' })).toBeVisible();
  // Back online: the app does not sign its owner back in with the old cookie, and that
  // session is ended on the server.
  await page.context().setOffline(false);
  await page.goto(current().url);
  await expect(page.getByRole('button', { name: 'Đăng nhập' })).toBeVisible();
  await expect.poll(async () => (await page.context().request.get(`${current().url}/api/plans`)).status()).toBe(401);
  expect(await page.evaluate(() => localStorage.getItem('session:logout-pending'))).toBeNull();
});

test('a sign-out left pending by an earlier version (in the device\'s memory only) is finished, not undone', async ({ page }) => {
  await offlineOnTask4(page);
  await page.context().setOffline(false);
  // What an earlier version kept when signing out offline: the flag in IndexedDB, no mirror.
  await page.evaluate(() => new Promise((done, fail) => {
    const open = indexedDB.open('kehoach');
    open.onerror = fail;
    open.onsuccess = () => {
      const tx = open.result.transaction('kv', 'readwrite');
      tx.objectStore('kv').put('1', 'session:logout-pending');
      tx.oncomplete = () => { open.result.close(); done(); };
      tx.onerror = fail;
    };
  }));
  await page.goto(current().url);
  await expect(page.getByRole('button', { name: 'Đăng nhập' })).toBeVisible();
  await expect.poll(async () => (await page.context().request.get(`${current().url}/api/plans`)).status()).toBe(401);
  await page.reload();
  await expect(page.getByRole('button', { name: 'Đăng nhập' })).toBeVisible();
});

test('"Đổi mật khẩu" refuses a common password, then changes it and ends the other sessions', async ({ page }) => {
  await current().signIn(page.context(), 'bdt');
  // The same officer signed in on another tablet.
  const other = await page.context().browser().newContext({ viewport: { width: 1024, height: 768 }, hasTouch: true });
  await current().signIn(other, 'bdt');
  const otherPage = await other.newPage();
  await otherPage.goto(current().url);
  await expect(otherPage.getByRole('link', { name: /52\/KH-UBND/ })).toBeVisible();

  await page.goto(current().url);
  await page.getByRole('link', { name: 'Đổi mật khẩu' }).tap();
  await page.getByLabel('Mật khẩu hiện tại').fill(PASSWORD);
  await page.getByLabel('Mật khẩu mới', { exact: true }).fill('password123');
  await page.getByLabel('Nhập lại mật khẩu mới').fill('password123');
  await page.getByRole('button', { name: 'Đổi mật khẩu' }).tap();
  await expect(page.getByRole('alert')).toHaveText('Mật khẩu này quá phổ biến nên dễ bị đoán; hãy chọn mật khẩu khác.');
  await page.getByLabel('Mật khẩu mới', { exact: true }).fill('Mẫu Sơn mùa đông 2026');
  await page.getByLabel('Nhập lại mật khẩu mới').fill('Mẫu Sơn mùa đông 2026');
  await page.getByRole('button', { name: 'Đổi mật khẩu' }).tap();
  await expect(page.getByRole('status')).toHaveText('Đã đổi mật khẩu. Các phiên đăng nhập trên máy khác đã kết thúc.');
  await page.screenshot({ path: 'test-results/password.png' });

  // The other tablet's session has ended: its next request is answered 401.
  const status = await otherPage.evaluate(async () => (await fetch('/api/session')).status);
  expect(status).toBe(401);
  // This one goes on.
  await page.getByRole('link', { name: 'Theo dõi kế hoạch' }).tap();
  await expect(page.getByRole('link', { name: /52\/KH-UBND/ })).toBeVisible();
  await other.close();
});
