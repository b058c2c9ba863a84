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

// The app's first questions, asked here too so that their answers wait for it when it starts
// instead of costing one more round trip each after its code has loaded (300 ms over 3G): who
// is signed in, on every page, and on the home page the list of plans. The app takes each answer
// once, if it is a success (`api::get`); for anything else, or a request that never reached
// the server (`null`), it asks itself.
// (Not the list while a sign-out made offline waits to be finished: it would be the last
// user's; `api::login` and `api::logout` drop whatever answer is left.)
const ask = (url) => fetch(url).then((r) => r, () => null);
window.__earlyAnswers = { '/api/session': ask('/api/session') };
let signingOut = true;
try {
  signingOut = localStorage.getItem('session:logout-pending') !== null;
} catch (_) { /* storage blocked: the app asks itself */ }
if (location.pathname === '/' && !signingOut) window.__earlyAnswers['/api/plans'] = ask('/api/plans');

import('/pkg/frontend.js').then(({ default: init }) => init({ module_or_path: '/pkg/frontend_bg.wasm' }));
