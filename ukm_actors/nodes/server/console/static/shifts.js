/* Shifts: every shift with its totals and whether all its receipts arrived; a shift's closing
   (the server's count beside the till's Z report, missing receipts, its export); CSV. */
"use strict";

(() => {
  const {t, N_, el} = C;
  const PAY = {cash: N_("cash"), card: N_("card"), certificate: N_("certificate"), bonus: N_("bonus points")};
  const money = (k) => (k === null || k === undefined ? "" : (k / 100).toFixed(2));
  const net = (s) => s.totals.sales_total - s.totals.returns_total;

  function arrived(s) {
    if (s.state !== "closed" && s.receipts.expected === null) return C.pill(t("open: {n} so far", {n: s.receipts.arrived}), "info");
    if (s.receipts.complete) return C.pill(t("all {n}", {n: s.receipts.arrived}), "ok");
    return C.pill(t("{arrived} of {expected}", {arrived: s.receipts.arrived, expected: s.receipts.expected ?? "?"}), "warn");
  }

  const COLUMNS = [
    {title: N_("Opened"), value: (s) => (s.opened_at || "").replace("T", " ")},
    {title: N_("Shift closed"), value: (s) => s.closed_at ? s.closed_at.replace("T", " ") : C.pill(t("open"), "info")},
    {title: N_("Store"), value: (s) => s.store}, {title: N_("Till"), class: "num", value: (s) => s.till},
    {title: N_("Shift"), class: "num", value: (s) => s.shift},
    {title: N_("Cashier"), value: (s) => `${s.cashier_code || ""} ${s.cashier_name || ""}`},
    {title: N_("Sales"), class: "num", value: (s) => `${s.totals.sales_count} / ${C.money(s.totals.sales_total)}`},
    {title: N_("Returns"), class: "num", value: (s) => `${s.totals.returns_count} / ${C.money(s.totals.returns_total)}`},
    {title: N_("Net"), class: "num", value: (s) => C.money(net(s))},
    {title: N_("Cancelled"), class: "num", value: (s) => s.totals.cancelled_count},
    {title: N_("Receipts arrived"), value: arrived},
  ];
  /* The CSV: one value a cell, amounts as 123.45. */
  const CSV = [
    {title: N_("Opened"), value: (s) => s.opened_at || ""}, {title: N_("Shift closed"), value: (s) => s.closed_at || ""},
    {title: N_("Store"), value: (s) => s.store}, {title: N_("Till"), value: (s) => s.till},
    {title: N_("Shift"), value: (s) => s.shift}, {title: N_("Register shift"), value: (s) => s.kkm_shift_number ?? ""},
    {title: N_("Cashier code"), value: (s) => s.cashier_code || ""}, {title: N_("Cashier"), value: (s) => s.cashier_name || ""},
    {title: N_("Sales"), value: (s) => s.totals.sales_count}, {title: N_("Sales total"), value: (s) => money(s.totals.sales_total)},
    {title: N_("Returns"), value: (s) => s.totals.returns_count}, {title: N_("Returns total"), value: (s) => money(s.totals.returns_total)},
    {title: N_("Net"), value: (s) => money(net(s))}, {title: N_("Cancelled"), value: (s) => s.totals.cancelled_count},
    {title: N_("Receipts arrived"), value: (s) => s.receipts.arrived}, {title: N_("Receipts expected"), value: (s) => s.receipts.expected ?? ""},
    {title: N_("Cash in drawer (till)"), value: (s) => money((s.till_totals || {}).cash_in_drawer)},
  ];

  function queryOf(params) {
    const q = new URLSearchParams();
    for (const k of ["store", "from", "to"]) if (params.get(k)) q.set(k, params.get(k));
    return q;
  }

  async function shifts(view, params) {
    const q = queryOf(params);
    if (params.get("cursor")) q.set("cursor", params.get("cursor"));
    const [data, stores] = await Promise.all([C.get(`shifts?${q}`), S.stores()]);
    const filters = Object.fromEntries([...queryOf(params)]);
    view.replaceChildren(C.section(t("Shifts"), C.form([
      {name: "store", label: t("Store"), type: "select", value: params.get("store") || "", options: [["", t("every store")], ...stores.map((s) => [s.code, `${s.code} ${s.name}`])]},
      {name: "from", label: t("Opened from"), type: "date", value: params.get("from") || ""},
      {name: "to", label: t("to"), type: "date", value: params.get("to") || ""},
    ], t("Show"), async (v) => C.go("shifts", v), {class: "inline shift-filter",
      extra: C.button(t("Download CSV"), () => download(params), {class: "csv"})}),
    C.table(COLUMNS, data.shifts, {empty: N_("No shifts"), onRow: showShift, rowClass: (s) => `shift ${s.receipts.complete || s.state !== "closed" ? "" : "offline"}`}),
    el("div", {class: "pager"},
      C.button(t("First page"), () => C.go("shifts", filters), {disabled: !params.get("cursor")}),
      C.button(t("Next page"), () => C.go("shifts", {...filters, cursor: data.next_cursor}), {disabled: !data.has_more}))));
  }

  /* Every shift of the search, page after page (at most 10,000), as one CSV file. */
  async function download(params) {
    C.csv("shifts.csv", CSV, await C.allPages("shifts", queryOf(params), "shifts"));
  }

  /* One shift's closing: the server's count beside the till's Z report. */
  function showShift(s) {
    const z = s.till_totals;
    const rows = [
      [N_("Sales"), s.totals.sales_count, z && z.sales_count, false],
      [N_("Sales total"), s.totals.sales_total, z && z.sales_total, true],
      [N_("Returns"), s.totals.returns_count, z && z.returns_count, false],
      [N_("Returns total"), s.totals.returns_total, z && z.returns_total, true],
      [N_("Net"), net(s), z && z.net_total, true],
      [N_("Cancelled"), s.totals.cancelled_count, z && z.cancelled_count, false],
    ];
    const show = (v, isMoney) => (v === null || v === undefined ? "—" : isMoney ? C.money(v) : String(v));
    const compare = C.table([
      {title: "", value: (r) => t(r[0])},
      {title: N_("Counted by the server"), class: "num", value: (r) => show(r[1], r[3])},
      {title: N_("The till's Z report"), class: "num", value: (r) => show(r[2], r[3])},
    ], rows, {class: "shift-totals", rowClass: (r) => (z && r[2] !== undefined && r[2] !== null && r[1] !== r[2] ? "bad" : null)});
    const drawer = z ? C.table([
      {title: N_("Cash"), value: (r) => t(r[0])}, {title: N_("Amount"), class: "num", value: (r) => C.money(r[1])},
    ], [
      [N_("Cash received"), z.cash_received], [N_("Change given"), z.change_given], [N_("Cash in"), z.cash_in],
      [N_("Cash out"), z.cash_out], [N_("Cash in drawer"), z.cash_in_drawer],
      ...Object.entries(z.sales_by_payment || {}).map(([k, v]) => [t("Sales: {payment}", {payment: t(PAY[k] || k)}), v]),
      ...Object.entries(z.refunds_by_payment || {}).map(([k, v]) => [t("Refunds: {payment}", {payment: t(PAY[k] || k)}), v]),
    ].filter((r) => r[1] !== undefined && r[1] !== null), {class: "drawer"}) : el("p", {class: "muted",
      text: s.state === "closed" ? t("The till sent no Z report with this shift.") : t("The shift is open: the till sends its Z report when it closes.")});
    const missing = s.receipts.missing && s.receipts.missing.length
      ? el("div", {class: "notice missing"}, t("Receipts not arrived yet: {numbers}", {numbers: s.receipts.missing.join(", ")}),
        el("small", {text: t("They come when the till is online again; the shift's export waits for them.")})) : null;
    const facts = el("dl", {class: "facts"},
      fact(t("Store"), s.store), fact(t("Till"), s.till), fact(t("Shift"), s.shift),
      fact(t("Register shift"), s.kkm_shift_number ?? "—"),
      fact(t("Cashier"), `${s.cashier_code || ""} ${s.cashier_name || ""}`),
      fact(t("Opened"), (s.opened_at || "").replace("T", " ")),
      fact(t("Shift closed"), s.closed_at ? s.closed_at.replace("T", " ") : t("open")),
      fact(t("Receipts arrived"), arrived(s)));
    C.dialog(t("Shift {shift}, till {till}, store {store}", {shift: s.shift, till: s.till, store: s.store}),
      el("div", {class: "shift-view"}, facts, missing, el("h3", {text: t("Totals")}), compare,
        el("h3", {text: t("Cash and payments (Z report)")}), drawer, S.exportLine(s.export),
        el("div", {class: "buttons"}, C.button(t("Its receipts"), () => C.go("receipts", {store: s.store, till: s.till, shift: s.shift}), {class: "primary receipts-of-shift"}))));
  }

  function fact(label, value) { return [el("dt", {text: label}), el("dd", {}, value ?? "—")]; }

  C.page("shifts", {title: N_("Shifts"), render: shifts});
})();
