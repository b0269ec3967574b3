// poolviz's service worker, for static hosts that cannot send the two headers
// threads need: it adds Cross-Origin-Opener-Policy and
// Cross-Origin-Embedder-Policy to every same-origin response of this folder.
// index.html registers it only when the page is not cross-origin isolated.
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', event => event.waitUntil(self.clients.claim()));
self.addEventListener('fetch', event => {
  const request = event.request;
  if (request.cache === 'only-if-cached' && request.mode !== 'same-origin') return;
  event.respondWith(fetch(request).then(response => {
    if (response.status === 0 || new URL(request.url).origin !== self.location.origin) return response;
    const headers = new Headers(response.headers);
    headers.set('Cross-Origin-Opener-Policy', 'same-origin');
    headers.set('Cross-Origin-Embedder-Policy', 'require-corp');
    return new Response(response.body, {status: response.status, statusText: response.statusText, headers});
  }));
});
