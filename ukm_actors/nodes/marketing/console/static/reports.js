/* Reports of campaigns, coupons, certificates and bonus points (docs/marketing.md): a period,
   charts, the table with its totals, CSV. */
"use strict";

(() => {
  const {t, N_, el} = C;

  /* The API's columns as the reader reads them; money columns are kopecks (as the server's CSV). */
  const TITLES = {
    campaign_id: N_("Campaign"), series_id: N_("Series"), name: N_("Name"), store: N_("Store"), day: N_("Day"),
    receipts: N_("Receipts"), discount: N_("Discount"), sales: N_("Sales of its lines"),
    issued: N_("Issued"), redeemed: N_("Redeemed"), expired: N_("Expired"), open_now: N_("Open now"),
    face_amount: N_("Face value"), sold: N_("Sold"), sold_amount: N_("Sold for"), redeemed_amount: N_("Paid with them"),
    forfeited_amount: N_("Forfeited"), expired_amount: N_("Expired unspent"), outstanding_balance: N_("Outstanding balance"),
    earned: N_("Earned"), spent: N_("Spent"), clawed_back: N_("Taken back by returns"),
  };
  const isMoney = (c) => /(_amount|discount|sales|balance)$/.test(c);

  /* Each report: its charts [measure, by, title] and whether it filters by store and campaign. */
  const REPORTS = {
    campaigns: {title: N_("Campaigns"), filters: true, charts: [
      ["discount", "name", N_("Discount by campaign")], ["discount", "day", N_("Discount by day")]]},
    coupons: {title: N_("Coupons"), charts: [
      ["issued", "name", N_("Coupons issued")], ["redeemed", "name", N_("Coupons redeemed")]]},
    certificates: {title: N_("Certificates"), charts: [
      ["sold_amount", "name", N_("Certificates sold for")], ["redeemed_amount", "name", N_("Paid with certificates")]]},
    bonus: {title: N_("Bonus points"), charts: [["earned", "day", N_("Points earned by day")], ["spent", "day", N_("Points spent by day")]]},
  };

  function cell(c, v) { return isMoney(c) && typeof v === "number" ? C.money(v) : v; }

  async function reports(view, params) {
    const name = REPORTS[params.get("report")] ? params.get("report") : "campaigns";
    const spec = REPORTS[name];
    const today = new Date().toISOString().slice(0, 10);
    const from = params.get("from") || `${today.slice(0, 8)}01`;
    /* No "to": up to now everywhere (the server's default reaches stores already in tomorrow,
       whose campaign days are their local dates), not the browser's UTC date. */
    const to = params.get("to") || "";
    const q = new URLSearchParams({from});
    if (to) q.set("to", to);
    if (spec.filters) for (const k of ["store", "campaign"]) if (params.get(k)) q.set(k, params.get(k));
    const [r, stores] = await Promise.all([C.get(`reports/${name}?${q}`), spec.filters ? M.stores() : []]);
    const columns = r.columns.map((c) => ({title: TITLES[c] || c, class: typeof (r.rows[0] || {})[c] === "number" ? "num" : null,
      value: (row) => cell(c, row[c]), csv: (row) => (isMoney(c) && typeof row[c] === "number" ? (row[c] / 100).toFixed(2) : row[c])}));
    const fields = [
      {name: "from", label: t("From"), type: "date", value: from}, {name: "to", label: t("To"), type: "date", value: to},
      ...(spec.filters ? [
        {name: "store", label: t("Store"), type: "select", value: params.get("store") || "",
          options: [["", t("every store")], ...stores.map((s) => [s.code, `${s.code} ${s.name || ""}`])]},
        {name: "campaign", label: t("Campaign id (empty: all)"), value: params.get("campaign") || ""},
      ] : []),
    ];
    const charts = spec.charts.map(([measure, by, title]) => {
      const sums = new Map();
      for (const row of r.rows) sums.set(row[by], (sums.get(row[by]) || 0) + (row[measure] || 0));
      return C.bars(t(title), [...sums.entries()].slice(0, 31), {format: (v) => (isMoney(measure) ? C.money(v) : String(v))});
    });
    const totals = r.rows.length ? [Object.fromEntries(r.columns.map((c, i) => [c, i === 0 ? t("Total") : (r.totals || {})[c] ?? ""]))] : [];
    view.replaceChildren(C.section(t("Reports"),
      el("div", {class: "toolbar report-tabs"}, Object.entries(REPORTS).map(([k, x]) =>
        C.button(t(x.title), () => C.go("reports", {report: k, from, to}), {class: k === name ? "primary" : ""}))),
      C.form(fields, t("Show"), async (v) => C.go("reports", {report: name, ...v}), {class: "inline report-filter"}),
      el("div", {class: "row charts"}, charts),
      C.table(columns, [...r.rows, ...totals], {empty: N_("Nothing in this period"), class: "report",
        rowClass: (row) => (totals.includes(row) ? "totals" : null)}),
      C.button(t("Download CSV"), () => C.csv(`${name}-${from}-${to || today}.csv`, columns, r.rows), {class: "csv"})));
  }

  C.page("reports", {title: N_("Reports"), render: reports});
})();
