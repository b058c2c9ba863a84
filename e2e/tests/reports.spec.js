// Reports on tablets: the standing agency opens the 6-month round; an agency officer fills its
// report for its two tasks with no network, reloads, goes online and sends it; the standing
// officer returns it with a reason; the officer fixes it and sends again; it is accepted, and
// the completeness view says how and when it came.
const { test, expect } = require('@playwright/test');
const { backendPerTest } = require('../server');

const current = backendPerTest(test);

const steps = require('../report-steps');

const { tablet, assignTwoTasks, offlineReady, write } = steps;
const openReports = (page, username) => steps.openReports(current(), page, username);

test('an agency writes its 6-month report offline, sends it, gets it back with a reason, sends again, and it is accepted', async ({ browser }) => {
  const backend = current();
  const titles = await assignTwoTasks(backend);
  await backend.createUser('syt', 'agency_officer', 'SYT', 'Trần Văn Y Tế');

  const standingContext = await browser.newContext(tablet);
  const officerContext = await browser.newContext(tablet);
  const standing = await standingContext.newPage();
  const officer = await officerContext.newPage();

  // The standing officer opens the round: kind, title, dates filled by the rules.
  await openReports(standing, 'bdt');
  await expect(standing.getByText('Chưa có kỳ báo cáo nào')).toBeVisible();
  await standing.getByRole('button', { name: 'Mở kỳ báo cáo' }).tap();
  const form = standing.getByRole('form', { name: 'Mở kỳ báo cáo' });
  const year = new Date().getFullYear();
  await expect(form.getByLabel('Tên kỳ báo cáo')).toHaveValue(`Báo cáo 6 tháng đầu năm ${year}`);
  await expect(form.getByLabel('Số liệu từ ngày')).toHaveValue(`15/12/${year - 1}`);
  await expect(form.getByLabel('Hạn đơn vị gửi báo cáo')).toHaveValue(`15/06/${year}`);
  await expect(form.getByRole('checkbox', { name: 'Sở Y tế' })).toBeChecked();
  await form.getByRole('button', { name: 'Mở kỳ báo cáo' }).tap();
  const sytRow = standing.locator('tr[data-agency="SYT"]');
  await expect(sytRow.locator('.standing')).toHaveText('Chưa gửi (quá hạn)');

  // The officer, in a commune with no signal, writes the report for its two tasks.
  await openReports(officer, 'syt');
  await expect(officer.getByRole('heading', { name: `Báo cáo 6 tháng đầu năm ${year}` })).toBeVisible();
  await offlineReady(officer);
  await officerContext.setOffline(true);
  const entries = officer.locator('.entry');
  await expect(entries).toHaveCount(2);
  await expect(entries.nth(0)).toContainText(titles[0]);
  await expect(entries.nth(0).locator('.role')).toHaveText('Chủ trì');
  await expect(entries.nth(1).locator('.role')).toHaveText('Phối hợp');
  await write(entries.nth(0).getByLabel('Kết quả thực hiện'), 'Đã tổ chức 12 lớp tập huấn cho y tế thôn bản.\nCấp 2.000 thẻ BHYT.');
  await write(entries.nth(0).getByLabel('Tiến độ (%)'), '60');
  await write(entries.nth(0).getByLabel('Kinh phí được giao (đồng)'), '1250000000');
  await write(entries.nth(1).getByLabel('Kết quả thực hiện'), 'Phối hợp khám sàng lọc tại 8 xã.');
  await write(entries.nth(1).getByLabel('Khó khăn, vướng mắc'), 'Địa bàn rộng, đi lại khó khăn.');
  await expect(officer.locator('.sync-pending')).toHaveText('5 thay đổi chờ gửi');
  await expect(entries.nth(0).getByLabel('Kinh phí được giao (đồng)')).toHaveValue('1.250.000.000');
  await officer.screenshot({ path: 'test-results/report-editor-768x1024.png', fullPage: true });

  // Still there after a reload with no network.
  await officer.reload();
  await officer.getByRole('button', { name: 'Báo cáo', exact: true }).tap();
  await expect(officer.locator('.entry').nth(0).getByLabel('Kết quả thực hiện')).toHaveValue(/12 lớp tập huấn/);
  await expect(officer.locator('.sync-pending')).toHaveText('5 thay đổi chờ gửi');

  // Back online: the edits go, then the report is sent.
  await officerContext.setOffline(false);
  await expect(officer.locator('.sync-pending')).toHaveText('Đã đồng bộ hết');
  await officer.getByRole('button', { name: 'Gửi báo cáo' }).tap();
  await officer.getByRole('group', { name: 'Xác nhận gửi' }).getByRole('button', { name: 'Gửi', exact: true }).tap();
  await expect(officer.locator('.report-state')).toContainText('Gửi muộn');
  await expect(officer.locator('.sync-pending')).toHaveText('Đã đồng bộ hết');
  await expect(officer.getByLabel('Kết quả thực hiện').first()).toHaveAttribute('readonly', '');

  // The standing officer sees it late, opens it and returns it with a reason.
  await expect(sytRow.locator('.standing')).toHaveText('Gửi muộn');
  await standing.screenshot({ path: 'test-results/report-completeness-768x1024.png', fullPage: true });
  await sytRow.getByRole('button').tap();
  await expect(standing.locator('.entry').nth(0).getByLabel('Kết quả thực hiện')).toHaveValue(/12 lớp tập huấn/);
  await standing.getByRole('button', { name: 'Trả lại', exact: true }).tap();
  await standing.getByRole('button', { name: 'Trả lại cho đơn vị' }).tap();
  await expect(standing.locator('.review [role=alert]')).toContainText('lý do');
  await standing.getByLabel('Lý do trả lại').fill('Bổ sung số liệu giải ngân.');
  await standing.getByRole('button', { name: 'Trả lại cho đơn vị' }).tap();
  await expect(standing.locator('.report-state')).toContainText('Bị trả lại');

  // The officer reads why, fixes it and sends again.
  await expect(officer.locator('.returned')).toContainText('Bổ sung số liệu giải ngân.');
  await write(officer.locator('.entry').nth(0).getByLabel('Đã giải ngân (đồng)'), '900.000.000');
  await officer.getByRole('button', { name: 'Gửi báo cáo' }).tap();
  await officer.getByRole('group', { name: 'Xác nhận gửi' }).getByRole('button', { name: 'Gửi', exact: true }).tap();
  await expect(officer.locator('.report-state')).toContainText('Gửi muộn');

  // Accepted; the completeness view says so, and that it came late.
  await expect(standing.locator('.report-state')).toContainText('Gửi muộn');
  await expect(standing.locator('.entry').nth(0).getByLabel('Đã giải ngân (đồng)')).toHaveValue('900.000.000');
  await standing.getByRole('button', { name: 'Tiếp nhận' }).tap();
  await expect(standing.locator('.report-state')).toContainText('Đã tiếp nhận (gửi muộn)');
  await standing.getByRole('button', { name: '← Tình hình báo cáo' }).tap();
  await expect(sytRow.locator('.standing')).toHaveText('Đã tiếp nhận (gửi muộn)');
  await expect(officer.locator('.report-state')).toContainText('Đã tiếp nhận');

  // The standing agency compiles the summary; two of its tablets edit two paragraphs at once,
  // one of them offline: both edits are kept.
  await standing.getByRole('button', { name: 'Tổng hợp từ các báo cáo đã tiếp nhận' }).tap();
  const texts = standing.getByRole('textbox', { name: 'Nội dung đoạn' });
  await expect(texts.first()).toHaveValue(/12 lớp tập huấn/);
  await expect(standing.locator('.sync-pending')).toHaveText('Đã đồng bộ hết');
  const secondContext = await browser.newContext(tablet);
  const second = await secondContext.newPage();
  await openReports(second, 'bdt');
  const secondTexts = second.getByRole('textbox', { name: 'Nội dung đoạn' });
  await expect(secondTexts.first()).toHaveValue(/12 lớp tập huấn/);
  await secondContext.setOffline(true);
  await write(secondTexts.nth(2), 'Các sở, ngành đã vào cuộc tích cực, chủ động.');
  await write(texts.first(), 'Sở Y tế đã tổ chức 12 lớp tập huấn cho y tế thôn bản (đã biên tập).');
  await expect(standing.locator('.sync-pending')).toHaveText('Đã đồng bộ hết');
  await secondContext.setOffline(false);
  await expect(second.locator('.sync-pending')).toHaveText('Đã đồng bộ hết');
  await expect(texts.nth(2)).toHaveValue('Các sở, ngành đã vào cuộc tích cực, chủ động.');
  await expect(secondTexts.first()).toHaveValue(/đã biên tập/);
  await standing.locator('.summary-report').screenshot({ path: 'test-results/report-summary-768x1024.png' });

  // A leader approves it; it is then read-only for the standing agency.
  await backend.createUser('lanhdao', 'leader', null, 'Lê Lãnh Đạo');
  const leaderContext = await browser.newContext(tablet);
  const leaderPage = await leaderContext.newPage();
  await openReports(leaderPage, 'lanhdao');
  await leaderPage.getByRole('button', { name: 'Duyệt', exact: true }).tap();
  await expect(leaderPage.locator('.notice.approved')).toContainText('Đã duyệt');
  await expect(standing.locator('.notice.approved')).toContainText('Lê Lãnh Đạo');
  await expect(texts.first()).toHaveAttribute('readonly', '');

  // The Word file downloads on the tablet.
  const [download] = await Promise.all([
    leaderPage.waitForEvent('download'),
    leaderPage.getByRole('link', { name: 'Tải báo cáo tổng hợp (.docx)' }).tap(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^bao-cao-tong-hop-.*\.docx$/);
  const saved = 'test-results/bao-cao-tong-hop.docx';
  await download.saveAs(saved);
  expect(require('fs').statSync(saved).size).toBeGreaterThan(5000);
  await leaderContext.close();
  await secondContext.close();
  await standingContext.close();
  await officerContext.close();
});
