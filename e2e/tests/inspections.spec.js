// Field inspections on a tablet: an inspector opens a round, then, with no signal, records a
// visit with the tablet's position, a finding on a task and a recommendation to an agency;
// everything survives a reload offline and syncs once the network is back; the agency's officer
// answers the recommendation and the inspector sees the answer.
const { test, expect } = require('@playwright/test');
const { backendPerTest } = require('../server');
const { tablet, offlineReady } = require('../report-steps');
const { jpeg } = require('../photo-steps');

const current = backendPerTest(test);

const field = { latitude: 21.853412, longitude: 106.761234, accuracy: 12 };

async function openInspections(page, username) {
  const backend = current();
  await backend.signIn(page.context(), username);
  await page.goto(backend.url);
  await page.getByRole('link', { name: /52\/KH-UBND/ }).tap();
  await page.getByRole('button', { name: 'Kiểm tra', exact: true }).tap();
  await expect(page.locator('.sync-pending')).toHaveText('Đã đồng bộ hết');
}

test('an inspector records a visit offline with its position, finding and recommendation; the agency answers it', async ({ browser }) => {
  const backend = current();
  await backend.createUser('kiemtra', 'inspector', null, 'Lương Văn Kiểm');
  await backend.createUser('syt', 'agency_officer', 'SYT', 'Trần Văn Y Tế');

  const context = await browser.newContext({ ...tablet, geolocation: field, permissions: ['geolocation'] });
  const page = await context.newPage();
  await openInspections(page, 'kiemtra');
  await expect(page.getByText('Chưa có đợt kiểm tra nào')).toBeVisible();
  await expect(page.getByTestId('storage')).toContainText(/Bộ nhớ trên máy: đã dùng \d+ MB, còn trống \d+ MB/);

  // The round: today's places are the communes of the two-tier system.
  await page.getByRole('button', { name: 'Lập đợt kiểm tra' }).tap();
  const form = page.getByRole('form', { name: 'Lập đợt kiểm tra' });
  await form.getByLabel('Tên đợt kiểm tra').fill('Kiểm tra thực hiện Kế hoạch 52 tại xã Thất Khê');
  await form.getByLabel('Số quyết định').fill('15/QĐ-BDT');
  await form.getByLabel('Thêm địa bàn').selectOption('c-2025-xa-that-khe');
  await expect(form.locator('.chip')).toContainText(['Xã Thất Khê']);
  await form.getByLabel('Thêm cơ quan').selectOption('SYT');
  await form.getByRole('button', { name: 'Lưu đợt kiểm tra' }).tap();
  await expect(page.locator('.round-chip')).toContainText('Kiểm tra thực hiện Kế hoạch 52');
  await expect(page.locator('.sync-pending')).toHaveText('Đã đồng bộ hết');

  // No signal from here on.
  await offlineReady(page);
  await context.setOffline(true);
  await page.getByRole('button', { name: 'Thêm phiếu kiểm tra' }).tap();
  const visit = page.getByRole('form', { name: 'Phiếu kiểm tra' });
  await visit.getByLabel('Thôn, bản').fill('Bản Slằng');
  await visit.getByLabel(/Người làm việc với đoàn/).fill('Ông Hoàng Văn A, Chủ tịch UBND xã\nBà Lý Thị B, công chức văn hoá');
  await expect(page.getByTestId('visit-position')).toHaveText('Chưa có vị trí');
  await visit.getByRole('button', { name: 'Lấy vị trí' }).tap();
  await expect(page.getByTestId('visit-position')).toHaveText('21.85341° B, 106.76123° Đ (sai số ±12 m)');
  await visit.getByRole('button', { name: 'Lưu phiếu' }).tap();

  const finding = page.getByRole('form', { name: 'Ghi kết quả kiểm tra' });
  await finding.getByLabel('Nhiệm vụ được kiểm tra').selectOption({ index: 1 });
  const checkedTask = (await finding.getByLabel('Nhiệm vụ được kiểm tra').locator('option').nth(1).textContent()).trim();
  await finding.getByLabel('Kết quả kiểm tra').fill('Đã tổ chức 2 lớp tuyên truyền, 60 lượt người tham dự.');
  await finding.getByRole('button', { name: 'Ghi kết quả' }).tap();
  await expect(finding.getByRole('alert')).toHaveText('Cần chọn mức đánh giá.');
  await finding.getByLabel('Đạt một phần').check();
  await finding.getByRole('button', { name: 'Ghi kết quả' }).tap();
  await expect(finding.getByRole('alert')).toContainText('lý do');
  await finding.getByLabel('Lý do').fill('Mới tới 3 trên 7 bản.');
  await finding.getByRole('button', { name: 'Ghi kết quả' }).tap();
  await expect(page.locator('.findings .finding')).toHaveCount(1);
  await expect(page.locator('.findings .rating')).toHaveText('Đạt một phần');

  const rec = page.getByRole('form', { name: 'Ghi kiến nghị' });
  await rec.getByLabel('Nội dung kiến nghị').fill('Bố trí kinh phí tập huấn cho nhân viên y tế thôn, bản.');
  await rec.getByLabel('Cơ quan thực hiện').selectOption('SYT');
  await rec.getByLabel('Về nhiệm vụ (nếu có)').selectOption({ index: 1 });
  await rec.getByRole('button', { name: 'Ghi kiến nghị' }).tap();
  await expect(page.locator('.recommendations .finding')).toHaveCount(1);

  // Three photos from the gallery, one of them a 4,000 × 3,000 camera picture.
  const files = [
    { name: 'IMG_0001.jpg', mimeType: 'image/jpeg', buffer: await jpeg(page, 4000, 3000, 1) },
    { name: 'IMG_0002.jpg', mimeType: 'image/jpeg', buffer: await jpeg(page, 1600, 1200, 2) },
    { name: 'IMG_0003.jpg', mimeType: 'image/jpeg', buffer: await jpeg(page, 1200, 1600, 3) },
  ];
  await page.getByLabel('Chọn ảnh từ thư viện').setInputFiles(files);
  await expect(page.locator('.photo')).toHaveCount(3);
  await expect(page.getByTestId('upload-state')).toHaveText('3 ảnh chờ tải lên (lưu trong máy).');
  const big = page.locator('.photo img[width="2000"][height="1500"]');
  await expect(big).toHaveCount(1);
  await expect(page.locator('.sync-pending')).toHaveText('6 thay đổi chờ gửi');
  await page.locator('.photos').scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'test-results/inspection-visit-768x1024.png', fullPage: true });

  // A reload with no network keeps it all.
  await page.reload();
  await page.getByRole('button', { name: 'Kiểm tra', exact: true }).tap();
  const row = page.locator('.visit-row');
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('Xã Thất Khê');
  await expect(row).toContainText('1 kết quả · 1 kiến nghị · 3 ảnh');
  await expect(page.locator('.place-counts')).toContainText('Xã Thất Khê');
  await expect(page.locator('.visit-map .map-point')).toHaveCount(1);
  await expect(page.locator('.sync-pending')).toHaveText('6 thay đổi chờ gửi');
  await page.screenshot({ path: 'test-results/inspection-visits-768x1024.png', fullPage: true });

  // Back in signal: one sync; the photos go apart, and the first try is cut after one chunk:
  // the next resumes from the chunks the server holds.
  let cut = false;
  let sent = 0;
  page.on('request', (r) => { if (r.method() === 'PUT' && r.url().includes('/upload/')) sent += (r.postDataBuffer() || Buffer.alloc(0)).length; });
  await page.route('**/upload/*/1', async (route) => {
    if (!cut) { cut = true; await route.abort('connectionreset'); } else { await route.continue(); }
  });
  await context.setOffline(false);
  await expect(page.locator('.sync-pending')).toHaveText('Đã đồng bộ hết');
  await row.tap();
  await expect(page.locator('.photo')).toHaveCount(3);
  await expect.poll(() => cut).toBe(true);
  await expect(page.getByTestId('upload-state')).toHaveText(/chờ tải lên/);
  await page.evaluate(() => window.dispatchEvent(new Event('online')));
  await expect(page.getByTestId('upload-state')).toHaveText('Đã tải hết ảnh lên máy chủ.');
  const sizes = await page.evaluate(async () => {
    const plan = location.pathname.split('/').pop();
    const out = [];
    for (const li of document.querySelectorAll('.photo')) {
      const r = await fetch(`/api/plans/${plan}/photos/${li.dataset.hash}`);
      const blob = await r.blob();
      const bitmap = await createImageBitmap(blob);
      out.push({ status: r.status, bytes: blob.size, w: bitmap.width, h: bitmap.height });
    }
    return out;
  });
  expect(sizes.map((x) => x.status)).toEqual([200, 200, 200]);
  expect(sizes.map((x) => `${x.w}x${x.h}`).sort()).toEqual(['1200x1600', '1600x1200', '2000x1500']);
  // The minutes of the visit, as a Word file.
  const [minutes] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Tải biên bản kiểm tra (.docx)' }).tap(),
  ]);
  expect(minutes.suggestedFilename()).toMatch(/^bien-ban-kiem-tra-.*\.docx$/);
  const total = sizes.reduce((a, x) => a + x.bytes, 0);
  // Every byte once, but for the chunk cut on the way (sent twice at most).
  expect(sent).toBeLessThanOrEqual(total + 256 * 1024);
  console.log(`photo_upload_overhead: ${(sent / total).toFixed(3)} (${sent} bytes sent for ${total})`);

  // The task's page shows what the visit found and the recommendation still to do.
  await page.getByRole('button', { name: 'Cây kế hoạch', exact: true }).tap();
  const title = checkedTask.slice(checkedTask.indexOf(' ') + 1);
  await page.getByRole('treeitem', { name: new RegExp(title.slice(0, 40).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) }).first().tap();
  const onTask = page.locator('.task-inspections');
  await expect(onTask.locator('.findings .finding')).toContainText(['Đạt một phần: Mới tới 3 trên 7 bản.']);
  await expect(onTask.locator('.findings')).toContainText('Đã tổ chức 2 lớp tuyên truyền');
  await expect(onTask.locator('.follow-ups .finding')).toContainText(['Bố trí kinh phí tập huấn']);
  await onTask.scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'test-results/inspection-on-task-768x1024.png' });
  await page.getByRole('button', { name: 'Kiểm tra', exact: true }).tap();

  // The agency sees the recommendation among its tasks and answers it.
  const agencyContext = await browser.newContext(tablet);
  const agency = await agencyContext.newPage();
  await current().signIn(agencyContext, 'syt');
  await agency.goto(current().url);
  await agency.getByRole('link', { name: /52\/KH-UBND/ }).tap();
  const own = agency.locator('.unit-follow-ups');
  await expect(own).toContainText('Kiến nghị sau kiểm tra (1)');
  await expect(own.locator('.finding')).toContainText(['Bố trí kinh phí tập huấn cho nhân viên y tế thôn, bản.']);
  await own.getByRole('button', { name: 'Báo cáo thực hiện kiến nghị ›' }).tap();
  await expect(agency.getByRole('tab', { name: 'Kiến nghị sau kiểm tra' })).toHaveAttribute('aria-selected', 'true');
  const answer = agency.getByRole('form', { name: 'Báo cáo thực hiện kiến nghị' });
  await expect(agency.locator('.follow-ups .finding')).toContainText('Bố trí kinh phí tập huấn');
  await answer.getByRole('combobox').selectOption({ label: 'Đã thực hiện' });
  await answer.getByPlaceholder(/Ghi chú/).fill('Đã bố trí 50 triệu đồng');
  await answer.getByRole('button', { name: 'Lưu' }).tap();
  await expect(agency.locator('.sync-pending')).toHaveText('Đã đồng bộ hết');

  // The inspector's tablet learns of it.
  await page.getByRole('tab', { name: 'Kiến nghị sau kiểm tra' }).tap();
  await expect(page.locator('.follow-ups .badge')).toHaveText('Đã thực hiện');
  await expect(page.locator('.follow-ups')).toContainText('Đã bố trí 50 triệu đồng');
  await page.setViewportSize({ width: 1024, height: 768 });
  await page.screenshot({ path: 'test-results/inspection-follow-up-1024x768.png', fullPage: true });

  // The round's conclusion, compiled from its visits with their photos, as a Word file; the
  // agency's officer is not offered it (it speaks of every agency visited).
  await page.getByRole('tab', { name: 'Phiếu kiểm tra' }).tap();
  const [conclusion] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Tải báo cáo kết quả kiểm tra (.docx)' }).tap(),
  ]);
  expect(conclusion.suggestedFilename()).toMatch(/^bao-cao-ket-qua-kiem-tra-.*\.docx$/);
  const docx = require('fs').readFileSync(await conclusion.path());
  // Three photos at print size: JPEG parts of the zip, named as such.
  expect(new Set(docx.toString('latin1').match(/word\/media\/\w+\.jpeg/g)).size).toBe(3);
  await agency.getByRole('tab', { name: 'Phiếu kiểm tra' }).tap();
  await expect(agency.locator('.round-info')).toContainText('Thành phần đoàn');
  await expect(agency.getByRole('link', { name: 'Tải báo cáo kết quả kiểm tra (.docx)' })).toHaveCount(0);
  await agencyContext.close();
  await context.close();
});

test('one visit saved differently on two tablets offline: the conflict is shown and either version is kept with one tap', async ({ browser }) => {
  const backend = current();
  await backend.createUser('kiemtra', 'inspector', null, 'Lương Văn Kiểm');
  const tabletA = await browser.newContext({ ...tablet, geolocation: field, permissions: ['geolocation'] });
  const a = await tabletA.newPage();
  await openInspections(a, 'kiemtra');
  await a.getByRole('button', { name: 'Lập đợt kiểm tra' }).tap();
  const form = a.getByRole('form', { name: 'Lập đợt kiểm tra' });
  await form.getByLabel('Tên đợt kiểm tra').fill('Kiểm tra tại xã Thất Khê');
  await form.getByLabel('Thêm địa bàn').selectOption('c-2025-xa-that-khe');
  await form.getByRole('button', { name: 'Lưu đợt kiểm tra' }).tap();
  await a.getByRole('button', { name: 'Thêm phiếu kiểm tra' }).tap();
  await a.getByRole('form', { name: 'Phiếu kiểm tra' }).getByLabel(/Người làm việc với đoàn/).fill('Ông Hoàng Văn A');
  await a.getByRole('button', { name: 'Lưu phiếu' }).tap();
  await expect(a.locator('.sync-pending')).toHaveText('Đã đồng bộ hết');

  // The same inspector's second tablet has the visit too.
  const tabletB = await browser.newContext(tablet);
  const b = await tabletB.newPage();
  await openInspections(b, 'kiemtra');
  await expect(b.locator('.visit-row')).toHaveCount(1);
  await offlineReady(a);
  await offlineReady(b);

  // Both offline, each writes the people met differently.
  await tabletA.setOffline(true);
  await tabletB.setOffline(true);
  await a.getByRole('form', { name: 'Phiếu kiểm tra' }).getByLabel(/Người làm việc với đoàn/).fill('Ông Hoàng Văn A, Chủ tịch UBND xã');
  await a.getByRole('button', { name: 'Lưu phiếu' }).tap();
  await b.locator('.visit-row').tap();
  await b.getByRole('form', { name: 'Phiếu kiểm tra' }).getByLabel(/Người làm việc với đoàn/).fill('Bà Lý Thị B, công chức văn hoá');
  await b.getByRole('button', { name: 'Lưu phiếu' }).tap();
  await tabletA.setOffline(false);
  await expect(a.locator('.sync-pending')).toHaveText('Đã đồng bộ hết');
  await tabletB.setOffline(false);
  await expect(b.locator('.sync-pending')).toHaveText('Đã đồng bộ hết');

  // Tablet B's save replaced A's unseen: a conflict, with both versions.
  await b.getByRole('button', { name: 'Xung đột: 1' }).tap();
  const card = b.locator('.record-conflict');
  await expect(card.locator('h3')).toHaveText(/^Phiếu kiểm tra \(\d\d\/\d\d\/\d{4}\)$/);
  await expect(card.locator('.conflict-side').nth(0)).toContainText('Bà Lý Thị B, công chức văn hoá');
  await expect(card.locator('.conflict-side').nth(1)).toContainText('Ông Hoàng Văn A, Chủ tịch UBND xã');
  await b.screenshot({ path: 'test-results/inspection-conflict-768x1024.png', fullPage: true });
  // The replaced version is kept: saved again, and the conflict closes.
  await card.locator('.conflict-side').nth(1).getByRole('button', { name: 'Giữ giá trị này' }).tap();
  await expect(b.getByRole('button', { name: /Xung đột/ })).toHaveCount(0);
  await expect(b.locator('.sync-pending')).toHaveText('Đã đồng bộ hết');
  // Tablet A learns of it: its own words stand and it has no conflict.
  await a.getByRole('button', { name: '← Danh sách phiếu' }).tap();
  await a.locator('.visit-row').tap();
  await expect(a.getByRole('form', { name: 'Phiếu kiểm tra' }).getByLabel(/Người làm việc với đoàn/)).toHaveValue('Ông Hoàng Văn A, Chủ tịch UBND xã');
  await expect(a.getByRole('button', { name: /Xung đột/ })).toHaveCount(0);
  await tabletA.close();
  await tabletB.close();
});
