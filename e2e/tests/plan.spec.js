// An officer opens Kế hoạch 52 on a tablet, finds a task by typing without diacritics,
// corrects it, and the correction survives a reload and a server restart.
const { test, expect } = require('@playwright/test');
const { backendPerTest } = require('../server');

// Each test gets its own server and database, loaded with the seed plan.
const current = backendPerTest(test);

async function openSeedPlan(page) {
  await current().signIn(page.context(), 'bdt');
  await page.goto(current().url);
  const card = page.getByRole('link', { name: /52\/KH-UBND/ });
  await expect(card).toBeVisible();
  await card.tap();
  await expect(page.getByRole('treeitem', { name: /CÁC NHIỆM VỤ CỤ THỂ/ })).toBeVisible();
}

async function findTask4(page) {
  await page.getByLabel('Lọc cây kế hoạch').fill('giao duc');
  const row = page.getByRole('treeitem', { name: /Phát triển giáo dục, đào tạo/ });
  await expect(row).toBeVisible();
  await expect(row.locator('.label')).toHaveText('4');
  return row;
}

async function editTitle(page, text) {
  const title = page.getByLabel('Tiêu đề');
  await expect(title).toBeVisible();
  await title.fill(text);
  await title.blur();
  await expect(page.locator('.sync-pending')).toHaveText('Đã đồng bộ hết');
}

test('the seed plan opens as a tree with its three sections', async ({ page }) => {
  await openSeedPlan(page);
  for (const name of [/MỤC ĐÍCH YÊU CẦU/, /CĂN CỨ XÂY DỰNG KẾ HOẠCH/, /CÁC NHIỆM VỤ CỤ THỂ/]) {
    await expect(page.getByRole('treeitem', { name }).first()).toBeVisible();
  }
  await expect(page.getByRole('treeitem', { level: 1 })).toHaveCount(3);
  // Collapsing a section hides its items.
  const section = page.getByRole('treeitem', { name: /CÁC NHIỆM VỤ CỤ THỂ/ });
  await section.getByRole('button', { name: 'Thu gọn' }).tap();
  await expect(page.getByRole('treeitem', { name: /Phát triển giáo dục/ })).toHaveCount(0);
  await section.getByRole('button', { name: 'Mở rộng' }).tap();
  await expect(page.getByRole('treeitem', { name: /Phát triển giáo dục/ })).toBeVisible();
});

test('filtering without diacritics finds task 4, whose edited title survives a reload', async ({ page }) => {
  await openSeedPlan(page);
  const row = await findTask4(page);
  await row.tap();
  await editTitle(page, 'Phát triển giáo dục và đào tạo vùng đồng bào dân tộc thiểu số');
  await page.reload();
  await page.getByLabel('Lọc cây kế hoạch').fill('giao duc');
  await expect(page.getByRole('treeitem', { name: /Phát triển giáo dục và đào tạo vùng đồng bào/ })).toBeVisible();
});

test('an edit survives a server restart', async ({ page }) => {
  await openSeedPlan(page);
  const row = await findTask4(page);
  await row.tap();
  await editTitle(page, 'Giáo dục: sửa trước khi khởi động lại máy chủ');
  await current().restart();
  await page.reload();
  await page.getByLabel('Lọc cây kế hoạch').fill('khoi dong lai');
  await expect(page.getByRole('treeitem', { name: /sửa trước khi khởi động lại máy chủ/ })).toBeVisible();
});

test('an empty title is refused with a Vietnamese message and nothing is saved', async ({ page }) => {
  await openSeedPlan(page);
  await (await findTask4(page)).tap();
  const title = page.getByLabel('Tiêu đề');
  const before = await title.inputValue();
  await title.fill('   ');
  await expect(page.getByText('Tiêu đề không được để trống.')).toBeVisible();
  await title.blur();
  await page.reload();
  await page.getByLabel('Lọc cây kế hoạch').fill('giao duc');
  await page.getByRole('treeitem', { name: /giáo dục/i }).first().tap();
  await expect(page.getByLabel('Tiêu đề')).toHaveValue(before);
});

test('add a child, move it with "Chuyển đến…", then delete it after confirming', async ({ page }) => {
  await openSeedPlan(page);
  await (await findTask4(page)).tap();
  await page.getByRole('button', { name: '+ Thêm mục con' }).tap();
  await editTitle(page, 'Xây dựng trường bán trú thí điểm');
  await page.getByLabel('Thời hạn').fill('30/6/2016');
  await page.getByLabel('Thời hạn').blur();
  await expect(page.getByLabel('Thời hạn')).toHaveValue('30/06/2016');

  // Move it under section I.
  await page.getByRole('button', { name: 'Chuyển đến…' }).tap();
  const dialog = page.getByRole('dialog', { name: 'Chuyển đến' });
  await dialog.getByLabel('Tìm mục đích').fill('muc dich yeu cau');
  await dialog.getByRole('button', { name: /MỤC ĐÍCH YÊU CẦU/ }).tap();
  await expect(dialog).toHaveCount(0);
  await expect(page.locator('.sync-pending')).toHaveText('Đã đồng bộ hết');
  await page.reload();
  await page.getByLabel('Lọc cây kế hoạch').fill('truong ban tru thi diem');
  const moved = page.getByRole('treeitem', { name: /trường bán trú thí điểm/ });
  await expect(moved).toHaveAttribute('aria-level', '2');
  await expect(page.getByRole('treeitem', { level: 1 })).toHaveText(/MỤC ĐÍCH YÊU CẦU/);

  // Delete it, cancelling once first.
  await moved.tap();
  await page.getByRole('button', { name: 'Xoá' }).tap();
  const confirm = page.getByRole('alertdialog', { name: 'Xác nhận xoá' });
  await confirm.getByRole('button', { name: 'Huỷ' }).tap();
  await expect(confirm).toHaveCount(0);
  await page.getByRole('button', { name: 'Xoá' }).tap();
  await confirm.getByRole('button', { name: 'Xoá' }).tap();
  await expect(page.locator('.sync-pending')).toHaveText('Đã đồng bộ hết');
  await page.reload();
  await page.getByLabel('Lọc cây kế hoạch').fill('truong ban tru thi diem');
  await expect(page.getByText('Không có mục nào khớp.')).toBeVisible();
});

test('the tree works from the keyboard', async ({ page }) => {
  await openSeedPlan(page);
  const section = page.getByRole('treeitem', { name: /CÁC NHIỆM VỤ CỤ THỂ/ });
  await section.focus();
  await page.keyboard.press('ArrowLeft');
  await expect(section).toHaveAttribute('aria-expanded', 'false');
  await page.keyboard.press('ArrowRight');
  await expect(section).toHaveAttribute('aria-expanded', 'true');
  // Down the list from task 3 to task 4, then open it.
  await page.getByRole('treeitem', { name: /Tập trung chỉ đạo phát triển kết cấu hạ tầng/ }).focus();
  await page.keyboard.press('ArrowDown');
  await expect(page.getByRole('treeitem', { name: /Phát triển giáo dục, đào tạo/ })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByLabel('Tiêu đề')).toHaveValue(/^Phát triển giáo dục, đào tạo/);
});

for (const viewport of [{ width: 768, height: 1024 }, { width: 1024, height: 768 }]) {
  test(`no horizontal scrolling and 44 px targets at ${viewport.width}×${viewport.height}`, async ({ page }) => {
    await page.setViewportSize(viewport);
    await openSeedPlan(page);
    await (await findTask4(page)).tap();
    await expect(page.getByLabel('Tiêu đề')).toBeVisible();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    const small = await page.evaluate(() => [...document.querySelectorAll('button, a, input, textarea, [role=treeitem]')]
      .filter((el) => el.offsetParent !== null)
      .map((el) => { const r = el.getBoundingClientRect(); return { text: el.textContent || el.getAttribute('aria-label'), w: r.width, h: r.height }; })
      .filter((r) => r.w > 0 && (r.w < 44 || r.h < 44)));
    expect(small).toEqual([]);
    await page.screenshot({ path: `test-results/plan-${viewport.width}x${viewport.height}.png` });
  });
}
