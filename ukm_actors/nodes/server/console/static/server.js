/* The cash server's console: what every page shares. Pages are in their own files
   (dashboard.js, directories.js, …), each registering itself with C.page(). */
"use strict";

const S = (() => {

  /* Stores as [[code, "code name"]] for a select (cached for the page's life). */
  let storesCache = null;
  async function stores() {
    if (!storesCache) {
      const data = await C.get("stores");
      storesCache = data.stores || data;
    }
    return storesCache;
  }
  function forgetStores() { storesCache = null; }

  return {stores, forgetStores, readOnly: C.readOnly};
})();

document.addEventListener("DOMContentLoaded", () => C.start(C.N_("UKM cash server")));
