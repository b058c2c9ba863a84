// Beyond one machine: two tablets reach the app through nginx, in front of two servers on one
// SurrealDB server; what one edits, the other sees within a second, whichever server took
// the edit and whichever holds the other's event stream.
const { test, expect } = require('@playwright/test');
const { Cluster } = require('../cluster');

let cluster;
test.beforeEach(async () => {
  cluster = new Cluster();
  await cluster.start();
  await cluster.createUser('bdt', 'standing', 'BDT', 'Nguyễn Thị Thường Trực');
});
test.afterEach(async () => {
  await cluster.dispose();
});

async function tablet(browser, name) {
  const context = await browser.newContext({
    viewport: { width: 768, height: 1024 },
    hasTouch: true,
    userAgent: `Mozilla/5.0 (Linux; Android 13; ${name}) Chrome/120 Safari/537.36`,
  });
  await cluster.signIn(context, 'bdt');
  const page = await context.newPage();
  await page.goto(cluster.url);
  await page.getByRole('link', { name: /52\/KH-UBND/ }).tap();
  await expect(page.getByRole('treeitem', { name: /CÁC NHIỆM VỤ CỤ THỂ/ })).toBeVisible();
  await expect(page.locator('.sync-pending')).toHaveText('Đã đồng bộ hết');
  return { context, page };
}

async function filter(page, query) {
  // Below 900 px the details cover the tree: go back to it first.
  const back = page.getByRole('button', { name: 'Quay lại cây' });
  if (await back.isVisible()) await back.tap();
  await page.getByLabel('Lọc cây kế hoạch').fill(query);
}

test('two tablets behind the proxy, on two servers: each edit is seen on the other within a second', async ({ browser }) => {
  const a = await tablet(browser, 'may-tinh-bang-1');
  const b = await tablet(browser, 'may-tinh-bang-2');
  let query = 'giao duc';
  let task = /Phát triển giáo dục, đào tạo/;
  const edits = 10;
  for (let i = 0; i < edits; i++) {
    const [editor, watcher] = i % 2 === 0 ? [a.page, b.page] : [b.page, a.page];
    await filter(watcher, i === 0 ? query : 'qua cum may chu');
    await filter(editor, query);
    await editor.getByRole('treeitem', { name: task }).first().tap();
    const title = editor.getByLabel('Tiêu đề');
    const text = `Giáo dục qua cụm máy chủ ${i}`;
    await title.fill(text);
    await title.blur();
    await expect(editor.locator('.sync-pending')).toHaveText('Đã đồng bộ hết');
    const synced = Date.now();
    await expect(watcher.getByRole('treeitem', { name: new RegExp(`${text}$`) })).toBeVisible({ timeout: 1000 });
    expect(Date.now() - synced).toBeLessThan(1500);
    query = 'qua cum may chu';
    task = new RegExp(`${text}$`);
  }
  await expect(a.page.locator('.sync-state')).toHaveText('● Trực tuyến');
  // Each edit was made after seeing the one before, whichever server sent it: no conflict.
  for (const t of [a, b]) await expect(t.page.locator('.sync-conflicts')).toHaveCount(0);
  await a.page.screenshot({ path: 'test-results/cluster-768x1024.png' });
  // Closed, their event streams end and nginx logs which server held them.
  await a.context.close();
  await b.context.close();
  await expect.poll(() => cluster.accessLog().filter((l) => /\/events /.test(l.request)).length).toBeGreaterThanOrEqual(2);
  const log = cluster.accessLog();
  const heldBy = (agent) => new Set(log.filter((l) => l.agent.includes(agent) && /\/events /.test(l.request)).map((l) => l.upstream));
  const pushes = log.filter((l) => /\/push /.test(l.request));
  expect(pushes.length).toBeGreaterThanOrEqual(edits);
  // Both servers served the tablets (the plan's pushes go to one, by its id; event streams to
  // the least busy), and edits went through the server that did not hold the other tablet's
  // event stream (told through the database).
  const served = new Set(log.map((l) => l.upstream));
  for (const upstream of cluster.upstreams) expect(served).toContain(upstream);
  const crossed = pushes.filter((p) => {
    const other = p.agent.includes('may-tinh-bang-1') ? 'may-tinh-bang-2' : 'may-tinh-bang-1';
    return ![...heldBy(other)].includes(p.upstream);
  });
  console.log(`pushes: ${pushes.length}, through the server not holding the other tablet's stream: ${crossed.length}`);
  expect(crossed.length).toBeGreaterThan(0);
});

test('the database restarts while a tablet edits: the sync bar says the server is reconnecting, the edit waits, then is sent', async ({ browser }) => {
  const a = await tablet(browser, 'may-tinh-bang-1');
  await cluster.killDatabase();
  // Both servers notice (nginx passes on their 503).
  await expect.poll(async () => (await fetch(`${cluster.url}/api/health`)).status, { timeout: 15_000 }).toBe(503);
  await filter(a.page, 'giao duc');
  await a.page.getByRole('treeitem', { name: /Phát triển giáo dục, đào tạo/ }).first().tap();
  const title = a.page.getByLabel('Tiêu đề');
  await title.fill('Giáo dục (sửa khi máy chủ kết nối lại)');
  await title.blur();
  await expect(a.page.locator('.sync-state')).toHaveText('○ Máy chủ chưa sẵn sàng');
  await expect(a.page.locator('.sync-server')).toContainText('kết nối lại với cơ sở dữ liệu');
  await expect(a.page.locator('.sync-pending')).toHaveText('1 thay đổi chờ gửi');
  await a.page.screenshot({ path: 'test-results/database-reconnecting-768x1024.png' });
  await cluster.startDatabase();
  // The servers reconnect by themselves; the app tries again when the server said to.
  await expect(a.page.locator('.sync-pending')).toHaveText('Đã đồng bộ hết', { timeout: 20_000 });
  await expect(a.page.locator('.sync-state')).toHaveText('● Trực tuyến');
  await expect(a.page.locator('.sync-server')).toHaveCount(0);
  // The edit reached the database: a second tablet sees it.
  const b = await tablet(browser, 'may-tinh-bang-2');
  await filter(b.page, 'may chu ket noi lai');
  await expect(b.page.getByRole('treeitem', { name: /sửa khi máy chủ kết nối lại/ })).toBeVisible();
  await a.context.close();
  await b.context.close();
});
