/* The consoles' shell (cash server and marketing server): login, navigation, the API with the
   employee's token, tables, forms, SVG charts, CSV. Plain browser JavaScript, no build step.
   Texts are written t("English") and translated from the node's catalogs (docs/i18n.md).
   A console registers its pages with C.page(id, {title, role, render}) and calls C.start(). */
"use strict";

const C = (() => {
  const prefix = document.body.dataset.prefix || "/console";
  const API = "/api/v1";
  const ROLES = {viewer: 1, manager: 2, admin: 3};
  const pages = [];
  let messages = {};
  let language = localStorage.getItem("ukm.console.lang") || "ru";
  let me = null;
  let title = "";
  let current = null;   // {id, params, cleanup: []}

  function t(msgid, params) {
    let text = messages[msgid] || msgid;
    if (params) {
      text = text.replace(/\{(\w+)(?::[^}]*)?\}/g, (all, key) =>
        key in params ? String(params[key]) : all);
    }
    return text;
  }
  function N_(msgid) { return msgid; }

  async function loadMessages(lang) {
    const r = await fetch(`${prefix}/messages?lang=${encodeURIComponent(lang)}`, {cache: "no-store"});
    const body = await r.json();
    messages = body.messages || {};
    language = body.language || lang;
    document.documentElement.lang = language;
  }

  function el(tag, attrs, ...children) {
    const node = document.createElementNS(
      tag.startsWith("svg:") ? "http://www.w3.org/2000/svg" : "http://www.w3.org/1999/xhtml",
      tag.replace(/^svg:/, ""));
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") node.setAttribute("class", v);
      else if (k === "text") node.textContent = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else if (k === "dataset") Object.assign(node.dataset, v);
      else if (k === "value") node.value = v;
      else if (k === "checked") node.checked = !!v;
      else node.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  /* Kopecks as "1 234.56" (integers only). */
  function money(kopecks) {
    if (kopecks === null || kopecks === undefined) return "";
    const sign = kopecks < 0 ? "−" : "";
    const abs = Math.abs(kopecks);
    const rub = Math.floor(abs / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, "\u202f");
    return `${sign}${rub}.${String(abs % 100).padStart(2, "0")}`;
  }
  /* "12.34", "12,34", "12" → kopecks (null when not an amount). */
  function parseMoney(text) {
    const m = String(text).trim().replace(/\s/g, "").replace(",", ".").match(/^(-?\d+)(?:\.(\d{0,2}))?$/);
    if (!m) return null;
    const neg = m[1].startsWith("-");
    const k = Math.abs(parseInt(m[1], 10)) * 100 + parseInt((m[2] || "").padEnd(2, "0") || "0", 10);
    return neg ? -k : k;
  }
  function quantity(thousandths) {
    if (thousandths === null || thousandths === undefined) return "";
    if (thousandths % 1000 === 0) return String(thousandths / 1000);
    return (thousandths / 1000).toFixed(3);
  }
  /* Seconds as "12 s", "3 min", "2 h 5 min", "3 d". */
  function age(seconds) {
    if (seconds === null || seconds === undefined) return "—";
    const s = Math.round(seconds);
    if (s < 60) return t("{n} s", {n: s});
    if (s < 3600) return t("{n} min", {n: Math.floor(s / 60)});
    if (s < 86400) return t("{h} h {m} min", {h: Math.floor(s / 3600), m: Math.floor(s % 3600 / 60)});
    return t("{n} d", {n: Math.floor(s / 86400)});
  }
  /* An ISO time as the reader's local "2026-12-05 16:07:56". */
  function time(iso) {
    if (!iso) return "—";
    const d = new Date(iso);
    if (isNaN(d)) return String(iso);
    const p = (n) => String(n).padStart(2, "0");
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  }

  /* ---- the API ---- */
  class LoginNeeded extends Error {}

  /* One call: {ok, status, data}; a 401 drops the login and shows the login form. */
  async function api(method, path, body, opts) {
    const headers = {"X-UKM-Language": language, "Accept-Language": language};
    const token = sessionStorage.getItem("ukm.console.token");
    if (token) headers.Authorization = `Bearer ${token}`;
    const init = {method, cache: "no-store", headers};
    if (body !== undefined && method !== "GET") {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let r;
    try {
      r = await fetch(path.startsWith("/") ? path : `${API}/${path}`, init);
    } catch (err) {
      return {ok: false, status: 0, data: {code: "network", message: t("The server does not answer")}};
    }
    let data = null;
    const type = r.headers.get("Content-Type") || "";
    if (opts && opts.raw) data = await r.text();
    else if (type.includes("json")) { try { data = await r.json(); } catch (e) { data = null; } }
    else data = await r.text();
    if (r.status === 401 && !(opts && opts.login)) {
      sessionStorage.removeItem("ukm.console.token");
      me = null;
      showLogin(t("Your login has ended; log in again"));
      throw new LoginNeeded();
    }
    return {ok: r.ok, status: r.status, data: data || {}};
  }
  async function get(path) {
    const r = await api("GET", path);
    if (!r.ok) throw new ApiError(r);
    return r.data;
  }
  class ApiError extends Error {
    constructor(r) {
      super((r.data && r.data.message) || `HTTP ${r.status}`);
      this.status = r.status;
      this.hint = r.data && r.data.hint;
      this.code = r.data && r.data.code;
    }
  }
  /* An error box (message and hint) for a failed answer. */
  function errorBox(err) {
    if (err instanceof LoginNeeded) return null;
    const message = err instanceof ApiError || err instanceof Error ? err.message : (err.data ? err.data.message : String(err));
    const hint = err instanceof ApiError ? err.hint : (err.data ? err.data.hint : null);
    return el("div", {class: "error", role: "alert"}, message, hint ? el("small", {text: hint}) : null);
  }

  /* ---- who is logged in, and what they may do ---- */
  function can(role) { return !!me && (ROLES[me.role] || 0) >= (ROLES[role] || 99); }
  /* A notice for a role that may only look where changes need ``role`` (null when it may change). */
  function readOnly(role) {
    return can(role) ? null : el("div", {class: "notice", dataset: {readonly: role}},
      t("Your role may only look here; changes need the role {role}", {role: t(roleTitle(role))}));
  }
  function employee() { return me; }

  function showLogin(notice) {
    stopPage();
    const app = document.getElementById("app");
    const error = el("div", {class: "error", role: "alert", hidden: !notice}, notice || "");
    const login = el("input", {name: "login", autocomplete: "username", required: true, autofocus: true});
    const password = el("input", {name: "password", type: "password", autocomplete: "current-password", required: true});
    const form = el("form", {class: "login card", onsubmit: async (ev) => {
      ev.preventDefault();
      error.hidden = true;
      const r = await api("POST", "login", {login: login.value, password: password.value}, {login: true});
      if (!r.ok) {
        error.replaceChildren(r.data.message || `HTTP ${r.status}`, r.data.hint ? el("small", {text: r.data.hint}) : "");
        error.hidden = false;
        return;
      }
      sessionStorage.setItem("ukm.console.token", r.data.token);
      me = r.data.employee;
      shell();
    }},
    el("h1", {text: title}),
    el("label", {}, el("span", {text: t("Login")}), login),
    el("label", {}, el("span", {text: t("Password")}), password),
    error,
    el("button", {class: "btn primary", type: "submit", text: t("Log in")}),
    langButton());
    app.replaceChildren(el("div", {class: "login-page"}, form));
    login.focus();
  }

  function langButton() {
    const other = language === "ru" ? "en" : "ru";
    return el("button", {class: "btn lang", type: "button", title: t("Language"), onclick: async () => {
      localStorage.setItem("ukm.console.lang", other);
      await loadMessages(other);
      if (me) shell(); else showLogin();
    }}, other.toUpperCase());
  }

  async function logout() {
    try { await api("POST", "logout"); } catch (e) { /* the login form follows anyway */ }
    sessionStorage.removeItem("ukm.console.token");
    me = null;
    showLogin();
  }

  /* ---- pages and navigation ---- */
  /* A page: {title, role?, render, before?: the id of a page it goes before in the navigation}. */
  function page(id, spec) {
    const at = spec.before ? pages.findIndex((p) => p.id === spec.before) : -1;
    pages.splice(at < 0 ? pages.length : at, 0, {id, role: "viewer", ...spec});
  }

  function parseHash() {
    const raw = location.hash.replace(/^#\/?/, "");
    const [id, query] = raw.split("?");
    return {id: id || (pages[0] && pages[0].id), params: new URLSearchParams(query || "")};
  }
  /* Go to a page (or change the current page's parameters): #/id?k=v */
  function go(id, params) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params || {})) if (v !== null && v !== undefined && v !== "") q.set(k, v);
    const hash = `#/${id}${q.toString() ? "?" + q : ""}`;
    if (location.hash === hash) route(); else location.hash = hash;
  }

  function stopPage() {
    closeDialogs();
    if (current) for (const fn of current.cleanup) try { fn(); } catch (e) { /* ignore */ }
    current = null;
  }

  async function route() {
    if (!me) return;
    const {id, params} = parseHash();
    const spec = pages.find((p) => p.id === id) || pages[0];
    stopPage();
    current = {id: spec.id, params, cleanup: []};
    const mine = current;
    for (const a of document.querySelectorAll("#nav a")) a.classList.toggle("active", a.dataset.page === spec.id);
    const view = document.getElementById("view");
    /* Each visit renders into its own element: a page whose data arrives after the user has
       gone elsewhere writes into an element no longer shown, never over the next page. */
    const box = el("div", {class: "page"}, el("div", {class: "loading", text: t("Loading…")}));
    view.replaceChildren(box);
    view.dataset.page = spec.id;
    view.dataset.ready = "0";
    if (!can(spec.role)) {
      box.replaceChildren(el("div", {class: "error", text: t("Your role may not open this page")}));
      return;
    }
    try {
      await spec.render(box, params, {
        alive: () => current === mine,
        every: (seconds, fn) => {
          const timer = setInterval(() => { if (current === mine) fn(); }, seconds * 1000);
          mine.cleanup.push(() => clearInterval(timer));
        },
      });
    } catch (err) {
      if (current !== mine) return;
      const problem = errorBox(err);
      if (problem) box.replaceChildren(problem);
    }
    if (current === mine) view.dataset.ready = "1";  /* the page has its data (tests, bench) */
  }

  function shell() {
    const nav = el("nav", {id: "nav"}, pages.filter((p) => can(p.role)).map((p) =>
      el("a", {href: `#/${p.id}`, dataset: {page: p.id}, text: t(p.title)})));
    const who = el("div", {id: "who"},
      el("span", {class: "name", text: me.name || me.login, title: `${me.name || me.login} (${me.login})`}),
      el("span", {class: "role", dataset: {role: me.role}, text: t(roleTitle(me.role))}),
      langButton(),
      el("button", {class: "btn", type: "button", id: "logout", onclick: logout, text: t("Log out")}));
    document.getElementById("app").replaceChildren(
      el("header", {id: "top"}, el("div", {id: "brand", text: title}), nav, who),
      el("main", {id: "view"}));
    route();
  }

  const ROLE_TITLES = {viewer: N_("viewer"), manager: N_("manager"), admin: N_("administrator")};
  function roleTitle(role) { return ROLE_TITLES[role] || role; }

  async function start(name) {
    title = name;
    await loadMessages(language);
    document.title = t(name);
    title = t(name);
    window.addEventListener("hashchange", route);
    if (sessionStorage.getItem("ukm.console.token")) {
      try {
        const r = await api("GET", "me");
        if (r.ok) { me = r.data.employee || r.data; shell(); return; }
      } catch (e) { if (!(e instanceof LoginNeeded)) throw e; return; }
    }
    showLogin();
  }

  /* ---- building blocks ---- */

  /* A table: columns [{title, value(row) → text|Node, class?}], rows; onRow(row) makes rows clickable. */
  function table(columns, rows, opts) {
    const o = opts || {};
    return el("table", {class: `grid ${o.class || ""}`},
      el("thead", {}, el("tr", {}, columns.map((c) => el("th", {class: c.class || null, text: t(c.title)})))),
      el("tbody", {}, rows.length ? rows.map((row) => el("tr", {
        class: o.rowClass ? o.rowClass(row) : null,
        tabindex: o.onRow ? "0" : null,
        onclick: o.onRow ? () => o.onRow(row) : null,
        onkeydown: o.onRow ? (ev) => { if (ev.key === "Enter") o.onRow(row); } : null,
      }, columns.map((c) => {
        const v = c.value(row);
        return el("td", {class: c.class || null}, v === null || v === undefined ? "" : v);
      }))) : el("tr", {}, el("td", {colspan: columns.length, class: "empty", text: t(o.empty || "Nothing found")}))));
  }

  function pill(text, kind) { return el("span", {class: `pill ${kind || ""}`, text}); }

  function section(heading, ...children) {
    return el("section", {class: "card"}, heading ? el("h2", {text: heading}) : null, ...children);
  }

  /* A form: fields [{name, label, type?, value?, options?: [[value, label]], required?, hint?}];
     onSubmit(values, form) returns a promise; its error is shown in the form. */
  function form(fields, submitLabel, onSubmit, opts) {
    const o = opts || {};
    const error = el("div", {class: "error", role: "alert", hidden: true});
    const inputs = {};
    const rows = fields.map((f) => {
      let input;
      if (f.type === "select") {
        input = el("select", {name: f.name, disabled: f.disabled},
          (f.options || []).map(([v, label]) => el("option", {value: v, selected: String(v) === String(f.value ?? "") ? true : null, text: label})));
      } else if (f.type === "textarea") {
        input = el("textarea", {name: f.name, rows: f.rows || 3, disabled: f.disabled});
        input.value = f.value ?? "";
      } else if (f.type === "checkbox") {
        input = el("input", {name: f.name, type: "checkbox", checked: !!f.value, disabled: f.disabled});
      } else if (f.type === "checks") {
        const chosen = new Set(f.value || []);
        input = el("div", {class: "checks", dataset: {name: f.name}}, (f.options || []).map(([v, label]) =>
          el("label", {class: "check"}, el("input", {type: "checkbox", value: v, checked: chosen.has(v), disabled: f.disabled}), label)));
      } else {
        input = el("input", {name: f.name, type: f.type || "text", value: f.value ?? "", required: f.required,
          placeholder: f.placeholder, disabled: f.disabled, autocomplete: "off", step: f.step});
      }
      inputs[f.name] = input;
      return el("label", {class: `field ${f.type === "checkbox" ? "inline" : ""} ${f.wide ? "wide" : ""}`},
        el("span", {text: f.label}), input, f.hint ? el("small", {text: f.hint}) : null);
    });
    const button = el("button", {class: "btn primary", type: "submit", text: submitLabel});
    const node = el("form", {class: `form ${o.class || ""}`, onsubmit: async (ev) => {
      ev.preventDefault();
      error.hidden = true;
      const values = {};
      for (const [name, input] of Object.entries(inputs)) {
        if (input.dataset && input.dataset.name) {
          values[name] = [...input.querySelectorAll("input:checked")].map((i) => i.value);
        } else if (input.type === "checkbox") values[name] = input.checked;
        else values[name] = input.value;
      }
      button.disabled = true;
      try {
        await onSubmit(values, node);
      } catch (err) {
        const box = errorBox(err);
        if (box) { error.replaceChildren(...box.childNodes); error.hidden = false; }
      } finally {
        button.disabled = false;
      }
    }}, rows, error, el("div", {class: "buttons"}, button, o.extra || null));
    node.inputs = inputs;
    return node;
  }

  /* Send a change; throw an ApiError (shown by the form) when refused. */
  async function send(method, path, body) {
    const r = await api(method, path, body);
    if (!r.ok) throw new ApiError(r);
    return r.data;
  }

  /* A modal dialog with a body; returns {close, box}. Escape closes the topmost one, focus goes
     into it and back to where it was when it closes; leaving the page closes every dialog.
     ``opts.onClose`` runs when the reader closes it (not when the page is left). */
  const dialogs = [];
  let leaving = false;
  function dialog(heading, body, opts) {
    const opener = document.activeElement;
    const overlay = el("div", {class: "overlay", onclick: (ev) => { if (ev.target === overlay) close(); }});
    const headingId = `dialog-${Date.now()}-${dialogs.length}`;
    const box = el("div", {class: "dialog", role: "dialog", "aria-modal": "true", "aria-labelledby": headingId},
      el("div", {class: "dialog-head"}, el("h2", {id: headingId, text: heading}),
        el("button", {class: "btn close", type: "button", "aria-label": t("Close"), title: t("Close (Esc)"), onclick: () => close(), text: "×"})),
      body);
    overlay.append(box);
    const handle = {close, box};
    function close() {
      const i = dialogs.indexOf(handle);
      if (i < 0) return;
      dialogs.splice(i, 1);
      overlay.remove();
      if (opener && opener.isConnected && typeof opener.focus === "function") opener.focus();
      if (!leaving && opts && opts.onClose) opts.onClose();
    }
    dialogs.push(handle);
    document.body.append(overlay);
    const first = box.querySelector("input:not([disabled]):not([type=hidden]), select:not([disabled]), textarea:not([disabled])")
      || box.querySelector("button.close");
    if (first) first.focus();
    return handle;
  }
  function closeDialogs() {
    leaving = true;
    try { while (dialogs.length) dialogs[dialogs.length - 1].close(); } finally { leaving = false; }
  }
  document.addEventListener("keydown", (ev) => {
    const top = dialogs[dialogs.length - 1];
    if (!top) return;
    if (ev.key === "Escape") { ev.preventDefault(); top.close(); return; }
    if (ev.key !== "Tab") return;
    /* keep the keyboard inside the topmost dialog */
    const focusable = [...top.box.querySelectorAll("button, input, select, textarea, a[href], [tabindex]")]
      .filter((n) => !n.disabled && n.tabIndex >= 0 && n.offsetParent !== null);
    if (!focusable.length) return;
    const first = focusable[0];
    const last = focusable[focusable.length - 1];
    if (!top.box.contains(document.activeElement)) { ev.preventDefault(); first.focus(); }
    else if (ev.shiftKey && document.activeElement === first) { ev.preventDefault(); last.focus(); }
    else if (!ev.shiftKey && document.activeElement === last) { ev.preventDefault(); first.focus(); }
  });

  /* Pager for {page, per_page, total?, has_more?}: onPage(n). */
  function pager(info, onPage) {
    const pages = info.total !== undefined && info.total !== null ? Math.max(1, Math.ceil(info.total / info.per_page)) : null;
    const more = pages ? info.page < pages : !!info.has_more;
    return el("div", {class: "pager"},
      el("button", {class: "btn", type: "button", disabled: info.page <= 1, onclick: () => onPage(info.page - 1), text: "‹"}),
      el("span", {text: pages ? t("page {page} of {pages}", {page: info.page, pages}) : t("page {page}", {page: info.page})}),
      info.total !== undefined && info.total !== null ? el("span", {class: "muted", text: t("{n} found", {n: info.total})}) : null,
      el("button", {class: "btn", type: "button", disabled: !more, onclick: () => onPage(info.page + 1), text: "›"}));
  }

  /* A line chart in inline SVG: series [{name, points: [[x_ms, y]], class}], y from 0 to yMax. */
  function chart(heading, series, opts) {
    const o = {width: 480, height: 160, yMax: 100, unit: "%", ...(opts || {})};
    const pad = {l: 36, r: 8, t: 8, b: 20};
    const W = o.width - pad.l - pad.r;
    const H = o.height - pad.t - pad.b;
    const xs = series.flatMap((s) => s.points.map((p) => p[0]));
    const x0 = o.from !== undefined ? o.from : Math.min(...xs);
    const x1 = o.to !== undefined ? o.to : Math.max(...xs);
    const sx = (x) => pad.l + (x1 > x0 ? (x - x0) / (x1 - x0) * W : W);
    const sy = (y) => pad.t + H - Math.max(0, Math.min(o.yMax, y)) / o.yMax * H;
    const svg = el("svg:svg", {viewBox: `0 0 ${o.width} ${o.height}`, class: "chart", role: "img", "aria-label": heading});
    for (const f of [0, 0.5, 1]) {
      const y = sy(o.yMax * f);
      svg.append(el("svg:line", {x1: pad.l, x2: pad.l + W, y1: y, y2: y, class: "gridline"}));
      svg.append(el("svg:text", {x: pad.l - 4, y: y + 4, class: "axis", "text-anchor": "end", text: `${Math.round(o.yMax * f)}${o.unit}`}));
    }
    if (xs.length) {
      const fmt = (ms) => { const d = new Date(ms); return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`; };
      svg.append(el("svg:text", {x: pad.l, y: o.height - 4, class: "axis", text: fmt(x0)}));
      svg.append(el("svg:text", {x: pad.l + W, y: o.height - 4, class: "axis", "text-anchor": "end", text: fmt(x1)}));
    }
    for (const s of series) {
      if (!s.points.length) continue;
      const d = s.points.map((p, i) => `${i ? "L" : "M"}${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join(" ");
      svg.append(el("svg:path", {d, class: `series ${s.class || ""}`}));
    }
    const last = series.map((s) => s.points.length
      ? (series.length > 1 ? `${t(s.name)} ` : "") + t("now {value}", {value: `${s.points[s.points.length - 1][1]}${o.unit}`}) : null).filter(Boolean);
    return el("figure", {class: "chart-box"}, el("figcaption", {}, el("b", {text: heading}), " ", el("span", {class: "muted", text: last.join(" · ")})),
      xs.length ? svg : el("div", {class: "empty", text: t("No readings yet")}));
  }

  /* A bar chart in inline SVG: bars [[label, value]]. */
  function bars(heading, items, opts) {
    const o = {width: 480, barHeight: 18, format: String, ...(opts || {})};
    const max = Math.max(1, ...items.map((i) => i[1]));
    const labelW = 160;
    const height = items.length * (o.barHeight + 4) + 4;
    const svg = el("svg:svg", {viewBox: `0 0 ${o.width} ${height}`, class: "chart bars", role: "img", "aria-label": heading});
    items.forEach(([label, value], i) => {
      const y = 4 + i * (o.barHeight + 4);
      const w = Math.max(1, (o.width - labelW - 90) * value / max);
      svg.append(el("svg:text", {x: labelW - 6, y: y + o.barHeight - 5, class: "axis", "text-anchor": "end", text: String(label).slice(0, 24)}));
      svg.append(el("svg:rect", {x: labelW, y, width: w, height: o.barHeight, class: "bar"}));
      svg.append(el("svg:text", {x: labelW + w + 4, y: y + o.barHeight - 5, class: "axis", text: o.format(value)}));
    });
    return el("figure", {class: "chart-box"}, el("figcaption", {}, el("b", {text: heading})),
      items.length ? svg : el("div", {class: "empty", text: t("Nothing found")}));
  }

  /* Rows as a CSV file download (a cell starting with = + - @ is quoted as text, so a
     spreadsheet does not run it). */
  function csv(filename, columns, rows) {
    const cell = (v) => {
      let s = v === null || v === undefined ? "" : String(v);
      if (/^[=+\-@\t\r]/.test(s)) s = "'" + s;
      return /[",;\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
    };
    const text = [columns.map((c) => cell(t(c.title))), ...rows.map((r) => columns.map((c) => cell(c.csv ? c.csv(r) : c.value(r))))]
      .map((line) => line.join(",")).join("\r\n");
    const blob = new Blob(["\ufeff" + text], {type: "text/csv;charset=utf-8"});
    const a = el("a", {href: URL.createObjectURL(blob), download: filename});
    document.body.append(a);
    a.click();
    a.remove();
  }

  /* Every row of a paged list (`rows[key]`, `has_more`, `next_cursor`) asked with `query`,
     page after page of 500, at most 10,000 rows. */
  async function allPages(path, query, key) {
    const q = new URLSearchParams(query);
    q.set("per_page", "500");
    const rows = [];
    let cursor = null;
    do {
      if (cursor) q.set("cursor", cursor);
      const data = await get(`${path}?${q}`);
      rows.push(...data[key]);
      cursor = data.has_more ? data.next_cursor : null;
    } while (cursor && rows.length < 10000);
    return rows;
  }

  function button(label, onclick, opts) {
    const o = opts || {};
    return el("button", {class: `btn ${o.class || ""}`, type: "button", onclick, disabled: o.disabled, title: o.title, text: label});
  }

  return {t, N_, el, money, parseMoney, quantity, age, time, api, get, send, ApiError, errorBox,
    can, readOnly, employee, page, go, refresh: () => route(), start, pages: () => pages.map((p) => p.id), table, pill, section, form, dialog, pager, chart, bars, csv, allPages, button,
    get language() { return language; }};
})();
