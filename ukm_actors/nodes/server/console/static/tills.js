/* Tills: every till with its state, type, screen, receipt header and footer, devices; an admin
   registers a till (its bridge secret shown once), edits its settings, devices (tilldevices.js)
   and type (sent to that till), gives it a new secret or sends it the whole catalog again; till
   types, the settings their tills share (docs/admin-api.md). */
"use strict";

(() => {
  const {t, N_, el} = C;
  const {LABELS: DEVICES, STATES} = S.devices;
  const OTHER = [["weight_barcode", N_("Scale label layout")], ["weight_prefixes", N_("Scale label prefixes")],
    ["card_price_types", N_("Card-only price types")]];
  const path = (till) => `tills/${encodeURIComponent(till.node_id)}`;

  function lines(v) { return Array.isArray(v) ? v : typeof v === "string" ? v.split("\n") : []; }
  function devicePills(devices) {
    return Object.entries(devices || {}).map(([name, d]) => C.pill(`${t(DEVICES[name] || DEVICES[d.kind] || name)}: ${t(STATES[d.state] || d.state)}`,
      d.state === "ok" ? "ok" : d.state === "error" ? "bad" : "warn"));
  }
  /* The devices set from the server (the till's own over its type's), by name. */
  function devicesSet(devices) {
    const names = Object.keys(devices || {}).sort();
    return names.length ? el("div", {class: "devices-set"}, el("small", {class: "muted", text: t("From the server") + ": "}),
      names.map((n) => devices[n] && devices[n].enabled === false ? n + " (" + t("turned off") + ")" : n).join(", ")) : null;
  }
  function others(s) {
    return OTHER.filter(([k]) => s[k] !== undefined && s[k] !== "").map(([k, label]) =>
      el("div", {}, el("small", {class: "muted", text: `${t(label)}: `}), Array.isArray(s[k]) ? s[k].join(", ") : String(s[k])));
  }

  function screen(ui) {
    const mode = ui.mode === "touch" ? t("touch") : ui.mode === "keyboard" ? t("keyboard") : null;
    const language = ui.language === "en" ? "English" : ui.language === "ru" ? "русский" : null;
    return [mode, language].filter(Boolean).join(", ") || el("span", {class: "muted", text: t("the till's own")});
  }
  /* A till's settings in force: its type's, its own over them (as the server sends them). */
  function inForce(till, types) {
    const kind = types.find((x) => x.id === till.type);
    const out = {...((kind && kind.settings) || {})};
    for (const [k, v] of Object.entries(till.settings || {})) {
      out[k] = out[k] && typeof out[k] === "object" && !Array.isArray(out[k]) && v && typeof v === "object" && !Array.isArray(v) ? {...out[k], ...v} : v;
    }
    return out;
  }

  async function tills(view) {
    const [data, mon, typeList] = await Promise.all([C.get("tills"), C.get("monitoring/tills"), C.get("till-types")]);
    const types = typeList.till_types;
    const states = Object.fromEntries(mon.tills.map((m) => [m.node_id, m]));
    const may = C.can("admin");
    const own = (text) => text || el("span", {class: "muted", text: t("the till's own")});
    const table = C.table([
      {title: N_("Till"), value: (x) => el("span", {}, el("b", {text: String(x.number)}), " ", el("small", {class: "muted", text: x.node_id}))},
      {title: N_("Store"), value: (x) => x.store},
      {title: N_("State"), value: (x) => { const m = states[x.node_id] || {}; return !x.enabled ? C.pill(t("disabled"), "")
        : m.online ? C.pill(t("online"), "online") : C.pill(t("offline"), "offline"); }},
      {title: N_("Version"), value: (x) => (states[x.node_id] || {}).version || "—"},
      {title: N_("Type"), value: (x) => x.type || "—"},
      {title: N_("Screen"), value: (x) => screen(inForce(x, types).ui || {})},
      {title: N_("Receipt header"), value: (x) => own(lines(inForce(x, types).header).join(" / "))},
      {title: N_("Receipt footer"), value: (x) => own(lines(inForce(x, types).footer).join(" / "))},
      {title: N_("Devices"), value: (x) => [...devicePills((states[x.node_id] || {}).devices), devicesSet(inForce(x, types).devices)]},
      {title: N_("Other settings"), value: (x) => others(inForce(x, types))},
    ], data.tills, {empty: N_("No till is registered"), onRow: may ? (x) => editTill(x, types) : null, rowClass: () => "till"});
    view.replaceChildren(C.section(t("Tills"), C.readOnly("admin"),
      may ? el("div", {class: "toolbar"}, C.button(t("Register a till"), registerTill, {class: "primary register-till"})) : null,
      el("p", {class: "muted", text: t("Settings reach the till with its next catalog document (seconds while it is online). A device set here replaces the till's own device of the same name, between receipts; the others stay as in its file. Their states are shown as the till reports them.")}),
      table), typesSection(types, may));
  }

  /* The secret a till needs to talk to this server, shown once. */
  function showSecret(heading, node, secret) {
    C.dialog(heading, el("div", {class: "secret-view"},
      el("p", {text: t("The till {till} authenticates itself with this secret. Put it in the till's file now; it is shown only this once:", {till: node})}),
      el("pre", {class: "till-secret", text: `[bridge]\nsecret = "${secret}"`}),
      el("p", {class: "muted", text: t("Then start (or restart) the till. A lost secret is replaced with New secret; the old one stops working at once.")})));
  }

  async function registerTill() {
    const stores = await S.stores();
    const dlg = C.dialog(t("Register a till"), C.form([
      {name: "store", label: t("Store"), type: "select", options: stores.map((s) => [s.code, `${s.code} ${s.name}`])},
      {name: "number", label: t("Till number in the store"), type: "number", required: true},
    ], t("Register"), async (v) => {
      const r = await C.send("POST", "tills", {store: v.store, number: parseInt(v.number, 10)});
      dlg.close();
      await C.refresh();  /* the new till in the list, then its secret over it */
      showSecret(t("Till {till} registered", {till: r.node_id}), r.node_id, r.secret);
    }, {class: "inline register-form"}));
  }

  /* The settings fields of a till or a type; empty means "not set here". */
  function settingsFields(s, inherited) {
    const ui = s.ui || {};
    const unset = inherited ? t("as its type, or its own file") : t("as in the till's own file");
    return [
      {name: "header", label: t("Receipt header (one line each; empty: not set here)"), type: "textarea", value: lines(s.header).join("\n")},
      {name: "footer", label: t("Receipt footer"), type: "textarea", value: lines(s.footer).join("\n")},
      {name: "mode", label: t("Cashier screen"), type: "select", options: [["", unset], ["keyboard", t("keyboard")], ["touch", t("touch")]], value: ui.mode || ""},
      {name: "language", label: t("Screen language"), type: "select", options: [["", unset], ["ru", "русский"], ["en", "English"]], value: ui.language || ""},
      {name: "weight_barcode", label: t("Scale label layout (e.g. PPCCCCCWWWWWK)"), value: s.weight_barcode || ""},
      {name: "weight_prefixes", label: t("Scale label prefixes"), value: s.weight_prefixes || ""},
      {name: "card_price_types", label: t("Card-only price types"), value: Array.isArray(s.card_price_types) ? s.card_price_types.join(",") : (s.card_price_types || "")},
    ];
  }
  /* The settings object of the editor's values; keys of ``s`` the editor does not show are kept. */
  function settingsOf(v, s) {
    const next = {...s};
    const ui = {...(s.ui || {})};
    for (const k of ["mode", "language"]) { if (v[k]) ui[k] = v[k]; else delete ui[k]; }
    if (Object.keys(ui).length) next.ui = ui; else delete next.ui;
    for (const k of ["header", "footer"]) {
      const text = lines(v[k]).filter(Boolean);
      if (text.length) next[k] = text; else delete next[k];
    }
    for (const k of ["weight_barcode", "weight_prefixes", "card_price_types"]) {
      if (v[k].trim()) next[k] = v[k].trim(); else delete next[k];
    }
    return next;
  }
  /* ``next`` with the devices of the editor (none: the key goes). */
  /* A refusal shown in ``form`` is about what it held then: gone once the devices change. */
  function clearError(form) { const box = form.querySelector(".error"); if (box) box.hidden = true; }
  function withDevices(next, devices) {
    const out = {...next};
    if (Object.keys(devices).length) out.devices = devices; else delete out.devices;
    return out;
  }

  function editTill(till, types) {
    const s = till.settings || {};
    const done = el("div", {class: "till-actions-result"});
    const typeOf = (id) => { const x = types.find((k) => k.id === id); return x ? {id: x.id, devices: x.settings.devices} : null; };
    const devices = S.devices.editor(s.devices, {may: true, type: typeOf(till.type),
      running: C.get(`monitoring/${path(till)}`), onChange: () => clearError(form)});
    const form = C.form([
      {name: "type", label: t("Till type"), type: "select", value: till.type || "",
        options: [["", t("none")], ...types.map((x) => [x.id, `${x.id} ${x.name}`])]},
      ...settingsFields(s, true),
    ], t("Save and send to the till"), async (v) => {
      if ((v.type || null) !== (till.type || null)) await C.send("PUT", `${path(till)}/type`, {type: v.type || null});
      await C.send("PUT", `${path(till)}/settings`, withDevices(settingsOf(v, s), devices.value()));
      dlg.close();
      C.go("tills", {at: Date.now()});
    }, {class: "cols till-editor"});
    form.insertBefore(devices.node, form.querySelector(".error"));
    form.inputs.type.addEventListener("change", () => devices.setType(typeOf(form.inputs.type.value)));
    const actions = el("div", {class: "buttons"},
      C.button(t("Send the whole catalog again"), () => act(async () => {
        await C.send("POST", `${path(till)}/resync`);
        done.replaceChildren(el("div", {class: "done", text: t("The whole catalog is queued for {till}; older catalog documents it has not taken are dropped.", {till: till.node_id})}));
      }), {class: "resync"}),
      C.button(t("New secret"), () => act(async () => {
        if (!confirm(t("Give {till} a new secret? The old one stops working at once: the till is cut off until its file has the new one.", {till: till.node_id}))) return;
        const r = await C.send("POST", `${path(till)}/secret`);
        dlg.close();
        showSecret(t("New secret of {till}", {till: till.node_id}), till.node_id, r.secret);
      }), {class: "danger new-secret"}));
    async function act(fn) {
      try { await fn(); } catch (err) { const box = C.errorBox(err); if (box) done.replaceChildren(box); }
    }
    const dlg = C.dialog(t("Settings of {till}", {till: till.node_id}), el("div", {},
      el("p", {class: "muted", text: t("Its own settings; what is not set here comes from its type, then from the till's own file.")}),
      form, el("h3", {text: t("The till")}), actions, done));
  }

  /* ---- till types ---- */
  function typesSection(types, may) {
    const table = C.table([
      {title: N_("Type"), value: (x) => el("b", {text: x.id})}, {title: N_("Name"), value: (x) => x.name},
      {title: N_("Screen"), value: (x) => screen(x.settings.ui || {})},
      {title: N_("Receipt header"), value: (x) => lines(x.settings.header).join(" / ")},
      {title: N_("Receipt footer"), value: (x) => lines(x.settings.footer).join(" / ")},
      {title: N_("Other settings"), value: (x) => others(x.settings)},
      {title: N_("Devices"), value: (x) => devicesSet(x.settings.devices)},
      {title: N_("Tills"), value: (x) => x.tills.join(", ") || el("span", {class: "muted", text: t("none yet")})},
    ], types, {empty: N_("No till types"), onRow: may ? (x) => editType(x) : null, rowClass: () => "till-type"});
    return C.section(t("Till types"),
      el("p", {class: "muted", text: t("A type holds the settings its tills share (an express till's footer and touch screen, say); a till's own settings win over its type's.")}),
      may ? el("div", {class: "toolbar"}, C.button(t("New till type"), () => editType(null), {class: "new-till-type"})) : null,
      table);
  }

  function editType(x) {
    const isNew = !x;
    const kind = x || {id: "", name: "", settings: {}, tills: []};
    const devices = S.devices.editor(kind.settings.devices, {may: true, onChange: () => clearError(form)});
    const form = C.form([
      {name: "id", label: t("Type code"), value: kind.id, required: true, disabled: !isNew},
      {name: "name", label: t("Name"), value: kind.name},
      ...settingsFields(kind.settings, false),
    ], t("Save and send to its tills"), async (v) => {
      const id = isNew ? v.id.trim() : kind.id;
      await C.send("PUT", `till-types/${encodeURIComponent(id)}`, {name: v.name.trim(), settings: withDevices(settingsOf(v, kind.settings), devices.value())});
      dlg.close();
      C.go("tills", {at: Date.now()});
    }, {class: "cols type-editor", extra: !isNew ? C.button(t("Delete"), async () => {
      if (!confirm(t("Delete the till type {type}?", {type: kind.id}))) return;
      try {
        await C.send("DELETE", `till-types/${encodeURIComponent(kind.id)}`);
        dlg.close();
        C.go("tills", {at: Date.now()});
      } catch (err) {
        const box = C.errorBox(err);
        const slot = form.querySelector(".error");
        if (box) { slot.replaceChildren(...box.childNodes); slot.hidden = false; }
      }
    }, {class: "danger delete-type"}) : null});
    form.insertBefore(devices.node, form.querySelector(".error"));
    const dlg = C.dialog(isNew ? t("New till type") : t("Till type {type}", {type: kind.id}), form);
  }

  S.devicePills = devicePills;
  C.page("tills", {title: N_("Tills"), render: tills, before: "employees"});
})();
