// Service worker: keeps the app's files on the device so that the app opens with no network.
// The build replaces __VERSION__ with a checksum of the files; a new build is a new worker,
// which caches the new files and removes the old cache.
'use strict';
const CACHE = 'kehoach-__VERSION__';
const SHELL = ['/', '/index.html', '/boot.js', '/style.css', '/pkg/frontend.js', '/pkg/frontend_bg.wasm'];

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
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
    event.respondWith(
      caches.match('/index.html').then((hit) => hit || fetch(req)),
    );
    return;
  }
  event.respondWith(caches.match(req).then((hit) => hit || fetch(req)));
});
