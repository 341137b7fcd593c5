// Tunelab's service worker: the page's own files (wasm, JS, CSS, samples) come from Cache
// Storage after the first visit, so a second visit asks the network for the HTML only, and
// the page still opens when the network is gone (a classroom whose Wi-Fi drops).
//
// `cargo xtask` writes dist/sw.js from this file after each build, with the build's file list
// and a version drawn from their bytes. A new build is a new sw.js: the browser installs it
// beside the old one and it takes over once no tab runs the old page, so a page and its
// worker never come from two builds.
//
// Models are not listed: the worker keeps them in its own cache (src/browser/fetch.rs).

const VERSION = "__TUNELAB_VERSION__";
const FILES = __TUNELAB_FILES__;
const PREFIX = "tunelab-page-";
const CACHE = PREFIX + VERSION;
const PAGE = "index.html";

const scope = new URL(self.registration.scope);
const listed = new Set(FILES.map((file) => new URL(file, scope).href));

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(FILES)));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys().then((names) =>
      Promise.all(names.filter((n) => n.startsWith(PREFIX) && n !== CACHE).map((n) => caches.delete(n)))
    )
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") {
    return;
  }
  if (request.mode === "navigate") {
    // The HTML from the network when there is one (a share link's page is always current),
    // else this build's copy.
    event.respondWith(
      fetch(request).catch(() =>
        caches.open(CACHE).then((cache) => cache.match(PAGE)).then((page) => page || Response.error())
      )
    );
    return;
  }
  const url = new URL(request.url);
  url.search = "";
  url.hash = "";
  if (listed.has(url.href)) {
    event.respondWith(
      caches.open(CACHE).then((cache) => cache.match(url.href)).then((hit) => hit || fetch(request))
    );
  }
});
