// Service worker: keeps the app's files on the device so that the app opens with no network,
// and a later visit goes to the network only for data.
// The build writes a checksum of the files into CACHE's name and their list into FILES;
// a new build is a new worker. It installs beside the running one and waits: the page tells the
// user "Có phiên bản mới — tải lại" once they are not editing, and asks it to take over
// ('skip-waiting') only when they accept. The first install takes over at once (nothing runs).
'use strict';
const CACHE = 'kehoach-__VERSION__';
const FILES = ['__FILES__'];

self.addEventListener('install', (event) => {
  // The server sends the files with Cache-Control: no-cache, so what the page has just loaded
  // is revalidated (304) instead of downloaded a second time, and never taken stale.
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(FILES)));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith('kehoach-') && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('message', (event) => {
  if (event.data === 'skip-waiting') self.skipWaiting();
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  const url = new URL(req.url);
  // The API is never cached here: the app keeps its data in IndexedDB.
  if (req.method !== 'GET' || url.origin !== location.origin || url.pathname.startsWith('/api/')) {
    return;
  }
  if (req.mode === 'navigate') {
    // Every address of the app is the same page; the cached one opens at once, offline too.
    event.respondWith(caches.match('/index.html').then((hit) => hit || fetch(req)));
    return;
  }
  event.respondWith(caches.match(req, { ignoreSearch: true }).then((hit) => hit || fetch(req)));
});
