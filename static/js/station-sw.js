// The stations' service worker (the door station at /checkin, the booth scanner at
// /checkin/booth): their pages and what they need are cached, so a page opens and works with no
// network. The API is never cached (the pages queue scans themselves).
"use strict";
var CACHE = "station-v2";
var PAGES = ["/checkin", "/checkin/booth"];
var SHELL = PAGES.concat([
  "/static/css/app.css",
  "/static/js/station-core.js",
  "/static/js/checkin.js",
  "/static/js/booth.js",
  "/static/js/forms.js",
  "/static/vendor/qr-scanner/qr-scanner.umd.min.js",
  "/static/vendor/qr-scanner/qr-scanner-worker.min.js",
  "/static/img/favicon.svg",
  "/static/img/station-192.png",
  "/checkin/manifest.webmanifest"
]);

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(SHELL); }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== CACHE; }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin || url.pathname.indexOf("/api/") === 0) {
    return;
  }
  if (event.request.mode === "navigate") {
    // The page itself: fresh when online (and kept), the kept copy when not (a set-up link
    // opened offline gets its station's page).
    var page = url.pathname.indexOf("/checkin/booth") === 0 ? "/checkin/booth" : "/checkin";
    event.respondWith(fetch(event.request).then(function (response) {
      if (response.ok && PAGES.indexOf(url.pathname) >= 0) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(url.pathname, copy); });
      }
      return response;
    }).catch(function () { return caches.match(page); }));
    return;
  }
  // Files: fresh from the network when there is one (so a new version of the station's script
  // is used at once), kept for when there is not.
  event.respondWith(fetch(event.request).then(function (response) {
    if (response.ok && SHELL.indexOf(url.pathname) >= 0) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { cache.put(url.pathname, copy); });
    }
    return response;
  }).catch(function () {
    return caches.match(event.request, { ignoreSearch: true });
  }));
});
