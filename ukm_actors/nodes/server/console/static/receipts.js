/* Receipts and shifts: search with every filter of the API, a receipt shown as printed,
   shift closings with their totals, CSV downloads. */
"use strict";

(() => {
  const {t, N_, el} = C;
  const FILTERS = ["store", "till", "shift", "number", "from", "to", "cashier", "min_total", "max_total", "article", "barcode", "payment"];
  const KIND = {sale: N_("sale"), return: N_("return")};
  const PAY = {cash: N_("cash"), card: N_("card"), certificate: N_("certificate"), bonus: N_("bonus points")};

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
      if (k === "min_total" || k === "max_total") {
        const kop = C.parseMoney(v);
        if (kop === null) throw new C.ApiError({status: 400, data: {message: t("{value} is not an amount (write 45.90)", {value: v})}});
        v = String(kop);
      }
      q.set(k, v);
    }
    return q;
  }

  async function receipts(view, params) {
    const q = queryOf(params);
    if (params.get("cursor")) q.set("cursor", params.get("cursor"));
    else q.set("page", params.get("page") || "1");
    const data = await C.get(`receipts?${q}`);
    const stores = await S.stores();
    const filter = C.form([
      {name: "store", label: t("Store"), type: "select", value: params.get("store") || "", options: [["", t("every store")], ...stores.map((s) => [s.code, `${s.code} ${s.name}`])]},
      {name: "till", label: t("Till"), type: "number", value: params.get("till") || ""},
      {name: "shift", label: t("Shift"), type: "number", value: params.get("shift") || ""},
      {name: "number", label: t("Receipt No."), type: "number", value: params.get("number") || ""},
      {name: "from", label: t("From"), type: "date", value: params.get("from") || ""},
      {name: "to", label: t("To"), type: "date", value: params.get("to") || ""},
      {name: "cashier", label: t("Cashier code"), value: params.get("cashier") || ""},
      {name: "min_total", label: t("Total from"), value: params.get("min_total") || "", placeholder: "0.00"},
      {name: "max_total", label: t("Total to"), value: params.get("max_total") || "", placeholder: "0.00"},
      {name: "article", label: t("Article"), value: params.get("article") || ""},
      {name: "barcode", label: t("Barcode"), value: params.get("barcode") || ""},
      {name: "payment", label: t("Payment"), type: "select", value: params.get("payment") || "",
        options: [["", t("any")], ...Object.entries(PAY).map(([k, v]) => [k, t(v)])]},
    ], t("Find"), async (v) => C.go("receipts", v), {class: "cols receipt-filter",
      extra: C.button(t("Download CSV"), () => download(params))});
    view.replaceChildren(C.section(t("Receipts"), filter), C.section(null,
      C.table(COLUMNS, data.receipts, {empty: N_("No receipts match"), onRow: (r) => showReceipt(r.id), rowClass: (r) => `receipt ${r.state === "cancelled" ? "voided" : ""}`}),
      el("div", {class: "pager"},
        C.button(t("First page"), () => C.go("receipts", Object.fromEntries([...params].filter(([k]) => k !== "cursor" && k !== "page"))), {disabled: !params.get("cursor") && (params.get("page") || "1") === "1"}),
        C.button(t("Next page"), () => C.go("receipts", {...Object.fromEntries(params), cursor: data.next_cursor, page: ""}), {disabled: !data.has_more}))));
    if (params.get("open")) showReceipt(params.get("open"));
  }

  /* Every receipt of the search, page after page (at most 10,000), as one CSV file. */
  async function download(params) {
    const q = queryOf(params);
    q.set("per_page", "500");
    const rows = [];
    let cursor = null;
    do {
      if (cursor) q.set("cursor", cursor);
      const data = await C.get(`receipts?${q}`);
      rows.push(...data.receipts);
      cursor = data.has_more ? data.next_cursor : null;
    } while (cursor && rows.length < 10000);
    C.csv("receipts.csv", COLUMNS, rows);
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
      r.original ? line(t("Return of receipt"), String(r.original.receipt_id || JSON.stringify(r.original))) : null,
      el("div", {class: "sep"}),
      el("small", {text: r.receipt_id}));
    const returns = (data.returns || []).length ? el("div", {class: "returns"}, el("h3", {text: t("Returns against it")}),
      C.table([
        {title: N_("Receipt No."), value: (x) => x.number}, {title: N_("Store"), value: (x) => x.store},
        {title: N_("Till"), value: (x) => x.till},
      ], data.returns, {onRow: (x) => showReceipt(x.id)}),
      el("p", {class: "muted", text: t("Returned: {lines}", {lines: Object.entries(data.returned || {}).map(([p, q]) => `№${p} × ${C.quantity(q)}`).join(", ")})})) : null;
    const exportState = data.export ? el("p", {class: "muted", text: t("Export: {state} {file}", {state: data.export.state, file: data.export.file || ""})}) : null;
    C.dialog(t("Receipt {number}", {number: r.number}), el("div", {class: "receipt-view"}, body, returns, exportState));
  }

  function fiscal(r) {
    const facts = [];
    if (r.kkm_receipt_number) facts.push([t("Register receipt No."), r.kkm_receipt_number]);
    for (const [k, v] of Object.entries(r.fiscal || {})) if (v !== null && typeof v !== "object") facts.push([k, v]);
    if (!facts.length) return null;
    return el("div", {class: "fiscal"}, el("div", {class: "sep"}), facts.map(([k, v]) =>
      el("div", {class: "line"}, el("span", {text: k}), el("span", {text: String(v)}))));
  }

  /* ---- shifts ---- */
  const SHIFT_COLUMNS = [
    {title: N_("Opened"), value: (s) => (s.opened_at || "").replace("T", " ")},
    {title: N_("Closed"), value: (s) => s.closed_at ? s.closed_at.replace("T", " ") : C.pill(t("open"), "info"), csv: (s) => s.closed_at || ""},
    {title: N_("Store"), value: (s) => s.store}, {title: N_("Till"), class: "num", value: (s) => s.till},
    {title: N_("Shift"), class: "num", value: (s) => s.shift},
    {title: N_("Cashier"), value: (s) => `${s.cashier_code || ""} ${s.cashier_name || ""}`},
    {title: N_("Sales"), class: "num", value: (s) => `${s.totals.sales_count} / ${C.money(s.totals.sales_total)}`, csv: (s) => (s.totals.sales_total / 100).toFixed(2)},
    {title: N_("Returns"), class: "num", value: (s) => `${s.totals.returns_count} / ${C.money(s.totals.returns_total)}`, csv: (s) => (s.totals.returns_total / 100).toFixed(2)},
    {title: N_("Cancelled"), class: "num", value: (s) => s.totals.cancelled_count},
    {title: N_("Receipts arrived"), value: (s) => s.receipts.complete ? C.pill(t("all {n}", {n: s.receipts.arrived}), "ok")
      : C.pill(t("{arrived} of {expected}", {arrived: s.receipts.arrived, expected: s.receipts.expected ?? "?"}), "warn"),
      csv: (s) => `${s.receipts.arrived}/${s.receipts.expected ?? ""}`},
  ];
  async function shifts(view, params) {
    const q = new URLSearchParams();
    for (const k of ["store", "from", "to"]) if (params.get(k)) q.set(k, params.get(k));
    const data = await C.get(`shifts?${q}&page=${params.get("page") || 1}`);
    const stores = await S.stores();
    view.replaceChildren(C.section(t("Shifts"), C.form([
      {name: "store", label: t("Store"), type: "select", value: params.get("store") || "", options: [["", t("every store")], ...stores.map((s) => [s.code, `${s.code} ${s.name}`])]},
      {name: "from", label: t("From"), type: "date", value: params.get("from") || ""},
      {name: "to", label: t("To"), type: "date", value: params.get("to") || ""},
    ], t("Show"), async (v) => C.go("shifts", v), {class: "inline",
      extra: C.button(t("Download CSV"), () => C.csv("shifts.csv", SHIFT_COLUMNS, data.shifts))}),
    C.table(SHIFT_COLUMNS, data.shifts, {empty: N_("No shifts"), onRow: (s) => C.go("receipts", {store: s.store, till: s.till, shift: s.shift})}),
    C.pager({page: data.page || 1, per_page: data.per_page, has_more: data.has_more}, (n) => C.go("shifts", {...Object.fromEntries(params), page: n}))));
  }

  C.page("receipts", {title: N_("Receipts"), render: receipts});
  C.page("shifts", {title: N_("Shifts"), render: shifts});
})();
