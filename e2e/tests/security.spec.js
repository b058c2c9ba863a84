// Security as a user meets it: an outbox carrying another plan's task id is refused with the
// reason and the other plan stays as it was; on a shared tablet one officer's unsent edits stay
// theirs; the app runs under its Content-Security-Policy without a violation.
const { test, expect } = require('@playwright/test');
const crypto = require('node:crypto');
const { backendPerTest, PASSWORD } = require('../server');

const current = backendPerTest(test);

/// A UUIDv7-shaped id (what the app makes on a device).
function uuidV7() {
  const bytes = crypto.randomBytes(16);
  const ms = BigInt(Date.now());
  for (let i = 0; i < 6; i++) bytes[i] = Number((ms >> BigInt(8 * (5 - i))) & 0xffn);
  bytes[6] = (bytes[6] & 0x0f) | 0x70;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const h = bytes.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/// Records Content-Security-Policy violations the page reports.
function watchPolicy(page) {
  const violations = [];
  page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) violations.push(m.text()); });
  page.on('pageerror', (e) => { if (/Content Security Policy/i.test(String(e))) violations.push(String(e)); });
  return violations;
}

async function signInWithForm(page, username) {
  await page.getByLabel('Tên đăng nhập').fill(username);
  await page.getByLabel('Mật khẩu').fill(PASSWORD);
  await page.getByRole('button', { name: 'Đăng nhập' }).tap();
}

test('an outbox carrying a task id of another plan is refused with the reason; that plan is unchanged', async ({ page }) => {
  const violations = watchPolicy(page);
  const backend = current();
  const admin = await backend.admin();
  const plans = await backend.api('GET', '/plans', undefined, admin);
  const seed = plans[0].id;
  const before = await backend.api('GET', `/plans/${seed}`, undefined, admin);
  const victim = before.nodes.find((n) => n.parent !== null && n.parent !== undefined);
  const planB = uuidV7();
  await backend.api('POST', '/plans', { id: planB, metadata: { title: 'Kế hoạch thử nghiệm B' } }, admin);

  await backend.signIn(page.context(), 'bdt');
  await page.goto(`${backend.url}/plans/${planB}`);
  await expect(page.locator('.sync-pending')).toHaveText('Đã đồng bộ hết');
  // A file of "unsent changes" made by hand: a new task in plan B under plan A's task's id.
  const client = uuidV7();
  const outbox = {
    plan: planB,
    client,
    next_seq: 2,
    entries: [{
      client, seq: 1, base: 0, at: Date.now(),
      mutation: { type: 'create_node', id: victim.id, parent: null, position: 'last', title: 'Ghi đè nhiệm vụ của kế hoạch khác', label: '' },
    }],
  };
  await page.getByLabel('Nhập thay đổi từ tệp').setInputFiles({
    name: 'thay-doi.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(outbox)),
  });
  await expect(page.locator('.sync-refused')).toContainText('Mã mục này đã được dùng cho một mục khác');
  await expect(page.locator('.sync-pending')).toHaveText('Đã đồng bộ hết');
  await expect(page.getByRole('treeitem', { name: /Ghi đè/ })).toHaveCount(0);
  const after = await backend.api('GET', `/plans/${seed}`, undefined, admin);
  expect(after.nodes.find((n) => n.id === victim.id)).toEqual(victim);
  expect(after.nodes.length).toBe(before.nodes.length);
  const b = await backend.api('GET', `/plans/${planB}`, undefined, admin);
  expect(b.nodes).toEqual([]);
  expect(violations).toEqual([]);
});

test('on a shared tablet an officer\'s unsent edits stay theirs: the next officer does not send them, their author does', async ({ page }) => {
  const violations = watchPolicy(page);
  const backend = current();
  await backend.createUser('bdt2', 'standing', 'BDT', 'Lê Văn Thứ Hai');
  const admin = await backend.admin();
  const seed = (await backend.api('GET', '/plans', undefined, admin))[0].id;
  const taskId = (await backend.api('GET', `/plans/${seed}`, undefined, admin)).nodes
    .find((n) => /Phát triển giáo dục, đào tạo/.test(n.title)).id;
  const task = (t) => t.nodes.find((n) => n.id === taskId);

  await backend.signIn(page.context(), 'bdt');
  await page.goto(backend.url);
  await page.getByRole('link', { name: /52\/KH-UBND/ }).tap();
  await expect(page.locator('.sync-pending')).toHaveText('Đã đồng bộ hết');
  await page.context().setOffline(true);
  await page.getByLabel('Lọc cây kế hoạch').fill('giao duc, dao tao');
  await page.getByRole('treeitem', { name: /Phát triển giáo dục, đào tạo/ }).tap();
  await page.getByLabel('Tiêu đề').fill('Giáo dục (sửa của người thứ nhất)');
  await page.getByLabel('Tiêu đề').blur();
  await expect(page.locator('.sync-pending')).toHaveText('1 thay đổi chờ gửi');
  const questions = [];
  page.once('dialog', (d) => { questions.push(d.message()); d.accept(); });
  await page.getByRole('button', { name: 'Đăng xuất' }).tap();
  await expect(page.getByRole('button', { name: 'Đăng nhập' })).toBeVisible();
  expect(questions[0]).toContain('được giữ trên máy cho Nguyễn Thị Thường Trực');

  // Another officer signs in on the same tablet, online: nothing of the first one's is sent.
  await page.context().setOffline(false);
  await page.goto(backend.url);
  await signInWithForm(page, 'bdt2');
  await page.getByRole('link', { name: /52\/KH-UBND/ }).tap();
  await expect(page.locator('.sync-state')).toHaveText(/Trực tuyến/);
  await expect(page.locator('.sync-pending')).toHaveText('Đã đồng bộ hết');
  let tree = await backend.api('GET', `/plans/${seed}`, undefined, admin);
  expect(task(tree).title).not.toContain('người thứ nhất');

  // Its author signs in again: the edit goes out, under their name.
  page.once('dialog', (d) => d.accept());
  await page.getByRole('button', { name: 'Đăng xuất' }).tap();
  // Back on the plan's page, as its author: the waiting edit goes out.
  await signInWithForm(page, 'bdt');
  await expect(page.locator('.user-name')).toHaveText('Nguyễn Thị Thường Trực');
  await expect(page.locator('.sync-pending')).toHaveText('Đã đồng bộ hết');
  await expect.poll(async () => task(await backend.api('GET', `/plans/${seed}`, undefined, admin)).title)
    .toBe('Giáo dục (sửa của người thứ nhất)');
  tree = await backend.api('GET', `/plans/${seed}`, undefined, admin);
  const history = await backend.api('GET', `/plans/${seed}/nodes/${task(tree).id}/history`, undefined, admin);
  expect(history[0].username).toBe('bdt');
  expect(violations).toEqual([]);
});

test('the standing officer restricts a plan to the agencies it gives tasks; another agency no longer sees it', async ({ page }) => {
  const backend = current();
  await backend.createUser('stp.canbo', 'agency_officer', 'STP');
  await backend.signIn(page.context(), 'bdt');
  await page.goto(backend.url);
  await page.getByRole('link', { name: /52\/KH-UBND/ }).tap();
  const setting = page.getByLabel('Ai được xem kế hoạch');
  await expect(setting).toHaveValue('province');
  await setting.selectOption({ label: 'Chỉ các cơ quan được giao việc (và thường trực, lãnh đạo, kiểm tra)' });
  await expect(page.getByRole('status').filter({ hasText: 'Đã lưu quyền xem kế hoạch.' })).toBeVisible();
  await page.locator('.plan-head').screenshot({ path: 'test-results/plan-visibility.png' });

  // The Sở Tư pháp officer, with no task in the plan, does not see it in the list.
  const ctx = await page.context().browser().newContext({ viewport: { width: 1024, height: 768 }, hasTouch: true });
  await backend.signIn(ctx, 'stp.canbo');
  const officer = await ctx.newPage();
  await officer.goto(backend.url);
  await expect(officer.getByText('Chưa có kế hoạch nào.')).toBeVisible();

  // Public again: listed again.
  await page.reload();
  // The setting as stored on the server, not as the device first pulled it.
  await expect(page.getByLabel('Ai được xem kế hoạch')).toHaveValue('assigned');
  await page.getByLabel('Ai được xem kế hoạch').selectOption('province');
  await expect(page.getByRole('status').filter({ hasText: 'Đã lưu quyền xem kế hoạch.' })).toBeVisible();
  await officer.reload();
  await expect(officer.getByRole('link', { name: /52\/KH-UBND/ })).toBeVisible();
  await ctx.close();
});
