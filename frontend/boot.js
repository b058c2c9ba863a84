// Starts the web app (a file of its own: the Content-Security-Policy allows no inline script).
// The app's code is imported once the early pull below is under way: a static import would
// wait for it (and for what it imports) before this file ran at all.

// A plan's address opened on a device with no copy of that plan (a first visit, a shared
// link): the plan is asked for while the app's code loads, with the request every new device
// sends first. The app takes the answer once it has read the device's memory
// (`api::early_pull`); a device that keeps a copy says so under `plan:<id>:kept`
// (`state::save_synced`) and is never sent a whole plan it already holds.
const opened = location.pathname.match(/^\/plans\/([0-9a-f-]{36})$/);
let kept = false;
try {
  kept = opened !== null && localStorage.getItem(`plan:${opened[1]}:kept`) !== null;
} catch (_) {
  kept = true; // storage blocked: the app asks for the plan itself
}
if (opened !== null && !kept) {
  const abort = new AbortController();
  // Without the nodes' bodies (most of a big plan's bytes): the app asks for them once the
  // tree shows.
  const began = fetch(`/api/plans/${opened[1]}/pull?without=bodies`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"cursor":0,"clients":[]}',
    signal: abort.signal,
  });
  window.__earlyPull = {
    plan: opened[1],
    abort,
    // Settles when the answer begins (or the request fails): the app gives up on an answer
    // that has not begun in time, and asks again itself.
    began: began.then(() => true, () => false),
    // Read to the end at once: a body nobody reads yet stops coming once the browser's buffer
    // is full, and the app is still starting.
    response: began.then(async (r) => new Response(await r.arrayBuffer(), { status: r.status, headers: r.headers })),
  };
}

// Who is signed in: the app's first question on every page, asked here too, so that its answer
// is waiting when the app starts (`api::session` takes it once) instead of being one more round
// trip after the app's code has loaded and started. `null` when it never reached the server:
// the app then asks itself.
window.__earlySession = fetch('/api/session')
  .then((r) => r, () => null);

import('/pkg/frontend.js').then(({ default: init }) => init({ module_or_path: '/pkg/frontend_bg.wasm' }));
