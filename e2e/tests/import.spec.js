// Importing a plan document: upload a text or Word file, review the tree beside its source,
// fix a label, a level and a title, accept suggested assignments, save, and find the plan
// with those assignments; pasted text with numbering problems shows its warnings.
const path = require('path');
const { test, expect } = require('@playwright/test');
const { backendPerTest } = require('../server');

const current = backendPerTest(test);
const corpus = (name) => path.join(__dirname, '..', '..', 'shared', 'tests', 'fixtures', 'import', 'corpus', name);

async function openImport(page) {
  await current().signIn(page.context(), 'bdt');
  await page.goto(current().url);
  await page.getByRole('link', { name: 'Nhập kế hoạch từ văn bản…' }).tap();
  await expect(page.getByRole('heading', { name: 'Nhập kế hoạch từ văn bản' })).toBeVisible();
}

const row = (page, label, title) => page.locator(`.review-row[data-label="${label}"][data-title^="${title}"]`);

test('a text plan is reviewed, corrected, its suggestions accepted, and saved', async ({ page }) => {
  await openImport(page);
  await page.getByLabel('Chọn tệp Word (.docx) hoặc văn bản (.txt)').setInputFiles(corpus('10-to-chuc-thuc-hien.txt'));
  await expect(page.getByRole('heading', { name: 'Kế hoạch số 118/KH-UBND' })).toBeVisible();
  await expect(page.getByLabel('Trích yếu')).toHaveValue(/Thực hiện các chính sách dân tộc/i);

  // The organising section's item 2 carries its suggestions, none chosen yet.
  const item = row(page, '2', 'Sở KH&ĐT');
  await expect(item).toHaveCount(1);
  const lead = item.getByRole('checkbox', { name: 'Sở KH&ĐT · chủ trì' });
  const coordinating = item.getByRole('checkbox', { name: 'Sở Tài chính · phối hợp' });
  await expect(lead).not.toBeChecked();
  await lead.tap();
  await coordinating.tap();
  await expect(page.locator('.review-counts')).toContainText('2 / ');

  // Selecting the row shows its lines in the source.
  await item.locator('.review-title-input').tap();
  await expect(page.locator('.src-line.in-node').first()).toContainText('2. Sở KH&ĐT');

  // Fix a title, and move section III's heading down under section II and back.
  const three = row(page, 'III', 'KINH PHÍ');
  await three.locator('.review-title-input').fill('KINH PHÍ THỰC HIỆN KẾ HOẠCH');
  await three.getByRole('button', { name: 'Xuống một cấp' }).tap();
  await expect(row(page, 'III', 'KINH PHÍ THỰC HIỆN KẾ HOẠCH')).toHaveAttribute('style', /--depth: 1/);
  await row(page, 'III', 'KINH PHÍ THỰC HIỆN KẾ HOẠCH').getByRole('button', { name: 'Lên một cấp' }).tap();

  // A reload loses nothing: the review comes back with its edits and choices.
  await page.reload();
  await expect(page.getByRole('status').filter({ hasText: 'Tiếp tục bản đang duyệt dở' })).toBeVisible();
  await expect(row(page, 'III', 'KINH PHÍ THỰC HIỆN KẾ HOẠCH')).toHaveAttribute('style', /--depth: 0/);
  await expect(row(page, '2', 'Sở KH&ĐT').getByRole('checkbox', { name: 'Sở KH&ĐT · chủ trì' })).toBeChecked();
  await expect(page.locator('.review-counts')).toContainText('2 / ');

  await page.getByRole('button', { name: 'Lưu kế hoạch' }).tap();
  await expect(page).toHaveURL(/\/plans\/[0-9a-f-]{36}/);
  await expect(page.getByRole('treeitem', { name: /KINH PHÍ THỰC HIỆN KẾ HOẠCH/ })).toBeVisible();
  const planUrl = page.url().replace(/\?.*$/, '');
  // Once saved, the import page starts afresh.
  await page.goto(current().url + '/nhap-ke-hoach');
  await expect(page.getByLabel('Chọn tệp Word (.docx) hoặc văn bản (.txt)')).toBeVisible();

  // The accepted assignments are on the task; the board shows them.
  await page.goto(planUrl + '?xem=giao-viec');
  const task = page.locator('.board-tree [role=treeitem]').filter({ hasText: 'Sở KH&ĐT: chủ trì' }).first();
  await expect(task.locator('.chip', { hasText: /^SKHDT$/ })).toHaveClass(/lead/);
  await expect(task.locator('.chip', { hasText: /^STC$/ })).not.toHaveClass(/lead/);

  // The new plan is in the list.
  await page.goto(current().url);
  await expect(page.getByRole('link', { name: /118\/KH-UBND/ })).toBeVisible();
});

test('a Word file with an appendix table becomes a part of tasks with deadlines and suggestions', async ({ page }) => {
  await openImport(page);
  await page.getByLabel('Chọn tệp Word (.docx) hoặc văn bản (.txt)').setInputFiles(corpus('14-phu-luc-bang.docx'));
  await expect(page.getByRole('heading', { name: 'Kế hoạch số 76/KH-UBND' })).toBeVisible();
  const appendix = row(page, 'Phụ lục', 'DANH MỤC');
  await expect(appendix).toHaveCount(1);
  const first = row(page, '1', 'Tổ chức hội nghị quán triệt');
  await expect(first.locator('.chip.deadline')).toHaveText('Hạn 30/06/2016');
  await expect(first.getByRole('checkbox', { name: 'Ban Dân tộc tỉnh · chủ trì' })).toBeVisible();
  await expect(row(page, '2', 'Xây dựng chuyên mục').locator('.chip.deadline')).toHaveText('Hạn hằng năm');
  // Every suggestion accepted, saved: the appendix's tasks have their agencies on the board.
  await page.getByRole('button', { name: 'Chọn tất cả đề xuất' }).tap();
  await page.getByRole('button', { name: 'Lưu kế hoạch' }).tap();
  await expect(page).toHaveURL(/\/plans\/[0-9a-f-]{36}/);
  // A deadline the document repeats every year is shown as such on the task.
  await page.getByLabel('Lọc cây kế hoạch').fill('chuyen muc tuyen truyen');
  await page.getByRole('treeitem', { name: /Xây dựng chuyên mục tuyên truyền/ }).tap();
  await expect(page.locator('.recurring')).toHaveText('Định kỳ theo văn bản: hằng năm');
  await page.goto(page.url().replace(/\?.*$/, '') + '?xem=giao-viec');
  // Ban Dân tộc leads III.1 and rows 1 and 6 of the table, and coordinates rows 2, 3 and 4.
  await expect(page.locator('.agency-card[data-agency="BDT"]')).toContainText('Chủ trì 3 · Phối hợp 3');
});

test('pasted text shows its numbering warnings beside the source; bad text is refused in Vietnamese', async ({ page }) => {
  await openImport(page);
  await page.getByLabel('Hoặc dán nội dung văn bản').fill('Chỉ một đoạn văn, không có mục nào.');
  await page.getByRole('button', { name: 'Đọc văn bản' }).tap();
  await expect(page.getByRole('alert')).toContainText('Không tìm thấy mục nào được đánh số');

  const text = require('fs').readFileSync(corpus('12-tieu-de-hoa.txt'), 'utf8');
  await page.getByLabel('Hoặc dán nội dung văn bản').fill(text);
  await page.getByRole('button', { name: 'Đọc văn bản' }).tap();
  await expect(page.locator('.warn-count')).toHaveText(' · 2 cảnh báo');
  const warned = page.locator('.review-row.warned');
  await expect(warned).toHaveCount(2);
  await expect(warned.first().locator('.warning')).toContainText('Đánh số không liên tục');
  await expect(page.locator('.src-line.warned')).toHaveCount(2);
  // Cancelling returns to the choice of a file.
  await page.getByRole('button', { name: 'Huỷ' }).tap();
  await expect(page.getByLabel('Chọn tệp Word (.docx) hoặc văn bản (.txt)')).toBeVisible();

  // A line it could not place before the outline: listed above the tree, marked in the source.
  await page.getByLabel('Hoặc dán nội dung văn bản').fill(
    'ỦY BAN NHÂN DÂN\nTỈNH LẠNG SƠN\nSố: 5/KH-UBND\nLạng Sơn, ngày 1 tháng 2 năm 2020\n' +
    'Một dòng lạc trước tên loại.\nKẾ HOẠCH\nTHỬ NGHIỆM NHẬP\nI. MỤC ĐÍCH\n1. Việc một\n3. Việc ba\n');
  await page.getByRole('button', { name: 'Đọc văn bản' }).tap();
  await expect(page.locator('.loose-warnings')).toContainText('Dòng 5: Đoạn văn trước mục đầu tiên');
  await expect(page.locator('.src-line.warned')).toHaveCount(2);
  await expect(page.locator('#nguon-5')).toHaveClass(/warned/);
});

test('a Word file typed without alignment: the metadata fixed and an assignment accepted in the review, then the same file is caught', async ({ page }) => {
  await openImport(page);
  const pick = page.getByLabel('Chọn tệp Word (.docx) hoặc văn bản (.txt)');
  await pick.setInputFiles(corpus('16-word-khong-can-le.docx'));
  // What the importer read from the header table and the unaligned trích yếu, marked as read.
  await expect(page.getByRole('heading', { name: 'Kế hoạch số 88/KH-UBND' })).toBeVisible();
  await expect(page.getByLabel('Cơ quan ban hành')).toHaveValue('Ủy ban nhân dân tỉnh Lạng Sơn');
  await expect(page.getByLabel('Ngày ban hành')).toHaveValue('12/03/2019');
  const title = page.getByLabel('Trích yếu');
  await expect(title).toHaveValue('Triển khai thực hiện công tác dân tộc năm 2019 trên địa bàn tỉnh Lạng Sơn');
  await expect(page.locator('label[for=meta-title] .guess')).toHaveText('đọc từ văn bản');

  // A date typed wrong is said at once, in Vietnamese; then fixed.
  await page.getByLabel('Ngày ban hành').fill('31/02/2019');
  await expect(page.locator('.field-error')).toContainText('Ngày ban hành');
  await page.getByLabel('Ngày ban hành').fill('12/03/2019');
  await expect(page.locator('.field-error')).toHaveCount(0);

  // The trích yếu corrected: no longer marked as the importer's.
  await title.fill('Triển khai công tác dân tộc năm 2019 trên địa bàn tỉnh Lạng Sơn');
  await expect(page.locator('label[for=meta-title] .guess')).toHaveCount(0);

  // "2. Sở Tài chính" answers for the duties under it: accepted as lead of the first.
  const duty = row(page, '-', 'Tham mưu bố trí kinh phí');
  const finance = duty.getByRole('checkbox', { name: 'Sở Tài chính · chủ trì' });
  await expect(finance).not.toBeChecked();
  await finance.tap();
  // And an agency the document does not name, added by hand as coordinating.
  await duty.getByRole('button', { name: '+ Giao cơ quan' }).tap();
  await duty.getByLabel('Cơ quan giao thêm').selectOption({ label: 'Sở Kế hoạch và Đầu tư' });
  await duty.getByLabel('Vai trò giao thêm').selectOption('coordinating');
  await duty.getByRole('button', { name: 'Thêm' }).tap();
  await expect(duty.getByRole('checkbox', { name: 'Sở Kế hoạch và Đầu tư · phối hợp' })).toBeChecked();
  await page.screenshot({ path: 'test-results/import-review-metadata.png', fullPage: false });

  await page.getByRole('button', { name: 'Lưu kế hoạch' }).tap();
  await expect(page).toHaveURL(/\/plans\/[0-9a-f-]{36}/);
  const planUrl = page.url().replace(/\?.*$/, '');
  await expect(page.locator('.plan-title')).toHaveText('Triển khai công tác dân tộc năm 2019 trên địa bàn tỉnh Lạng Sơn');
  await page.goto(planUrl + '?xem=giao-viec');
  await expect(page.locator('.agency-card[data-agency="STC"]')).toContainText('Chủ trì 1 · Phối hợp 0');
  await expect(page.locator('.agency-card[data-agency="SKHDT"]')).toContainText('Chủ trì 0 · Phối hợp 1');

  // Once saved, the document details stay editable: an edit like any other, synced.
  await page.getByRole('button', { name: 'Sửa thông tin văn bản' }).tap();
  const editor = page.getByRole('form', { name: 'Sửa thông tin văn bản' });
  await expect(editor.getByLabel('Trích yếu')).toHaveValue('Triển khai công tác dân tộc năm 2019 trên địa bàn tỉnh Lạng Sơn');
  await editor.getByLabel('Số').fill('88 KH');
  await editor.getByRole('button', { name: 'Lưu thông tin văn bản' }).tap();
  await expect(editor.getByRole('alert')).toContainText('Số văn bản viết như 52/KH-UBND');
  await editor.getByLabel('Số').fill('88/KH-UBND');
  await editor.getByLabel('Trích yếu').fill('Triển khai công tác dân tộc năm 2019');
  await page.screenshot({ path: 'test-results/plan-document-editor.png', fullPage: false });
  await editor.getByRole('button', { name: 'Lưu thông tin văn bản' }).tap();
  await expect(page.locator('.plan-title')).toHaveText('Triển khai công tác dân tộc năm 2019');
  await expect(page.getByText('Đã đồng bộ hết')).toBeVisible();
  await page.reload();
  await expect(page.locator('.plan-title')).toHaveText('Triển khai công tác dân tộc năm 2019');

  // The same file again: pointed out before saving, with a way to the stored plan.
  await page.goto(current().url + '/nhap-ke-hoach');
  await pick.setInputFiles(corpus('16-word-khong-can-le.docx'));
  await expect(page.getByRole('heading', { name: 'Kế hoạch số 88/KH-UBND' })).toBeVisible();
  await page.getByRole('button', { name: 'Lưu kế hoạch' }).tap();
  const warning = page.locator('.duplicate');
  await expect(warning).toContainText('Kế hoạch số 88/KH-UBND của Ủy ban nhân dân tỉnh Lạng Sơn đã có (nhập ngày ');
  await expect(warning).toContainText('nhập từ chính tệp này');
  await expect(warning.getByRole('button', { name: 'Vẫn lưu thành kế hoạch mới' })).toBeVisible();
  await page.screenshot({ path: 'test-results/import-duplicate.png', fullPage: false });
  await warning.getByRole('link', { name: 'Mở kế hoạch đó' }).tap();
  await expect(page).toHaveURL(new RegExp('^' + planUrl.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '(\\?.*)?$'));
  await expect(page.locator('.plan-title')).toHaveText('Triển khai công tác dân tộc năm 2019');
});

test('a web copy: header cells, an appendix table of "|" cells, words run together and an agency the registry lacks', async ({ page }) => {
  await openImport(page);
  await page.getByLabel('Chọn tệp Word (.docx) hoặc văn bản (.txt)').setInputFiles(corpus('17-web-bang-o.txt'));
  await expect(page.getByRole('heading', { name: 'Kế hoạch số 37/KH-UBND' })).toBeVisible();
  await expect(page.getByLabel('Ngày ban hành')).toHaveValue('21/02/2023');
  await expect(page.getByLabel('Người ký')).toHaveValue('Đoàn Thanh Sơn');
  await expect(page.getByLabel('Trích yếu')).toHaveValue(/^Triển khai chính sách hỗ trợ .* tỉnh Lạng Sơn giai đoạn 2023 - 2025$/);
  // The space lost in "Triểnkhai" is back, and said.
  const first = row(page, '1', 'Triển khai kịp thời');
  await expect(first.locator('.warning')).toContainText('“Triểnkhai” → “Triển khai”');
  // The appendix's rows are tasks with their deadlines and agencies.
  const support = row(page, '3', 'Hỗ trợ phát triển sản xuất');
  await expect(support.locator('.chip.deadline')).toHaveText('Hạn 31/12/2025');
  await expect(support.getByRole('checkbox', { name: 'Sở Nông nghiệp và Phát triển nông thôn · chủ trì' })).toBeVisible();
  // A name the registry does not have is offered to be mapped to one it has.
  const unmatched = support.locator('.unmatched');
  await expect(unmatched).toContainText('«Trung tâm Khuyến nông tỉnh» chưa có trong danh mục cơ quan');
  await unmatched.getByLabel('Cơ quan giao thêm').selectOption({ label: 'Sở Khoa học và Công nghệ' });
  await expect(unmatched.getByLabel('Vai trò giao thêm')).toHaveValue('coordinating');
  await unmatched.getByRole('button', { name: 'Thêm' }).tap();
  await expect(support.getByRole('checkbox', { name: 'Sở Khoa học và Công nghệ · phối hợp' })).toBeChecked();
  await expect(unmatched).toBeHidden();
});
