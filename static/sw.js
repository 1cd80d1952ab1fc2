/* 守望 service worker: keeps the app shell (styles, scripts, the offline page) so a page
   opens without signal: asked for without signal, any page is answered by the offline page,
   which shows the copy of it this phone kept. Nothing else is cached here, in plain text:
   pages hold children's data, so what a phone keeps of them (the outbox, the home-visit pack,
   the pages with forms that work without signal) is sealed in IndexedDB by app.js.
   The server fills in the version and the fingerprinted URLs below; a new version replaces
   the old cache whole. */
"use strict";
var VERSION = "__VERSION__";
var SHELL = ["__SHELL__"];
var CACHE = "shell-" + VERSION;
var OFFLINE = "/offline";

self.addEventListener("install", function (evt) {
  evt.waitUntil(caches.open(CACHE).then(function (cache) {
    return cache.addAll(SHELL.map(function (url) {
      return new Request(url, { credentials: "omit", cache: "reload" });
    }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (evt) {
  evt.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name !== CACHE;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (evt) {
  var request = evt.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  var path = url.pathname + url.search;
  if (SHELL.indexOf(path) >= 0) {
    // The shell's URLs carry their fingerprint: what is kept is never stale.
    evt.respondWith(caches.open(CACHE).then(function (cache) {
      return cache.match(path).then(function (kept) { return kept || fetch(request); });
    }));
  } else if (request.mode === "navigate") {
    // A page is always asked of the server; only without signal the offline page answers.
    evt.respondWith(fetch(request).catch(function () {
      return caches.open(CACHE).then(function (cache) { return cache.match(OFFLINE); });
    }));
  }
});
