/* Fangkong's service worker (rendered by core.views.service_worker; release {{ version }}).
 *
 * The app shell (CSS, scripts, icon: hashed names, so cache-first is safe) is cached at install.
 * Pages are network-first: every page opened online is kept, and without a network the kept copy
 * is served, marked so that the page says how old it is. The start page asks for the user's
 * field pages to be kept ahead (their buildings' knock pages, today's temperature sheets, the
 * sampler page of today's round). Writes (POST) never go through here: the outbox keeps them.
 * Signing out empties the page cache (it holds personal data, masked).
 */
"use strict";
var SHELL = {{ shell|safe }};
var SHELL_CACHE = "fk-shell-{{ version }}";
var PAGE_CACHE = "fk-pages";
var STATIC_URL = {{ static_url|safe }};
var LOGIN_URL = {{ login_url|safe }};
var OFFLINE_URL = {{ offline_url|safe }};

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL_CACHE).then(function (cache) { return cache.addAll(SHELL); })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf("fk-shell-") === 0 && k !== SHELL_CACHE; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

function keepable(response) {
  // A page of the user's own, not the login page a lapsed session is sent to.
  return response && response.ok && response.type === "basic" && !response.redirected &&
    (response.headers.get("Content-Type") || "").indexOf("text/html") === 0;
}

function pageKey(url) {
  var u = new URL(url);
  u.hash = "";
  return u.toString();
}

function markedCopy(response) {
  // Served from the cache: the page shows "no network: copy of HH:MM" (its own render time).
  return response.text().then(function (html) {
    return new Response(html.replace("<body ", "<body data-fk-offline-copy=\"1\" "), {
      status: 200, headers: { "Content-Type": "text/html; charset=utf-8" }
    });
  });
}

function page(event) {
  var request = event.request;
  return fetch(request).then(function (response) {
    if (keepable(response)) {
      var copy = response.clone();
      // Kept before the worker may stop (waitUntil), so a reload right after finds it.
      event.waitUntil(caches.open(PAGE_CACHE).then(function (cache) { return cache.put(pageKey(request.url), copy); }));
    }
    return response;
  }).catch(function () {
    return caches.open(PAGE_CACHE).then(function (cache) {
      return cache.match(pageKey(request.url)).then(function (hit) {
        if (hit) return markedCopy(hit);
        return cache.match(pageKey(new URL(OFFLINE_URL, self.location.origin).toString())).then(function (start) {
          if (start) return markedCopy(start);
          return new Response("<!doctype html><meta charset=utf-8><title>Fangkong</title><p>离线 · Offline</p>",
                              { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
        });
      });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.indexOf(STATIC_URL) === 0) {
    event.respondWith(caches.match(request).then(function (hit) {
      return hit || fetch(request).then(function (response) {
        if (response.ok) {
          var copy = response.clone();
          caches.open(SHELL_CACHE).then(function (cache) { cache.put(request, copy); });
        }
        return response;
      });
    }));
    return;
  }
  if (url.pathname === LOGIN_URL || url.pathname.indexOf("/api/") === 0) return;
  if (request.mode === "navigate" || (request.headers.get("Accept") || "").indexOf("text/html") !== -1) {
    event.respondWith(page(event));
  }
});

self.addEventListener("message", function (event) {
  var m = event.data || {};
  if (m.type === "keep" && Array.isArray(m.urls)) {
    var source = event.source;
    event.waitUntil(caches.open(PAGE_CACHE).then(function (cache) {
      // The page that asks is kept first, from the browser's own copy of what it was served
      // ("force-cache": no new request). A page opened before this worker controlled the tab (the
      // first page after signing in, or after an update) never passed through it, and asking the
      // server again would fail once the sign-in has ended: the login page is never kept.
      var current = m.current ? fetch(m.current, { credentials: "same-origin", cache: "force-cache" })
        .then(function (response) {
          if (!keepable(response)) return false;
          return cache.put(pageKey(new URL(m.current, self.location.origin).toString()), response).then(function () { return true; });
        }).catch(function () { return false; }) : Promise.resolve(false);
      var assets = (Array.isArray(m.assets) ? m.assets : []).filter(function (u) {
        return new URL(u, self.location.origin).pathname.indexOf(STATIC_URL) === 0;
      });
      var shell = caches.open(SHELL_CACHE).then(function (statics) {
        return Promise.all(assets.map(function (u) {
          return statics.match(u).then(function (hit) {
            return hit || fetch(u).then(function (response) { if (response.ok) return statics.put(u, response); });
          }).catch(function () { /* kept when next fetched */ });
        }));
      });
      return Promise.all([current, shell]).then(function (done) { return done[0]; }).then(function (kept) {
        if (source && m.current) source.postMessage({ type: "kept", url: m.current, kept: kept });
        return Promise.all(m.urls.map(function (u) {
          return fetch(u, { credentials: "same-origin" }).then(function (response) {
            if (keepable(response)) return cache.put(pageKey(new URL(u, self.location.origin).toString()), response);
          }).catch(function () { /* offline now: kept when next opened */ });
        }));
      });
    }));
  } else if (m.type === "forget") {
    event.waitUntil(caches.delete(PAGE_CACHE));
  }
});
