/* Receipts: search with every filter of the API, a receipt shown as printed (with the returns
   against it), CSV download. Shifts are in shifts.js. */
"use strict";

(() => {
  const {t, N_, el} = C;
  const FILTERS = ["store", "till", "shift", "number", "from", "to", "cashier", "min_total", "max_total", "article", "barcode", "payment"];
  const KIND = {sale: N_("sale"), return: N_("return")};
  const PAY = {cash: N_("cash"), card: N_("card"), certificate: N_("certificate"), bonus: N_("bonus points")};
  /* A document's export to the trade system (docs/exchange.md). */
  const EXPORT = {pending: N_("waiting to be written"), held: N_("held until the shift's receipts arrive"),
    done: N_("written"), failed: N_("failed"), skipped: N_("not exported (store not exported)")};
  function exportLine(x) {
    if (!x) return null;
    return el("p", {class: `muted export-state state-${x.state}`},
      t("Export: {state}", {state: t(EXPORT[x.state] || x.state)}), x.file ? el("code", {text: ` ${x.file}`}) : null,
      x.error ? el("div", {class: "error", text: x.error}) : null);
  }

  const COLUMNS = [
    {title: N_("Closed"), value: (r) => r.closed_at ? r.closed_at.replace("T", " ") : "—"},
    {title: N_("Store"), value: (r) => r.store},
    {title: N_("Till"), class: "num", value: (r) => r.till},
    {title: N_("Shift"), class: "num", value: (r) => r.shift},
    {title: N_("No."), class: "num", value: (r) => r.number},
    {title: N_("Kind"), value: (r) => t(KIND[r.kind] || r.kind), csv: (r) => r.kind},
    {title: N_("State"), value: (r) => r.state === "cancelled" ? C.pill(t("cancelled"), "warn") : t("completed"), csv: (r) => r.state},
    {title: N_("Cashier"), value: (r) => `${r.cashier_code} ${r.cashier_name || ""}`},
    {title: N_("Total"), class: "num", value: (r) => C.money(r.total), csv: (r) => (r.total / 100).toFixed(2)},
    {title: N_("Receipt id"), value: (r) => el("small", {class: "muted", text: r.id}), csv: (r) => r.id},
  ];

  function queryOf(params) {
    const q = new URLSearchParams();
    for (const k of FILTERS) {
      let v = params.get(k);
      if (!v) continue;
      if ((k === "from" || k === "to") && params.get(`${k}_time`)) v = `${v}T${params.get(`${k}_time`)}`;
      if (k === "min_total" || k === "max_total") {
        const kop = C.parseMoney(v);
        if (kop === null) throw new C.ApiError({status: 400, data: {message: t("{value} is not an amount (write 45.90)", {value: v})}});
        v = String(kop);
      }
      q.set(k, v);
    }
    for (const k of ["from", "to"]) {
      if (params.get(`${k}_time`) && !params.get(k)) {
        throw new C.ApiError({status: 400, data: {message: t("a time needs its date: fill in the date beside it")}});
      }
    }
    return q;
  }

  async function receipts(view, params) {
    let q = null;
    let problem = null;  /* a filter that cannot be sent: said above the (empty) list */
    try { q = queryOf(params); } catch (err) { problem = err; }
    if (q && params.get("cursor")) q.set("cursor", params.get("cursor"));
    else if (q) q.set("page", params.get("page") || "1");
    const data = q ? await C.get(`receipts?${q}`) : {receipts: [], has_more: false};
    const stores = await S.stores();
    const filter = C.form([
      {name: "store", label: t("Store"), type: "select", value: params.get("store") || "", options: [["", t("every store")], ...stores.map((s) => [s.code, `${s.code} ${s.name}`])]},
      {name: "till", label: t("Till"), type: "number", value: params.get("till") || ""},
      {name: "shift", label: t("Shift"), type: "number", value: params.get("shift") || ""},
      {name: "number", label: t("Receipt No."), type: "number", value: params.get("number") || ""},
      {name: "from", label: t("From"), type: "date", value: params.get("from") || ""},
      {name: "from_time", label: t("at (empty: from the day's start)"), type: "time", value: params.get("from_time") || ""},
      {name: "to", label: t("To"), type: "date", value: params.get("to") || ""},
      {name: "to_time", label: t("at (empty: to the day's end)"), type: "time", value: params.get("to_time") || ""},
      {name: "cashier", label: t("Cashier code"), value: params.get("cashier") || ""},
      {name: "min_total", label: t("Total from"), value: params.get("min_total") || "", placeholder: "0.00"},
      {name: "max_total", label: t("Total to"), value: params.get("max_total") || "", placeholder: "0.00"},
      {name: "article", label: t("Article"), value: params.get("article") || ""},
      {name: "barcode", label: t("Barcode"), value: params.get("barcode") || ""},
      {name: "payment", label: t("Payment"), type: "select", value: params.get("payment") || "",
        options: [["", t("any")], ...Object.entries(PAY).map(([k, v]) => [k, t(v)])]},
    ], t("Find"), async (v) => C.go("receipts", v), {class: "cols receipt-filter",
      extra: C.button(t("Download CSV"), () => download(params))});
    view.replaceChildren(C.section(t("Receipts"), filter, problem ? C.errorBox(problem) : null), C.section(null,
      C.table(COLUMNS, data.receipts, {empty: N_("No receipts match"), onRow: (r) => showReceipt(r.id), rowClass: (r) => `receipt ${r.state === "cancelled" ? "voided" : ""}`}),
      el("div", {class: "pager"},
        C.button(t("First page"), () => C.go("receipts", Object.fromEntries([...params].filter(([k]) => k !== "cursor" && k !== "page"))), {disabled: !params.get("cursor") && (params.get("page") || "1") === "1"}),
        C.button(t("Next page"), () => C.go("receipts", {...Object.fromEntries(params), cursor: data.next_cursor, page: ""}), {disabled: !data.has_more}))));
    if (params.get("open")) showReceipt(params.get("open"));
  }

  /* Every receipt of the search, page after page (at most 10,000), as one CSV file. */
  async function download(params) {
    C.csv("receipts.csv", COLUMNS, await C.allPages("receipts", queryOf(params), "receipts"));
  }

  /* A receipt as printed: its lines, discounts, payments, returns against it, till and cashier. */
  async function showReceipt(id) {
    const data = await C.get(`receipts/${encodeURIComponent(id)}`);
    const r = data.receipt;
    const line = (left, right, cls) => el("div", {class: `line ${cls || ""}`}, el("span", {text: left}), el("span", {text: right}));
    const body = el("div", {class: "printed", dataset: {receipt: r.receipt_id}},
      el("div", {class: "big", text: r.kind === "return" ? t("RETURN") : t("SALE")}),
      line(t("Store {store}, till {till}", {store: r.store, till: r.till}), t("shift {shift}, receipt {number}", {shift: r.shift_num, number: r.number})),
      line(t("Cashier"), `${r.cashier_code} ${r.cashier_name || ""}`),
      line(t("Closed"), (r.closed_at || "").replace("T", " ")),
      r.state === "cancelled" ? el("div", {class: "big", text: t("CANCELLED")}) : null,
      el("div", {class: "sep"}),
      r.lines.map((l) => el("div", {class: `pos ${l.voided ? "voided" : ""}`},
        line(`${l.position}. ${l.name}`, l.voided ? t("voided") : ""),
        line(`   ${C.quantity(l.quantity)} ${l.measure || ""} × ${C.money(l.price)}`, C.money(l.amount)),
        (l.discounts || []).map((d) => line(`   ${d.name || t("discount")}`, `−${C.money(d.amount)}`, "discount")),
        l.discount && !(l.discounts || []).length ? line(`   ${t("discount")}`, `−${C.money(l.discount)}`, "discount") : null)),
      el("div", {class: "sep"}),
      line(t("TOTAL"), C.money(r.total), "big"),
      r.payments.map((p) => line(`${t(PAY[p.type] || p.type)}${p.card_mask ? ` ${p.card_mask}` : ""}${p.rrn ? ` RRN ${p.rrn}` : ""}`, C.money(p.amount))),
      r.change ? line(t("Change"), C.money(r.change)) : null,
      r.card ? line(t("Loyalty card"), String(r.card.number || r.card)) : null,
      r.bonus && typeof r.bonus === "object" && Object.keys(r.bonus).length
        ? line(t("Bonus points"), Object.entries(r.bonus).map(([k, v]) => `${k}: ${typeof v === "object" ? JSON.stringify(v) : v}`).join(", ")) : null,
      fiscal(r),
      r.original ? originalLine(r.original) : null,
      r.offline_return ? line(t("Returned without the server"), t("yes")) : null,
      r.supervisor_code ? line(t("Supervisor"), r.supervisor_code) : null,
      el("div", {class: "sep"}),
      el("small", {text: r.receipt_id}));
    const names = Object.fromEntries(r.lines.map((l) => [String(l.position), l]));
    const returns = (data.returns || []).length ? el("div", {class: "returns"}, el("h3", {text: t("Returns against it")}),
      C.table([
        {title: N_("Receipt No."), value: (x) => x.number}, {title: N_("Store"), value: (x) => x.store},
        {title: N_("Till"), value: (x) => x.till},
      ], data.returns, {onRow: (x) => showReceipt(x.id)}),
      el("h3", {text: t("Taken back")}),
      C.table([
        {title: N_("Line"), value: ([p]) => `${p}. ${(names[p] || {}).name || ""}`},
        {title: N_("Quantity"), class: "num", value: ([p, q]) => `${C.quantity(q)} ${(names[p] || {}).measure || ""}`},
      ], Object.entries(data.returned || {}), {class: "returned"})) : null;
    C.dialog(t("Receipt {number}", {number: r.number}), el("div", {class: "receipt-view"}, body,
      el("div", {class: "receipt-side"}, returns, exportLine(data.export))));
  }

  /* "Return of: receipt 1 of shift 1, till 1, store 17": opens the original. */
  function originalLine(o) {
    const text = o.number !== undefined
      ? t("receipt {number}, shift {shift}, till {till}, store {store}", {number: o.number, shift: o.shift_num, till: o.till, store: o.store})
      : String(o.receipt_id || "");
    return el("div", {class: "line original"}, el("span", {text: t("Return of")}),
      o.receipt_id ? el("a", {href: "#", onclick: (ev) => { ev.preventDefault(); showReceipt(o.receipt_id); }, text}) : el("span", {text}));
  }

  /* The register's data as printed on a fiscal receipt (ФН, ФД, ФП…). */
  const FISCAL = [["registration_number", N_("Register reg. No. (РН ККТ)")], ["fn", N_("Fiscal storage No. (ФН)")],
    ["fd", N_("Fiscal document No. (ФД)")], ["fp", N_("Fiscal sign (ФП)")], ["shift", N_("Register shift")],
    ["number", N_("Register receipt No.")], ["registered_at", N_("Registered")]];
  function fiscal(r) {
    const f = r.fiscal || {};
    const facts = FISCAL.filter(([k]) => f[k] !== null && f[k] !== undefined && f[k] !== "").map(([k, label]) =>
      [t(label), k === "registered_at" ? C.time(f[k]) : f[k]]);
    if (r.kkm_receipt_number && f.number === undefined) facts.push([t("Register receipt No."), r.kkm_receipt_number]);
    if (!facts.length) return null;
    return el("div", {class: "fiscal"}, el("div", {class: "sep"}), facts.map(([k, v]) =>
      el("div", {class: "line"}, el("span", {text: k}), el("span", {text: String(v)}))));
  }


  S.showReceipt = showReceipt;
  S.exportLine = exportLine;
  C.page("receipts", {title: N_("Receipts"), render: receipts});
})();
