// Steps the report tests share: a tablet, SYT given two tasks, opening the reports tab, waiting
// for the service worker, and typing into a field that is saved when it is left.
const { expect } = require('@playwright/test');

const tablet = { viewport: { width: 768, height: 1024 }, hasTouch: true };

/// Gives SYT the lead of one task of section III and a coordinating part in another, through
/// the API as the administrator would; returns the two titles.
async function assignTwoTasks(backend) {
  const token = await backend.admin();
  const plans = await backend.api('GET', '/plans', undefined, token);
  const plan = plans[0].id;
  const tree = await backend.api('GET', `/plans/${plan}`, undefined, token);
  const section = tree.nodes.find((n) => n.parent === null && n.label === 'III');
  const tasks = tree.nodes
    .filter((n) => n.parent === section.id)
    .sort((a, b) => (a.rank < b.rank ? -1 : 1))
    .slice(0, 2);
  const mutations = tasks.map((t, i) => ({
    seq: i + 1,
    base: 0,
    at: Date.now(),
    mutation: { type: 'assign', id: t.id, agency: 'SYT', role: i === 0 ? 'lead' : 'coordinating' },
  }));
  await backend.api('POST', `/plans/${plan}/push`, { client: crypto.randomUUID(), mutations }, token);
  return tasks.map((t) => t.title);
}

async function openReports(backend, page, username) {
  await backend.signIn(page.context(), username);
  await page.goto(backend.url);
  await page.getByRole('link', { name: /52\/KH-UBND/ }).tap();
  await page.getByRole('button', { name: 'Báo cáo', exact: true }).tap();
  await expect(page.locator('.sync-pending')).toHaveText('Đã đồng bộ hết');
}

async function offlineReady(page) {
  await page.evaluate(() => navigator.serviceWorker.ready);
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
}

/// Types into a field of the report and leaves it (a field is saved when it is left).
async function write(field, text) {
  await field.fill(text);
  await field.blur();
}

module.exports = { tablet, assignTwoTasks, openReports, offlineReady, write };
