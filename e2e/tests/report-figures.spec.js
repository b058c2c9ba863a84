// Indicators, the dashboard and the A4 print view on tablets: the standing agency adds an
// indicator by commune; an agency gives its value for a commune of the round's time, offline,
// and sends; once accepted, the indicator shows its latest value against the target; the
// dashboard draws progress, status, indicators and completeness as charts with the same figures
// in tables, in both orientations; the summary's print view is the official A4 layout.
const { test, expect } = require('@playwright/test');
const { backendPerTest } = require('../server');
const steps = require('../report-steps');

const current = backendPerTest(test);
const { tablet, assignTwoTasks, offlineReady, write } = steps;
const openReports = (page, username) => steps.openReports(current(), page, username);

test('an indicator is given by commune in a report, shown against its target, and the dashboard and print view show the round', async ({ browser }) => {
  const backend = current();
  await assignTwoTasks(backend);
  await backend.createUser('syt', 'agency_officer', 'SYT', 'Trần Văn Y Tế');
  const standingContext = await browser.newContext(tablet);
  const officerContext = await browser.newContext(tablet);
  const standing = await standingContext.newPage();
  const officer = await officerContext.newPage();

  await openReports(standing, 'bdt');
  await standing.getByRole('button', { name: 'Mở kỳ báo cáo' }).tap();
  await standing.getByRole('form', { name: 'Mở kỳ báo cáo' }).getByRole('button', { name: 'Mở kỳ báo cáo' }).tap();
  await expect(standing.locator('tr[data-agency="SYT"]')).toBeVisible();

  // The standing agency adds an indicator by commune; a bad target is refused in Vietnamese.
  await standing.getByRole('tab', { name: 'Chỉ tiêu' }).tap();
  await expect(standing.getByText('Kế hoạch chưa có chỉ tiêu nào.')).toBeVisible();
  await standing.getByRole('button', { name: 'Thêm chỉ tiêu' }).tap();
  const form = standing.getByRole('form', { name: 'Thêm chỉ tiêu' });
  await form.getByLabel('Tên chỉ tiêu').fill('Tỷ lệ hộ nghèo');
  await form.getByLabel('Đơn vị tính').fill('%');
  await form.getByLabel('Chiều hướng').selectOption('lower');
  await form.getByLabel('Theo dõi').selectOption('commune');
  await form.getByLabel('Giá trị cơ sở').fill('28,5');
  await form.getByLabel('Mục tiêu', { exact: true }).fill('18 hộ');
  await form.getByLabel('Năm đạt mục tiêu').fill('2020');
  await form.getByRole('button', { name: 'Thêm', exact: true }).tap();
  await expect(form.getByRole('alert')).toContainText('Mục tiêu:');
  await form.getByLabel('Mục tiêu', { exact: true }).fill('18');
  await form.getByRole('button', { name: 'Thêm', exact: true }).tap();
  const row = standing.locator('.indicator-table tbody tr');
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('Tỷ lệ hộ nghèo');
  await expect(row).toContainText('28,5 %');
  await expect(row).toContainText('18 % (năm 2020)');
  await expect(row).toContainText('Chưa có giá trị được tiếp nhận');

  // The officer, offline, gives the value for a commune of the round's time (this year's
  // round: the communes of the two-tier system since 01/07/2025, none of the abolished ones).
  await openReports(officer, 'syt');
  await offlineReady(officer);
  await officerContext.setOffline(true);
  const block = officer.locator('.indicator-block');
  await expect(block).toContainText('Tỷ lệ hộ nghèo');
  const units = block.getByLabel('Chọn huyện, xã');
  await expect(units.locator('option', { hasText: 'Xã Thất Khê' })).toHaveCount(1);
  await expect(units.locator('option', { hasText: 'Xã Mai Pha' })).toHaveCount(0);
  await expect(units.locator('option', { hasText: 'Thành phố Lạng Sơn' })).toHaveCount(0);
  await units.selectOption({ label: 'Xã Thất Khê' });
  await block.getByRole('button', { name: 'Thêm địa bàn' }).tap();
  const value = block.locator('.value-row').filter({ hasText: 'Xã Thất Khê' });
  await write(value.getByLabel('Giá trị'), '15.5');
  await expect(value.getByLabel('Giá trị')).toHaveValue('15,5');
  await write(officer.locator('.entry').nth(0).getByLabel('Tiến độ (%)'), '60');
  await block.screenshot({ path: 'test-results/report-values-768x1024.png' });
  await officerContext.setOffline(false);
  await expect(officer.locator('.sync-pending')).toHaveText('Đã đồng bộ hết');
  await officer.getByRole('button', { name: 'Gửi báo cáo' }).tap();
  await officer.getByRole('group', { name: 'Xác nhận gửi' }).getByRole('button', { name: 'Gửi', exact: true }).tap();
  await expect(officer.locator('.sync-pending')).toHaveText('Đã đồng bộ hết');

  // Until accepted the indicator has no value; once accepted it shows against the target.
  await standing.getByRole('tab', { name: 'Báo cáo của kỳ' }).tap();
  await standing.locator('tr[data-agency="SYT"]').getByRole('button').tap();
  await standing.getByRole('button', { name: 'Tiếp nhận' }).tap();
  await expect(standing.locator('.report-state')).toContainText('Đã tiếp nhận');
  await standing.getByRole('tab', { name: 'Chỉ tiêu' }).tap();
  await expect(row.locator('.latest-values li')).toHaveText(/Xã Thất Khê: 15,5 % · Đạt/);
  // A stricter target, edited in place: the value no longer reaches it.
  await row.getByRole('button', { name: 'Sửa' }).tap();
  const target = standing.locator('.indicator-edit').getByLabel('Mục tiêu', { exact: true });
  await target.fill('10');
  await target.blur();
  await expect(row.locator('.latest-values li')).toHaveText(/Xã Thất Khê: 15,5 % · Chưa đạt/);
  await expect(row).toContainText('10 % (năm 2020)');
  await standing.locator('.indicators').screenshot({ path: 'test-results/report-indicators-768x1024.png' });

  // The dashboard: charts with their tables, in both orientations.
  await standing.getByRole('tab', { name: 'Tổng quan' }).tap();
  const dashboard = standing.getByRole('region', { name: 'Tổng quan' });
  await expect(dashboard.getByRole('img', { name: 'Tiến độ bình quân theo cơ quan, đơn vị' })).toBeVisible();
  await expect(dashboard.getByRole('img', { name: 'Nhiệm vụ theo tình trạng' })).toBeVisible();
  await expect(dashboard.getByRole('img', { name: 'Tình hình báo cáo của các đơn vị' })).toBeVisible();
  await expect(dashboard.locator('.agency-progress tr[data-agency="SYT"]')).toContainText('Sở Y tế');
  await expect(dashboard.getByRole('img', { name: 'Tiến độ bình quân theo phần của kế hoạch' })).toBeVisible();
  await expect(dashboard.locator('.section-progress tbody tr')).toContainText([/^III\./]);
  await expect(dashboard.locator('.indicator-targets tbody tr')).toContainText(['Xã Thất Khê']);
  await expect(dashboard.getByText('Đây là kỳ báo cáo đầu tiên')).toBeVisible();
  await dashboard.screenshot({ path: 'test-results/report-dashboard-768x1024.png' });
  await standing.setViewportSize({ width: 1024, height: 768 });
  await expect(dashboard.getByRole('img', { name: 'Tiến độ bình quân theo cơ quan, đơn vị' })).toBeVisible();
  const chart = await dashboard.getByRole('img', { name: 'Tiến độ bình quân theo cơ quan, đơn vị' }).boundingBox();
  expect(chart.width).toBeLessThanOrEqual(1024);
  await dashboard.screenshot({ path: 'test-results/report-dashboard-1024x768.png' });
  await standing.setViewportSize(tablet.viewport);

  // The summary compiled, then its A4 print view, laid out as the Word file.
  await standing.getByRole('tab', { name: 'Báo cáo của kỳ' }).tap();
  await standing.getByRole('button', { name: 'Tổng hợp từ các báo cáo đã tiếp nhận' }).tap();
  await standing.getByRole('tab', { name: 'Bản in A4' }).tap();
  const sheet = standing.locator('.a4');
  await expect(sheet).toContainText('CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM');
  await expect(sheet.locator('.o-kind').first()).toHaveText('BÁO CÁO');
  await expect(sheet).toContainText('Phụ lục');
  await expect(sheet.locator('.o-table').first()).toContainText('15,5');
  await sheet.screenshot({ path: 'test-results/report-print-768x1024.png' });
  const pdf = await standing.pdf({ format: 'A4' });
  expect(pdf.length).toBeGreaterThan(10000);
  await standingContext.close();
  await officerContext.close();
});
