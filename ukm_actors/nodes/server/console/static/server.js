/* The cash server's console: what every page shares. Pages are in their own files
   (dashboard.js, directories.js, …), each registering itself with C.page(). */
"use strict";

const S = (() => {
  const {t, el} = C;

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

  /* A read-only notice for roles that may not change a page's data. */
  function readOnly(role) {
    return C.can(role) ? null : el("div", {class: "notice", dataset: {readonly: role}},
      t("Your role may only look here; changes need the role {role}", {role: t(role)}));
  }

  return {stores, forgetStores, readOnly};
})();

document.addEventListener("DOMContentLoaded", () => C.start(C.N_("UKM cash server")));
