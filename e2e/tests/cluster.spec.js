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
test.afterEach(async ({}, testInfo) => {
  // A failure shows what the servers and nginx said (the last lines: CI keeps the output's end).
  if (testInfo.status !== testInfo.expectedStatus) {
    const tail = (text) => text.split('\n').slice(-30).join('\n');
    cluster.servers.forEach((s, i) => console.error(`--- server ${i + 1}:\n${tail(s.log)}`));
    console.error(`--- nginx:\n${tail(cluster.nginxLog || '')}`);
  }
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

// Two tablets edit a task in turns, `edits` times; each edit is seen on the other within a
// second of the editor's sync, and neither shows a conflict. `state` carries the task's title
// from one call to the next.
async function editInTurns(a, b, edits, state) {
  for (let i = 0; i < edits; i++) {
    const [editor, watcher] = i % 2 === 0 ? [a.page, b.page] : [b.page, a.page];
    await filter(watcher, state.n === 0 ? state.query : 'qua cum may chu');
    await filter(editor, state.query);
    await editor.getByRole('treeitem', { name: state.task }).first().tap();
    const title = editor.getByLabel('Tiêu đề');
    const text = `Giáo dục qua cụm máy chủ ${state.n}`;
    await title.fill(text);
    await title.blur();
    await expect(editor.locator('.sync-pending')).toHaveText('Đã đồng bộ hết');
    const synced = Date.now();
    await expect(watcher.getByRole('treeitem', { name: new RegExp(`${text}$`) })).toBeVisible({ timeout: 1000 });
    expect(Date.now() - synced).toBeLessThan(1500);
    state.query = 'qua cum may chu';
    state.task = new RegExp(`${text}$`);
    state.n += 1;
  }
  // Each edit was made after seeing the one before, whichever server sent it: no conflict.
  for (const t of [a, b]) await expect(t.page.locator('.sync-conflicts')).toHaveCount(0);
}

test('two tablets behind the proxy, on two servers: each edit is seen on the other within a second', async ({ browser }) => {
  const state = { query: 'giao duc', task: /Phát triển giáo dục, đào tạo/, n: 0 };
  const partner = {};
  const pair = async (first, second) => {
    partner[first] = second;
    partner[second] = first;
    return [await tablet(browser, first), await tablet(browser, second)];
  };
  // Closed, their event streams end and nginx logs which server held them.
  const close = async (tablets, streams) => {
    for (const t of tablets) await t.context.close();
    await expect.poll(() => cluster.accessLog().filter((l) => /\/events /.test(l.request)).length)
      .toBeGreaterThanOrEqual(streams);
  };
  // The pushes that went through a server not holding the other tablet's event stream (told
  // through the database).
  const crossed = () => {
    const log = cluster.accessLog();
    const heldBy = (agent) => new Set(log.filter((l) => l.agent.includes(agent) && /\/events /.test(l.request)).map((l) => l.upstream));
    return log.filter((l) => /\/push /.test(l.request)).filter((p) => {
      const agent = Object.keys(partner).find((name) => p.agent.includes(name));
      return agent !== undefined && ![...heldBy(partner[agent])].includes(p.upstream);
    });
  };

  const [a, b] = await pair('may-tinh-bang-1', 'may-tinh-bang-2');
  const edits = 10;
  await editInTurns(a, b, edits, state);
  await expect(a.page.locator('.sync-state')).toHaveText('● Trực tuyến');
  await a.page.screenshot({ path: 'test-results/cluster-768x1024.png' });
  await close([a, b], 2);
  const log = cluster.accessLog();
  expect(log.filter((l) => /\/push /.test(l.request)).length).toBeGreaterThanOrEqual(edits);
  // Both servers served the tablets (the plan's pushes go to one, by its id; event streams to
  // the least busy).
  const served = new Set(log.map((l) => l.upstream));
  for (const upstream of cluster.upstreams) expect(served).toContain(upstream);
  // Edits went through the server that did not hold the other tablet's event stream. Where
  // nginx puts a stream is its choice (least connections): when both were on the server the
  // plan's pushes go to, a new pair of tablets edits again (at most four more pairs).
  for (let round = 1; crossed().length === 0 && round <= 4; round++) {
    const [c, d] = await pair(`may-tinh-bang-${2 * round + 1}`, `may-tinh-bang-${2 * round + 2}`);
    await editInTurns(c, d, 2, state);
    await close([c, d], 2 * round + 2);
  }
  console.log(`edits through the server not holding the other tablet's stream: ${crossed().length}`);
  expect(crossed().length).toBeGreaterThan(0);
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
