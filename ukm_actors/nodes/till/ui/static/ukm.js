/* Shared by the cashier screen and the customer display: texts, money, the till API, events.
   Plain browser JavaScript, no build step. Texts are written t("English") and translated
   from the till's catalogs (GET /ui/messages; docs/i18n.md). */
"use strict";

const UKM = (() => {
  const API = "/api/v1";
  let messages = {};
  let language = "ru";

  /* The text in the chosen language; {name} fields filled from params. */
  function t(msgid, params) {
    let text = messages[msgid] || msgid;
    if (params) {
      text = text.replace(/\{(\w+)(?::[^}]*)?\}/g, (all, key) =>
        key in params ? String(params[key]) : all);
    }
    return text;
  }

  async function loadMessages(lang) {
    const r = await fetch(`/ui/messages?lang=${encodeURIComponent(lang)}`, {cache: "no-store"});
    const body = await r.json();
    messages = body.messages || {};
    language = body.language || lang;
    document.documentElement.lang = language;
    return body;
  }

  /* Kopecks as "1 234.56" (no float arithmetic: integers only). */
  function money(kopecks) {
    if (kopecks === null || kopecks === undefined) return "";
    const sign = kopecks < 0 ? "−" : "";
    const abs = Math.abs(kopecks);
    const rub = Math.floor(abs / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, "\u202f");
    return `${sign}${rub}.${String(abs % 100).padStart(2, "0")}`;
  }

  /* "12.34" or "12,34" or "12" typed by the cashier → kopecks (null when not an amount). */
  function parseMoney(text) {
    const m = String(text).trim().replace(/\s/g, "").replace(",", ".").match(/^(\d+)(?:\.(\d{0,2}))?$/);
    if (!m) return null;
    return parseInt(m[1], 10) * 100 + parseInt((m[2] || "").padEnd(2, "0") || "0", 10);
  }

  /* "3", "0.350", "1,5" → thousandths (null when not a quantity). */
  function parseQuantity(text) {
    const m = String(text).trim().replace(",", ".").match(/^(\d+)(?:\.(\d{0,3}))?$/);
    if (!m) return null;
    return parseInt(m[1], 10) * 1000 + parseInt((m[2] || "").padEnd(3, "0") || "0", 10);
  }

  function quantityText(thousandths) {
    if (thousandths % 1000 === 0) return String(thousandths / 1000);
    return (thousandths / 1000).toFixed(3);
  }

  class TillDown extends Error {}

  /* The till's change counter as of this page's own last change (X-UKM-Revision): an event
     for a revision the page made itself needs no reload. */
  let ownRevision = 0;

  /* One call to the till API: {ok, status, data}; TillDown when the till does not answer. */
  async function call(method, path, body) {
    const init = {
      method,
      cache: "no-store",
      headers: {"X-UKM-Language": language, "Accept-Language": language},
    };
    if (body !== undefined && method !== "GET") {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let r;
    try {
      r = await fetch(API + path, init);
    } catch (err) {
      throw new TillDown(String(err));
    }
    let data = null;
    try {
      data = await r.json();
    } catch (err) {
      if (r.status >= 500) throw new TillDown(`HTTP ${r.status}`);
    }
    if (r.status === 502 || r.status === 504) throw new TillDown(`HTTP ${r.status}`);
    const revision = parseInt(r.headers.get("X-UKM-Revision") || "0", 10);
    if (revision > ownRevision) ownRevision = revision;
    return {ok: r.ok, status: r.status, data: data || {}};
  }

  /* Server-sent events of the till: onChange(revision, kind); reconnects by itself. */
  function listen(onChange, onState) {
    let source = null;
    function open() {
      source = new EventSource(API + "/events");
      source.addEventListener("change", (ev) => {
        const data = JSON.parse(ev.data);
        onChange(data.revision, data.kind);
      });
      source.onopen = () => onState(true);
      source.onerror = () => {
        onState(false);
        if (source.readyState === EventSource.CLOSED) setTimeout(open, 1000);
      };
    }
    open();
    return () => source && source.close();
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else if (k === "dataset") Object.assign(node.dataset, v);
      else node.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  /* Marks a text for translation where it is defined; t() translates it where it is shown. */
  function N_(msgid) { return msgid; }

  return {t, N_, loadMessages, money, parseMoney, parseQuantity, quantityText, call, listen, el,
    TillDown, get language() { return language; }, get ownRevision() { return ownRevision; }};
})();
