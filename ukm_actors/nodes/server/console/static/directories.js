/* Directories: stores (each with its integration settings: the exchange folders of a
   decentralised store), sale restrictions, cashiers with their roles and rights, server
   employees (tills and their settings: tills.js). Every change goes through the admin API, which
   checks the role again; what reaches the tills is queued there (docs/admin-api.md). */
"use strict";

(() => {
  const {t, N_, el} = C;

  const RIGHTS = [
    ["sell", N_("sell")], ["void_line", N_("void a line")], ["cancel_receipt", N_("cancel a receipt")],
    ["return", N_("return")], ["return_without_receipt", N_("return without a receipt")],
    ["cash_in", N_("cash in")], ["cash_out", N_("cash out")], ["open_shift", N_("open a shift")],
    ["close_shift", N_("close a shift")], ["x_report", N_("X report")], ["reprint", N_("reprint")],
    ["discount_manual", N_("manual discount")], ["supervisor", N_("supervisor")],
  ];
  const rightTitle = (name) => t((RIGHTS.find((r) => r[0] === name) || [name, name])[1]);
  const WEEKDAYS = [N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun")];

  async function storeOptions(withAll) {
    const stores = await S.stores();
    return [...(withAll ? [["", t("every store")]] : []), ...stores.map((s) => [s.code, `${s.code} ${s.name}`])];
  }
  function storeSelect(options, value, onchange) {
    return el("select", {name: "store", onchange}, options.map(([v, label]) =>
      el("option", {value: v, selected: String(v) === String(value ?? "") ? true : null, text: label})));
  }

  /* ---- stores ---- */
  async function stores(view) {
    const data = await C.get("stores");
    const mayLook = C.can("manager");  /* GET …/integration: manager, admin; PUT: admin */
    const list = C.table([
      {title: N_("Code"), value: (s) => s.code}, {title: N_("Name"), value: (s) => s.name},
      {title: N_("Time zone"), value: (s) => s.timezone},
      {title: N_("State"), value: (s) => s.active ? C.pill(t("active"), "ok") : C.pill(t("closed"), "")},
      {title: "", value: (s) => mayLook ? C.button(t("Exchange folders"), (ev) => { ev.stopPropagation(); integration(s); },
        {class: "small integration", title: t("The store's integration settings: catalog source and exchange folders")}) : null},
    ], data.stores, {rowClass: () => "store", onRow: mayLook ? (s) => integration(s) : null});
    const add = C.can("manager") ? C.section(t("New store"), C.form([
      {name: "code", label: t("Code"), required: true}, {name: "name", label: t("Name"), required: true},
      {name: "timezone", label: t("Time zone"), value: "Europe/Moscow"},
    ], t("Add"), async (v) => {
      await C.send("POST", "stores", v);
      S.forgetStores();
      C.go("stores");
    }, {class: "inline"})) : null;
    view.replaceChildren(C.section(t("Stores"), S.readOnly("manager"), list), add);
  }

  /* A store's integration settings (GET/PUT /api/v1/stores/<store>/integration,
     docs/integration.md): where its tills take their catalog, the trade system's folders the
     integration module reads and writes, each till's queue and sales folder as the module sees
     it and as the till sees it (empty: the module's default, or the same as the module's). Below,
     read only, what each till reports it uses now (its till.status through monitoring). */
  const CATALOG_SOURCES = [["server", N_("the cash server")], ["folder", N_("the trade system's files in the till's queue folder")],
    ["both", N_("both: the server and the files")]];
  const TILL_FOLDERS = [["folder", N_("Queue folder (the module writes)")], ["sales_folder", N_("Sales folder (the module reads)")],
    ["till_folder", N_("Queue folder as the till sees it")], ["till_sales_folder", N_("Sales folder as the till sees it")]];
  async function integration(store) {
    const path = `stores/${encodeURIComponent(store.code)}/integration`;
    const [data, mon] = await Promise.all([C.get(path), C.get("monitoring/tills").catch(() => ({tills: []}))]);
    const may = C.can("admin");
    const dlg = C.dialog(t("Exchange folders of store {store}", {store: `${store.code} ${store.name}`}),
      integrationForm(data, mon.tills.filter((m) => m.store === store.code), may, async (body) => {
        const saved = await C.send("PUT", path, body);
        dlg.close();
        C.go("stores");
        return saved;
      }));
  }
  function integrationForm(data, reports, may, save) {
    const error = el("div", {class: "error", role: "alert", hidden: true});
    const input = (name, value, label, till) => el("input", {name, value: value || "", autocomplete: "off", disabled: !may,
      "aria-label": label, placeholder: t("default"), dataset: till === undefined ? null : {till: String(till)}});
    const source = el("select", {name: "catalog_source", disabled: !may}, CATALOG_SOURCES.map(([v, label]) =>
      el("option", {value: v, selected: v === data.catalog_source ? true : null, text: t(label)})));
    const field = (label, node, hint) => el("label", {class: "field grow"}, el("span", {text: label}), node, hint ? el("small", {text: hint}) : null);
    const folders = data.tills.length ? el("table", {class: "grid till-folders"},
      el("thead", {}, el("tr", {}, el("th", {text: t("Till")}), TILL_FOLDERS.map(([, label]) => el("th", {text: t(label)})))),
      el("tbody", {}, data.tills.map((x) => el("tr", {class: "till-folders", dataset: {number: String(x.number)}},
        el("td", {}, el("b", {text: String(x.number)}), " ", el("small", {class: "muted", text: x.node_id})),
        TILL_FOLDERS.map(([k, label]) => el("td", {}, input(k, x[k], `${t("Till {number}", {number: x.number})}: ${t(label)}`, x.number)))))))
      : el("p", {class: "muted", text: t("The store has no till yet: register one on the Tills page")});
    const button = may ? el("button", {class: "btn primary", type: "submit", text: t("Save")}) : null;
    const form = el("form", {class: "form integration-editor", onsubmit: async (ev) => {
      ev.preventDefault();
      if (!may) return;
      error.hidden = true;
      const body = {catalog_source: source.value, source_dir: form.querySelector("[name=source_dir]").value.trim(),
        sales_dir: form.querySelector("[name=sales_dir]").value.trim(), tills: {}};
      for (const node of form.querySelectorAll("input[data-till]")) {
        (body.tills[node.dataset.till] ||= {})[node.name] = node.value.trim();
      }
      button.disabled = true;
      try { await save(body); } catch (err) {
        const box = C.errorBox(err);  /* the API's refusal; the values typed stay as they are */
        if (box) { error.replaceChildren(...box.childNodes); error.hidden = false; }
      } finally { button.disabled = false; }
    }},
    C.readOnly("admin"),
    el("p", {class: "muted", text: t("A decentralised store's integration module and tills take these settings from the cash server and follow a change within their settings refresh. An empty folder is the module's default under its data folder; a till's own folder, when empty, is the module's.")}),
    el("div", {class: "form cols"},
      field(t("Where the tills take their catalog"), source),
      field(t("Trade system's folder for the store (the module reads)"), input("source_dir", data.source_dir, t("Trade system's folder for the store (the module reads)"))),
      field(t("Trade system's sales folder (the module writes)"), input("sales_dir", data.sales_dir, t("Trade system's sales folder (the module writes)")))),
    el("h3", {text: t("Each till's folders")}), folders,
    el("h3", {text: t("What the integration module reports")}), moduleReport(data.module),
    el("h3", {text: t("What the tills report they use now")}), reported(reports),
    error, button ? el("div", {class: "buttons"}, button) : null);
    return form;
  }
  /* What the store's integration module said of itself with its last settings ask
     (GET …/integration → module: its /status → integration, cut short). */
  function moduleReport(module) {
    if (!module || !module.report) {
      return el("p", {class: "muted module-report", text: t("The store's integration module has not reported yet: it reports with each ask for its settings.")});
    }
    const r = module.report;
    const settings = r.settings || {};
    const named = (x) => !x ? [] : Array.isArray(x) ? x.map(String) : Object.entries(x).map(([k, v]) => `${k}: ${v}`);
    const refused = named((r.source || {}).refused);
    const fact = (label, value) => [el("dt", {text: label}), el("dd", {}, value ?? "—")];
    const facts = el("dl", {class: "facts module-report"},
      fact(t("Module"), el("span", {}, module.node_id, " ", el("small", {class: "muted", text: t("reported {time}", {time: C.time(module.reported_at)})}))),
      fact(t("Its settings"), settings.from === "server" ? t("from the cash server") : settings.from === "cache" ? t("saved, the cash server not answering")
        : settings.from === "local" ? t("its own file") : "—"),
      settings.error ? fact(t("Problem"), el("span", {class: "bad-text", text: settings.error})) : null,
      r.error ? fact(t("Problem"), el("span", {class: "bad-text", text: r.error})) : null,
      fact(t("Source folder"), el("span", {class: "path", text: r.source_dir || "—"})),
      fact(t("Sales folder"), el("span", {class: "path", text: r.sales_dir || "—"})),
      r.source ? fact(t("Files waiting for the tills"), String(r.source.waiting ?? "—")) : null,
      refused.length ? fact(t("Files refused"), el("span", {class: "bad-text", text: refused.join("; ")})) : null);
    const tills = Object.entries(r.tills || {});
    const sales = r.sales || {};
    const table = C.table([
      {title: N_("Till"), value: ([node]) => node},
      {title: N_("Queue folder"), class: "path", value: ([, x]) => x.folder || "—"},
      {title: N_("Last file queued"), class: "path", value: ([, x]) => x.last_queued || "—"},
      {title: N_("Sales files copied"), class: "num", value: ([node]) => (sales[node] || {}).copied_total ?? "—"},
      {title: N_("Problem"), value: ([node, x]) => x.error || (sales[node] || {}).error || ""},
    ], tills, {class: "till-reports module-tills", empty: N_("No till yet"), rowClass: ([node, x]) => x.error || (sales[node] || {}).error ? "bad" : ""});
    return el("div", {}, facts, table);
  }
  /* What each till of the store last reported (monitoring/tills): online, and its exchange
     section when it has one: where its settings come from, its folders, last file, a refusal. */
  function reported(reports) {
    const ex = (m) => m.exchange || {};
    const muted = (text) => el("span", {class: "muted", text});
    return C.table([
      {title: N_("Till"), value: (m) => el("span", {}, el("b", {text: String(m.number)}), " ", el("small", {class: "muted", text: m.node_id}))},
      {title: N_("State"), value: (m) => m.online ? C.pill(t("online"), "online") : C.pill(t("offline"), "offline")},
      {title: N_("Catalog"), value: (m) => ex(m).catalog_source ? t((CATALOG_SOURCES.find((c) => c[0] === ex(m).catalog_source) || [0, ex(m).catalog_source])[1]) : muted("—")},
      {title: N_("Queue folder"), class: "path", value: (m) => ex(m).folder || muted("—")},
      {title: N_("Sales folder"), class: "path", value: (m) => ex(m).sales_folder || muted("—")},
      {title: N_("Last file"), class: "path", value: (m) => ex(m).last_loaded ? el("span", {}, ex(m).last_loaded.file, " ", el("small", {class: "muted", text: C.time(ex(m).last_loaded.at)})) : muted("—")},
      {title: N_("Problem"), value: (m) => problem(ex(m))},
    ], reports, {class: "till-reports", empty: N_("No till of the store has reported yet"), rowClass: (m) => `till-report ${problem(ex(m)) ? "bad" : ""}`});
  }
  function problem(x) {
    const refused = x.settings && x.settings.refused;
    if (refused) return el("span", {}, t("settings refused: {error}", {error: refused.error}), refused.hint ? el("small", {class: "action", text: refused.hint}) : null);
    if (x.refused) return el("span", {}, t("waits behind {file}: {error}", {file: x.refused.file, error: x.refused.error}), x.refused.what_to_do ? el("small", {class: "action", text: x.refused.what_to_do}) : null);
    if (x.settings && x.settings.error) return t("cannot ask the cash server: {error}", {error: x.settings.error});
    return null;
  }

  /* ---- restrictions ---- */
  function ruleWhen(r) {
    if (r.kind === "age") return t("from {age} years", {age: r.min_age});
    const days = r.days ? r.days.split("").map((d) => t(WEEKDAYS[parseInt(d, 10) - 1])).join(", ") : t("every day");
    return `${r.from}–${r.to}, ${days}`;
  }
  async function restrictions(view, params) {
    const store = params.get("store") || "";
    const data = await C.get(`restrictions${store ? `?store=${encodeURIComponent(store)}` : ""}`);
    const options = await storeOptions(true);
    const may = C.can("manager");
    const list = C.table([
      {title: N_("Store"), value: (r) => r.store || t("every store")},
      {title: N_("Kind"), value: (r) => r.kind === "age" ? t("age") : t("time of day")},
      {title: N_("Applies to"), value: (r) => r.article ? t("item {article}", {article: r.article})
        : r.group_id ? t("group {group}", {group: r.group_id}) : t("every item")},
      {title: N_("When"), value: ruleWhen},
      {title: N_("Message"), value: (r) => r.message},
      {title: N_("Source"), value: (r) => r.source === "admin" ? t("console") : t("the trade system")},
      {title: "", value: (r) => may ? C.button(t("Delete"), async () => {
        if (!confirm(t("Delete this restriction?"))) return;
        await C.send("DELETE", `restrictions/${r.id}`);
        C.go("restrictions", {store});
      }, {class: "small danger"}) : null},
    ], data.restrictions, {empty: N_("No restrictions"), rowClass: () => "rule"});
    const editor = may ? C.section(t("New restriction"), C.form([
      {name: "kind", label: t("Kind"), type: "select", options: [["time", t("time of day")], ["age", t("age")]]},
      {name: "store", label: t("Store"), type: "select", options: options, value: store},
      {name: "article", label: t("Article (empty: every item)")},
      {name: "group_id", label: t("or group")},
      {name: "from", label: t("From (HH:MM)"), value: "22:00"},
      {name: "to", label: t("To (HH:MM)"), value: "08:00"},
      {name: "days", label: t("Weekdays"), type: "checks", wide: true, options: WEEKDAYS.map((d, i) => [String(i + 1), t(d)])},
      {name: "min_age", label: t("Minimum age"), type: "number", value: "18"},
      {name: "message", label: t("Message at the till (empty: the usual one)")},
    ], t("Add"), async (v) => {
      const rule = {kind: v.kind, message: v.message || undefined};
      if (v.store) rule.store = v.store;
      if (v.article) rule.article = v.article.trim();
      if (v.group_id) rule.group_id = v.group_id.trim();
      if (v.kind === "time") {
        rule.from = v.from; rule.to = v.to;
        if (v.days.length) rule.days = v.days.join("");
      } else rule.min_age = parseInt(v.min_age, 10);
      await C.send("POST", "restrictions", rule);
      C.go("restrictions", {store});
    }, {class: "cols rule-editor"}), el("p", {class: "muted", text: t("The tills of the store get the change within seconds; a time restriction refuses the sale, an age restriction asks the cashier to check the buyer's age.")})) : null;
    view.replaceChildren(C.section(t("Sale restrictions"),
      el("div", {class: "toolbar"}, el("label", {class: "field"}, el("span", {text: t("Store")}),
        storeSelect(options, store, (ev) => C.go("restrictions", {store: ev.target.value})))),
      S.readOnly("manager"), list), editor);
  }

  /* ---- cashiers and their roles ---- */
  async function cashiers(view, params) {
    const options = await storeOptions(false);
    const store = params.get("store") || (options[0] && options[0][0]) || "";
    const [list, roles] = await Promise.all([
      store ? C.get(`stores/${encodeURIComponent(store)}/cashiers`) : {cashiers: []},
      C.get("cashier-roles"),
    ]);
    const roleName = (id) => (roles.roles.find((r) => r.id === id) || {name: id}).name;
    const may = C.can("manager");
    const table = C.table([
      {title: N_("Code"), value: (c) => c.id}, {title: N_("Full name"), value: (c) => c.name},
      {title: N_("Role"), value: (c) => roleName(c.role_id)},
      {title: N_("Rights"), value: (c) => c.rights === null ? el("span", {class: "muted", text: t("the role's")})
        : c.rights.map((r) => C.pill(rightTitle(r), "info"))},
      {title: N_("State"), value: (c) => c.enabled ? C.pill(t("active"), "ok") : C.pill(t("disabled"), "bad")},
      {title: N_("Source"), value: (c) => c.source === "admin" ? t("console") : t("the trade system")},
    ], list.cashiers, {empty: N_("No cashiers"), onRow: may ? (c) => editCashier(store, c, roles.roles) : null});
    const roleOptions = roles.roles.map((r) => [r.id, `${r.id} ${r.name}`]);
    const add = may ? C.section(t("New cashier"), C.form([
      {name: "id", label: t("Code (typed at the till)"), required: true},
      {name: "name", label: t("Full name"), required: true},
      {name: "role_id", label: t("Role"), type: "select", options: roleOptions},
      {name: "password", label: t("Password"), type: "password", required: true},
      {name: "inn", label: t("INN (for fiscal receipts)")},
    ], t("Add"), async (v) => {
      await C.send("POST", `stores/${encodeURIComponent(store)}/cashiers`,
        {id: /^\d+$/.test(v.id.trim()) ? parseInt(v.id, 10) : v.id.trim(), name: v.name.trim(), role_id: parseInt(v.role_id, 10), password: v.password, inn: v.inn || undefined});
      C.go("cashiers", {store});
    }, {class: "inline cashier-new"})) : null;
    const rolesTable = C.table([
      {title: N_("Role"), value: (r) => `${r.id} ${r.name}`},
      {title: N_("Rights"), value: (r) => r.rights.map((x) => C.pill(rightTitle(x), "info"))},
    ], roles.roles, {onRow: may ? (r) => editRole(r, store) : null});
    view.replaceChildren(
      C.section(t("Cashiers"), el("div", {class: "toolbar"}, el("label", {class: "field"},
        el("span", {text: t("Store")}), storeSelect(options, store, (ev) => C.go("cashiers", {store: ev.target.value})))),
      S.readOnly("manager"), table),
      add,
      C.section(t("Cashier roles and rights"), el("p", {class: "muted", text: t("A change reaches every cashier of the role at the tills.")}), rolesTable,
        may ? C.button(t("New role"), () => editRole({id: Math.max(0, ...roles.roles.map((r) => r.id)) + 1, name: "", rights: ["sell"]}, store)) : null));
  }

  function editCashier(store, c, roles) {
    const dlg = C.dialog(t("Cashier {code}", {code: c.id}), C.form([
      {name: "name", label: t("Full name"), value: c.name},
      {name: "role_id", label: t("Role"), type: "select", options: roles.map((r) => [r.id, `${r.id} ${r.name}`]), value: c.role_id},
      {name: "own", label: t("Rights of their own instead of the role's"), type: "checkbox", value: c.rights !== null},
      {name: "rights", label: t("Their rights"), type: "checks", options: RIGHTS.map(([v, l]) => [v, t(l)]), value: c.rights || []},
      {name: "password", label: t("New password (empty: unchanged)"), type: "password"},
      {name: "enabled", label: t("May log in"), type: "checkbox", value: c.enabled},
    ], t("Save"), async (v) => {
      const change = {name: v.name, role_id: parseInt(v.role_id, 10), rights: v.own ? v.rights : null, enabled: v.enabled};
      if (v.password) change.password = v.password;
      await C.send("PUT", `stores/${encodeURIComponent(store)}/cashiers/${encodeURIComponent(c.id)}`, change);
      dlg.close();
      C.go("cashiers", {store});
    }));
  }

  function editRole(role, store) {
    const dlg = C.dialog(t("Role {id}", {id: role.id}), C.form([
      {name: "name", label: t("Name"), value: role.name, required: true},
      {name: "rights", label: t("Rights"), type: "checks", options: RIGHTS.map(([v, l]) => [v, t(l)]), value: role.rights},
    ], t("Save"), async (v) => {
      await C.send("PUT", `cashier-roles/${role.id}`, {name: v.name, rights: v.rights});
      dlg.close();
      C.go("cashiers", {store});
    }));
  }

  /* ---- employees of the server (admin) ---- */
  const EMPLOYEE_ROLES = [["viewer", N_("viewer")], ["manager", N_("manager")], ["admin", N_("administrator")]];
  async function employees(view) {
    const [data, locks] = await Promise.all([C.get("employees"), C.get("login-locks")]);
    const me = C.employee();
    const table = C.table([
      {title: N_("Login"), value: (e) => e.login}, {title: N_("Full name"), value: (e) => e.name},
      {title: N_("Role"), value: (e) => t((EMPLOYEE_ROLES.find((r) => r[0] === e.role) || [e.role, e.role])[1])},
      {title: N_("State"), value: (e) => e.enabled ? C.pill(t("active"), "ok") : C.pill(t("disabled"), "bad")},
    ], data.employees, {onRow: (e) => e.login === me.login ? null : editEmployee(e)});
    view.replaceChildren(C.section(t("Server employees"), table), C.section(t("New employee"), C.form([
      {name: "login", label: t("Login"), required: true}, {name: "name", label: t("Full name")},
      {name: "role", label: t("Role"), type: "select", options: EMPLOYEE_ROLES.map(([v, l]) => [v, t(l)])},
      {name: "password", label: t("Password (8 characters or more)"), type: "password", required: true},
    ], t("Add"), async (v) => {
      await C.send("POST", "employees", v);
      C.go("employees");
    }, {class: "inline"})), locksSection(locks.locks));
  }

  /* Failed logins per login and per address (docs/security.md): locked ones first; an admin
     lifts a lock, which also forgets the failures. */
  function locksSection(locks) {
    const problem = el("div");
    const table = C.table([
      {title: N_("Login or address"), value: (k) => el("span", {}, k.key, " ", el("small", {class: "muted", text: k.kind === "login" ? t("login") : t("address")}))},
      {title: N_("Failures"), class: "num", value: (k) => k.failures},
      {title: N_("State"), value: (k) => k.locked ? C.pill(k.wait_s === null ? t("locked until lifted") : t("locked for {age}", {age: C.age(k.wait_s)}), "bad")
        : k.wait_s ? C.pill(t("next try in {age}", {age: C.age(k.wait_s)}), "warn") : C.pill(t("may try"), "")},
      {title: N_("Last failure"), value: (k) => (k.last_failure_ms ? C.time(new Date(k.last_failure_ms).toISOString()) : "—")},
      {title: "", value: (k) => C.button(t("Lift"), async () => {
        try {
          await C.send("DELETE", `login-locks/${k.kind}/${encodeURIComponent(k.key)}`);
          C.go("employees", {at: Date.now()});
        } catch (err) { const box = C.errorBox(err); if (box) problem.replaceChildren(box); }
      }, {class: "small lift"})},
    ], locks, {empty: N_("No failed logins"), rowClass: (k) => `login-lock ${k.locked ? "bad" : ""}`});
    return C.section(t("Failed logins and locks"), el("p", {class: "muted", text: t("After 3 failed logins each further one waits longer; the 10th locks the login (docs/security.md). Lifting a lock forgets its failures; it is in the audit log.")}),
      table, problem);
  }
  function editEmployee(e) {
    const dlg = C.dialog(e.login, C.form([
      {name: "name", label: t("Full name"), value: e.name},
      {name: "role", label: t("Role"), type: "select", options: EMPLOYEE_ROLES.map(([v, l]) => [v, t(l)]), value: e.role},
      {name: "password", label: t("New password (empty: unchanged)"), type: "password"},
      {name: "enabled", label: t("May log in"), type: "checkbox", value: e.enabled},
    ], t("Save"), async (v) => {
      const change = {name: v.name, role: v.role, enabled: v.enabled};
      if (v.password) change.password = v.password;
      await C.send("PUT", `employees/${encodeURIComponent(e.login)}`, change);
      dlg.close();
      C.go("employees");
    }));
  }

  C.page("stores", {title: N_("Stores"), render: stores});
  C.page("restrictions", {title: N_("Restrictions"), render: restrictions});
  C.page("cashiers", {title: N_("Cashiers"), render: cashiers});
  C.page("employees", {title: N_("Employees"), role: "admin", render: employees});
})();
