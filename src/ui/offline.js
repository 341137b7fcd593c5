// Registers the service worker that `cargo xtask` writes beside the page (web/sw.js): it keeps
// the page's files for the next visit and for one with no network. Without it (a build by plain
// `trunk`, a browser that refuses it) the page works as before, fetching its files each visit,
// so a failure is a note in the console, not in front of the user.
export function registerServiceWorker(url) {
  if (!("serviceWorker" in navigator)) {
    return;
  }
  navigator.serviceWorker.register(url).catch((error) => {
    console.warn("tunelab: no service worker, so the page's files are fetched on each visit:", error);
  });
}
