// The standing officer hands out tasks by dragging them onto agencies on a tablet; agency
// officers then see what is theirs. Touch drags are made with CDP touch events (Playwright's
// touchscreen can only tap): a long press picks a task up, a plain swipe only scrolls.
const { test, expect } = require('@playwright/test');
const { backendPerTest } = require('../server');

const current = backendPerTest(test);

async function openBoard(page, user = 'bdt') {
  await current().signIn(page.context(), user);
  await page.goto(current().url);
  await page.getByRole('link', { name: /52\/KH-UBND/ }).tap();
  await expect(page.getByRole('treeitem', { name: /CÁC NHIỆM VỤ CỤ THỂ/ })).toBeVisible();
  await page.getByRole('button', { name: 'Giao việc' }).tap();
  await expect(page.locator('.agency-card').first()).toBeVisible();
}

/// The row of task `label` of section III (the tree filtered to it).
async function taskRow(page, filter, label) {
  await page.getByLabel('Lọc cây kế hoạch').fill(filter);
  const row = page.locator('.board-tree [role=treeitem]').filter({ has: page.locator('.label', { hasText: new RegExp(`^${label}$`) }) }).first();
  await expect(row).toBeVisible();
  return row;
}

/// The agency's card, alone in the list after searching for it.
async function agencyCard(page, search, name) {
  await page.getByLabel('Tìm cơ quan').fill(search);
  const card = page.locator('.agency-card', { hasText: name }).first();
  await expect(card).toBeVisible();
  return card;
}

function center(box) {
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

/// A long press on `from` (held until the app shows it picked the item up), then a drag to
/// `to` in small steps, then the finger lifts.
async function touchDrag(page, from, to, { toPoint } = {}) {
  const cdp = await page.context().newCDPSession(page);
  const a = center(await from.boundingBox());
  const b = toPoint || center(await to.boundingBox());
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x: a.x, y: a.y }] });
  // The condition, not a fixed sleep: the drag ghost appears once the long press is recognised.
  await expect(page.locator('.drag-ghost')).toBeVisible();
  const steps = 10;
  for (let i = 1; i <= steps; i += 1) {
    await cdp.send('Input.dispatchTouchEvent', {
      type: 'touchMove',
      touchPoints: [{ x: a.x + ((b.x - a.x) * i) / steps, y: a.y + ((b.y - a.y) * i) / steps }],
    });
  }
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  await expect(page.locator('.drag-ghost')).toHaveCount(0);
  await cdp.detach();
}

/// A quick vertical swipe (no long press) starting on `on`.
async function swipe(page, on, dy) {
  const cdp = await page.context().newCDPSession(page);
  const a = center(await on.boundingBox());
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x: a.x, y: a.y }] });
  const steps = 8;
  for (let i = 1; i <= steps; i += 1) {
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x: a.x, y: a.y + (dy * i) / steps }] });
  }
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  await cdp.detach();
}

const chip = (row, code) => row.locator('.chip', { hasText: new RegExp(`^${code}$`) });

test('a long-press drag assigns a task to an agency, and one tap undoes it', async ({ page }) => {
  await openBoard(page);
  const row = await taskRow(page, 'y te, cham soc suc khoe', '7');
  const card = await agencyCard(page, 'so y te', 'Sở Y tế');
  await touchDrag(page, row, card);
  // Lead, since the task had no agency.
  await expect(chip(row, 'SYT')).toHaveClass(/lead/);
  await expect(card).toContainText('Chủ trì 1 · Phối hợp 0');
  await expect(page.locator('.undo-bar')).toContainText('Sở Y tế (chủ trì)');
  await expect(page.locator('.sync-pending')).toHaveText('Đã đồng bộ hết');
  // A second agency dropped on the same task coordinates.
  const stc = await agencyCard(page, 'tai chinh', 'Sở Tài chính');
  await touchDrag(page, row, stc);
  await expect(chip(row, 'STC')).not.toHaveClass(/lead/);
  // Undo restores the state before the last drop.
  await page.getByRole('button', { name: 'Hoàn tác' }).tap();
  await expect(chip(row, 'STC')).toHaveCount(0);
  await expect(chip(row, 'SYT')).toHaveClass(/lead/);
  await expect(page.locator('.sync-pending')).toHaveText('Đã đồng bộ hết');
  await page.screenshot({ path: 'test-results/board-after-drop.png' });
});

test('dragging a chip onto another agency hands its part over', async ({ page }) => {
  await openBoard(page);
  const row = await taskRow(page, 'quoc phong toan dan', '9');
  await touchDrag(page, row, await agencyCard(page, 'cong an', 'Công an tỉnh'));
  await expect(chip(row, 'CAT')).toBeVisible();
  await touchDrag(page, chip(row, 'CAT'), await agencyCard(page, 'quan su', 'Bộ Chỉ huy Quân sự tỉnh'));
  await expect(chip(row, 'BCHQS')).toHaveClass(/lead/);
  await expect(chip(row, 'CAT')).toHaveCount(0);
  // Or from one agency's list of tasks onto another agency.
  await page.getByLabel('Tìm cơ quan').fill('bo chi huy');
  const from = page.locator('.agency-card', { hasText: 'Bộ Chỉ huy Quân sự tỉnh' });
  await from.locator('.agency-head').tap();
  const item = from.locator('.agency-task', { hasText: 'Tăng cường lãnh đạo' });
  await expect(item).toBeVisible();
  await touchDrag(page, item, page.locator('.agency-card', { hasText: 'Biên phòng' }).locator('.agency-head'));
  await expect(chip(row, 'BDBP')).toHaveClass(/lead/);
  await expect(chip(row, 'BCHQS')).toHaveCount(0);
  await expect(from.locator('.agency-tasks')).toContainText('Chưa được giao nhiệm vụ nào.');
  await expect(page.locator('.sync-pending')).toHaveText('Đã đồng bộ hết');
});

test('a plain swipe scrolls the tree and assigns nothing', async ({ page }) => {
  await openBoard(page);
  const tree = page.locator('.board-tree .tree');
  const before = await tree.evaluate((el) => el.scrollTop);
  const row = page.locator('.board-tree [role=treeitem]').nth(3);
  await swipe(page, row, -300);
  await expect.poll(() => tree.evaluate((el) => el.scrollTop)).toBeGreaterThan(before + 100);
  await expect(page.locator('.drag-ghost')).toHaveCount(0);
  await expect(page.locator('.board-tree .chip')).toHaveCount(0);
  await expect(page.locator('.undo-bar')).toHaveCount(0);
  await expect(page.locator('.sync-pending')).toHaveText('Đã đồng bộ hết');
});

test('holding a dragged task near the bottom edge scrolls the tree; a drop on no target changes nothing', async ({ page }) => {
  await openBoard(page);
  await page.getByLabel('Lọc cây kế hoạch').fill('');
  const tree = page.locator('.board-tree .tree');
  const box = await tree.boundingBox();
  const first = page.locator('.board-tree [role=treeitem]').first();
  const a = center(await first.boundingBox());
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x: a.x, y: a.y }] });
  await expect(page.locator('.drag-ghost')).toBeVisible();
  const edge = { x: a.x, y: box.y + box.height - 12 };
  for (let i = 1; i <= 6; i += 1) {
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x: a.x, y: a.y + ((edge.y - a.y) * i) / 6 }] });
  }
  // The finger rests there: the list scrolls by itself.
  await expect.poll(() => tree.evaluate((el) => el.scrollTop)).toBeGreaterThan(200);
  // Released over the agencies' search field: not a drop target.
  const field = center(await page.getByLabel('Tìm cơ quan').boundingBox());
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [field] });
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  await cdp.detach();
  await expect(page.locator('.drag-ghost')).toHaveCount(0);
  await expect(page.locator('.undo-bar')).toHaveCount(0);
  await tree.evaluate((el) => { el.scrollTop = 0; });
  await expect(page.locator('.board-tree [role=treeitem]').first()).toContainText('MỤC ĐÍCH YÊU CẦU');
  await expect(page.locator('.sync-pending')).toHaveText('Đã đồng bộ hết');
});

test('a drag into the task\'s own subtree is refused with a visible message', async ({ page }) => {
  await openBoard(page);
  await page.getByLabel('Lọc cây kế hoạch').fill('');
  const section = page.locator('.board-tree [role=treeitem]', { hasText: 'MỤC ĐÍCH YÊU CẦU' });
  const child = page.locator('.board-tree [role=treeitem]', { hasText: 'Mục đích' }).filter({ hasNotText: 'YÊU CẦU' });
  await expect(child).toBeVisible();
  await touchDrag(page, section, child);
  await expect(page.getByRole('alert')).toContainText('Không thể chuyển một mục vào chính nó hoặc vào mục con của nó.');
  // Nothing moved: the section is still first, its child still under it.
  await expect(page.locator('.board-tree [role=treeitem]').first()).toContainText('MỤC ĐÍCH YÊU CẦU');
  await expect(page.locator('.sync-pending')).toHaveText('Đã đồng bộ hết');
});

test('a task dragged within the tree moves, and undo puts it back', async ({ page }) => {
  await openBoard(page);
  const labels = () => page.locator('.board-tree [role=treeitem][aria-level="2"] .label').allTextContents();
  await page.getByLabel('Lọc cây kế hoạch').fill('');
  // Collapse I and II so that III's tasks are in view.
  for (const name of ['MỤC ĐÍCH YÊU CẦU', 'CĂN CỨ XÂY DỰNG KẾ HOẠCH']) {
    await page.locator('.board-tree [role=treeitem]', { hasText: name }).getByRole('button', { name: 'Thu gọn' }).tap();
  }
  const first = page.locator('.board-tree [role=treeitem][aria-level="2"]').nth(0);
  const third = page.locator('.board-tree [role=treeitem][aria-level="2"]').nth(2);
  const box = await third.boundingBox();
  // Onto the lower part of task 3: after it.
  await touchDrag(page, first, third, { toPoint: { x: box.x + box.width / 2, y: box.y + box.height * 0.85 } });
  await expect.poll(labels).toEqual(['2', '3', '1', '4', '5', '6', '7', '8', '9', '10']);
  await page.getByRole('button', { name: 'Hoàn tác' }).tap();
  await expect.poll(labels).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
});

test('the keyboard assigns too: G opens "Giao cho…", Enter gives the task to the first match', async ({ page }) => {
  await openBoard(page);
  const row = await taskRow(page, 'giao duc, dao tao', '4');
  await row.focus();
  await page.keyboard.press('g');
  const search = page.getByLabel('Tìm cơ quan để giao');
  await expect(search).toBeFocused();
  await page.keyboard.type('giao duc');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('dialog')).toHaveCount(0);
  await expect(chip(row, 'SGDDT')).toHaveClass(/lead/);
  await expect(page.locator('.sync-pending')).toHaveText('Đã đồng bộ hết');
  // Words that start agency names come first: "y te" is Sở Y tế, not "Khu kinh tế".
  const health = await taskRow(page, 'y te, cham soc suc khoe', '7');
  await health.focus();
  await page.keyboard.press('g');
  await expect(page.getByLabel('Tìm cơ quan để giao')).toBeFocused();
  await page.keyboard.type('y te');
  await page.keyboard.press('Enter');
  await expect(chip(health, 'SYT')).toHaveClass(/lead/);
});

test('section III assigned by dragging while offline reaches the server, and each agency officer sees their tasks', async ({ page, browser }) => {
  const plan = [
    ['1', 'pho bien, tuyen truyen sau rong', 'ban dan toc', 'Ban Dân tộc tỉnh', 'BDT'],
    ['2', 'day manh phat trien san xuat', 'nong nghiep', 'Sở Nông nghiệp và Phát triển nông thôn', 'SNNPTNT'],
    ['3', 'ket cau ha tang kinh te', 'ke hoach va dau tu', 'Sở Kế hoạch và Đầu tư', 'SKHDT'],
    ['4', 'giao duc, dao tao', 'giao duc', 'Sở Giáo dục và Đào tạo', 'SGDDT'],
    ['5', 'nguon nhan luc', 'lao dong', 'Sở Lao động - Thương binh và Xã hội', 'SLDTBXH'],
    ['6', 'he thong chinh tri o co so', 'noi vu', 'Sở Nội vụ', 'SNV'],
    ['7', 'y te, cham soc suc khoe', 'so y te', 'Sở Y tế', 'SYT'],
    ['8', 'ban sac van hoa', 'van hoa', 'Sở Văn hóa, Thể thao và Du lịch', 'SVHTTDL'],
    ['9', 'quoc phong toan dan', 'cong an', 'Công an tỉnh', 'CAT'],
    ['10', 'huong dan, don doc, kiem tra', 'thanh tra', 'Thanh tra tỉnh', 'TTT'],
  ];
  await openBoard(page);
  await page.context().setOffline(true);
  for (const [label, filter, search, name, code] of plan) {
    const row = await taskRow(page, filter, label);
    await touchDrag(page, row, await agencyCard(page, search, name));
    await expect(chip(row, code)).toHaveClass(/lead/);
  }
  await expect(page.locator('.sync-pending')).toHaveText('10 thay đổi chờ gửi');
  await page.context().setOffline(false);
  await expect(page.locator('.sync-pending')).toHaveText('Đã đồng bộ hết');

  // Each agency's officer sees its task, and only what applies to them can be edited.
  for (const [label, , , name, code] of [plan[6], plan[3]]) {
    const user = `${code.toLowerCase()}.canbo`;
    await current().createUser(user, 'agency_officer', code);
    const context = await browser.newContext({ viewport: { width: 768, height: 1024 }, hasTouch: true });
    const officer = await context.newPage();
    await current().signIn(context, user);
    await officer.goto(current().url);
    await officer.getByRole('link', { name: /52\/KH-UBND/ }).tap();
    const unit = officer.getByRole('region', { name: 'Nhiệm vụ của đơn vị' });
    await expect(unit.locator('.unit-name')).toHaveText(name);
    const items = unit.locator('.unit-task');
    await expect(items).toHaveCount(1);
    await expect(items.first().locator('.unit-task-title')).toContainText(`${label}. `);
    await expect(items.first().locator('.role')).toHaveText('Chủ trì');
    if (code === 'SYT') await officer.screenshot({ path: 'test-results/unit-tasks-syt.png' });
    await context.close();
  }
});

test('an agency officer sees only the edit controls that apply to them', async ({ page }) => {
  const backend = current();
  await backend.createUser('syt.canbo', 'agency_officer', 'SYT');
  // The standing officer gives task 7 to Sở Y tế (through the API, as another device would).
  const admin = await backend.admin();
  const plans = await backend.api('GET', '/plans', undefined, admin);
  const tree = await backend.api('GET', `/plans/${plans[0].id}`, undefined, admin);
  const iii = tree.nodes.find((n) => n.parent === null && n.label === 'III');
  const task7 = tree.nodes.find((n) => n.parent === iii.id && n.label === '7');
  await backend.api('POST', `/plans/${plans[0].id}/push`, {
    client: '0190a0a0-0000-7000-8000-000000000001',
    mutations: [{ seq: 1, base: 0, at: Date.now(), mutation: { type: 'assign', id: task7.id, agency: 'SYT', role: 'lead' } }],
  }, admin);

  await backend.signIn(page.context(), 'syt.canbo');
  await page.goto(backend.url);
  await page.getByRole('link', { name: /52\/KH-UBND/ }).tap();
  const unit = page.getByRole('region', { name: 'Nhiệm vụ của đơn vị' });
  const item = unit.locator('.unit-task').first();
  await expect(item).toContainText('Phát triển toàn diện các lĩnh vực y tế');
  // Progress of its task: yes; its own sub-task: yes.
  await expect(item.getByLabel('Tiến độ')).toBeEnabled();
  await item.getByLabel('Tiến độ').fill('40');
  await item.getByLabel('Tiến độ').blur();
  await item.getByLabel('Tên nhiệm vụ con').fill('Khám sức khoẻ học sinh bán trú huyện Đình Lập');
  await item.getByRole('button', { name: 'Thêm' }).tap();
  await expect(item.locator('.subtasks')).toContainText('Khám sức khoẻ học sinh bán trú');
  await expect(page.locator('.sync-pending')).toHaveText('Đã đồng bộ hết');
  await expect(page.locator('.sync-refused')).toHaveCount(0);

  // The plan's own text: read only; no assigning, moving or deleting.
  await page.getByRole('button', { name: 'Cây kế hoạch' }).tap();
  await page.getByLabel('Lọc cây kế hoạch').fill('y te, cham soc suc khoe');
  await page.getByRole('treeitem', { name: /Phát triển toàn diện các lĩnh vực y tế/ }).tap();
  await expect(page.getByLabel('Tiêu đề')).toBeDisabled();
  await expect(page.getByLabel('Thời hạn')).toBeDisabled();
  await expect(page.getByLabel('Tiến độ')).toBeEnabled();
  await expect(page.getByRole('button', { name: 'Xoá' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Chuyển đến…' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Giao cho…' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: '+ Thêm mục con' })).toBeVisible();
  // A task not given to Sở Y tế is not even on the tablet: it holds the agency's tasks, what is
  // under them and the items that contain them, and says so.
  await page.getByRole('button', { name: 'Quay lại cây' }).tap();
  await page.getByLabel('Lọc cây kế hoạch').fill('giao duc, dao tao');
  await expect(page.getByRole('treeitem', { name: /Phát triển giáo dục, đào tạo/ })).toHaveCount(0);
  await page.getByLabel('Lọc cây kế hoạch').fill('');
  await expect(page.locator('.scope-note')).toHaveText(
    'Máy này chỉ tải các nhiệm vụ giao cho đơn vị, các việc bên dưới và các mục chứa chúng.');
  await expect(page.getByRole('treeitem', { name: /Phát triển toàn diện các lĩnh vực y tế/ })).toBeVisible();
  await page.screenshot({ path: 'test-results/agency-scope-768x1024.png' });
  // On the board, nothing can be dragged.
  await page.getByRole('button', { name: 'Giao việc' }).tap();
  await expect(page.locator('.board-hint')).toHaveText('Bảng giao việc (chỉ xem).');
});
