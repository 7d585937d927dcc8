/* The marketing server's console: what every page shares. Pages are in campaigns.js and
   programs.js, each registering itself with C.page(). */
"use strict";

const M = (() => {
  let storesCache = null;
  /* Stores the cash server's feeds brought: [{code, name}]. */
  async function stores() {
    if (!storesCache) storesCache = (await C.get("stores")).stores || [];
    return storesCache;
  }
  /* An ISO time without its zone for a datetime-local input ("2026-12-01T00:00"). */
  function local(value) { return value ? String(value).slice(0, 16) : ""; }
  return {stores, local};
})();

document.addEventListener("DOMContentLoaded", () => C.start(C.N_("UKM marketing server")));
