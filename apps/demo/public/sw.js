// Makes the app installable on a phone's home screen and lets it open offline. The app's own files
// are fetched from the network first and kept as they come, so an offline start finds the last
// version seen; nothing else is cached: the API (notes, photos, the change feed) goes to the network
// as it is, and the notes kept for offline use live in the app's storage (the SDK's sync()), which
// knows how far they are up to date.
const CACHE = 'shoebox-demo';

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  const appFile = url.origin === self.location.origin && url.pathname.startsWith('/demo/') && url.pathname !== '/demo/config.json';
  if (event.request.method !== 'GET' || !appFile) return;
  event.respondWith(
    fetch(event.request).then(
      (response) => {
        if (response.ok) {
          const copy = response.clone();
          event.waitUntil(caches.open(CACHE).then((cache) => cache.put(event.request, copy)));
        }
        return response;
      },
      async (failure) => {
        const kept = await caches.match(event.request, { ignoreSearch: true });
        if (kept) return kept;
        throw failure;
      },
    ),
  );
});
