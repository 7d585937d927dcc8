/* Catalog: search by article, barcode or name over the whole catalog (server-side paging),
   an item's barcodes, per-store prices and additional prices. */
"use strict";

(() => {
  const {t, N_, el} = C;
  const PER_PAGE = 50;

  const COLUMNS = [
    {title: N_("Article"), value: (i) => i.article},
    {title: N_("Name"), value: (i) => i.name},
    {title: N_("Unit"), value: (i) => i.measure},
    {title: N_("Group"), value: (i) => i.group_id},
    {title: N_("Tax group"), value: (i) => i.taxgroup_id},
    {title: N_("Marks"), value: (i) => [
      i.weighted ? C.pill(t("weighed"), "info") : null,
      i.egais_type ? C.pill(t("alcohol"), "warn") : null,
      i.age_limit ? C.pill(`${i.age_limit}+`, "warn") : null,
    ]},
  ];

  async function render(view, params) {
    const text = params.get("find") || "";
    const by = params.get("by") || "find";
    const page = parseInt(params.get("page") || "1", 10);
    const box = el("input", {name: "find", type: "search", value: text, placeholder: t("article, barcode or part of the name"), autofocus: true});
    const bySelect = el("select", {name: "by"}, [
      ["find", t("anything")], ["q", t("name")], ["article", t("article")], ["barcode", t("barcode")],
    ].map(([v, label]) => el("option", {value: v, selected: v === by ? true : null, text: label})));
    const results = el("div", {id: "items"});
    const search = el("form", {class: "toolbar", onsubmit: (ev) => {
      ev.preventDefault();
      C.go("catalog", {find: box.value.trim(), by: bySelect.value, page: 1});
    }},
    el("label", {class: "field grow"}, el("span", {text: t("Find an item")}), box),
    el("label", {class: "field"}, el("span", {text: t("by")}), bySelect),
    el("button", {class: "btn primary", type: "submit", text: t("Find")}),
    C.can("manager") && S.itemEditor ? C.button(t("New item"), () => S.itemEditor(null)) : null);
    view.replaceChildren(C.section(t("Catalog"), search, C.readOnly("manager"), S.localItemsNote ? S.localItemsNote() : null, results));
    box.focus();

    const q = new URLSearchParams({page, per_page: PER_PAGE});
    if (text) q.set(by, text);
    const started = performance.now();
    const data = await C.get(`items?${q}`);
    const ms = Math.round(performance.now() - started);
    const count = data.total_exact === false ? t("more than {n}", {n: data.total}) : String(data.total);
    results.replaceChildren(
      el("p", {class: "muted", id: "search-figures"}, t("{count} found in {ms} ms", {count, ms})),
      C.table(COLUMNS, data.items, {onRow: (i) => showItem(i.article)}),
      C.pager({...data, total: data.total_exact === false ? undefined : data.total, has_more: data.total_exact === false || data.page * data.per_page < data.total},
        (n) => C.go("catalog", {find: text, by, page: n})));
  }

  /* One item: its data, barcodes, per-store prices and additional prices. */
  async function showItem(article) {
    const item = await C.get(`items/${encodeURIComponent(article)}`);
    const facts = el("dl", {class: "facts"},
      fact(t("Article"), item.article), fact(t("Name"), item.name), fact(t("Unit"), item.measure),
      fact(t("Group"), item.group_name ? `${item.group_id} ${item.group_name}` : item.group_id),
      fact(t("Tax group"), item.taxgroup_id), fact(t("Minimum price"), item.min_price ? C.money(item.min_price) : "—"),
      fact(t("Age limit"), item.age_limit ? `${item.age_limit}+` : "—"),
      fact(t("Source"), item.source === "admin" ? t("made in the console") : t("the trade system")));
    const body = el("div", {class: "item-card", dataset: {article: item.article}}, facts,
      el("h3", {text: t("Barcodes")}),
      C.table([
        {title: N_("Barcode"), value: (b) => b.barcode},
        {title: N_("Quantity per scan"), class: "num", value: (b) => C.quantity(b.quantity)},
      ], item.barcodes, {class: "barcodes", empty: N_("No barcodes")}),
      el("h3", {text: t("Prices")}),
      C.table([
        {title: N_("Store"), value: (p) => p.store},
        {title: N_("Price"), class: "num", value: (p) => C.money(p.price)},
      ], item.prices, {class: "prices", empty: N_("No prices")}),
      el("h3", {text: t("Additional prices")}),
      C.table([
        {title: N_("Store"), value: (p) => p.store},
        {title: N_("Price type"), value: (p) => `${p.price_type} ${p.name || ""}`},
        {title: N_("Price"), class: "num", value: (p) => C.money(p.price)},
      ], item.additional_prices, {empty: N_("No additional prices")}),
      C.can("manager") && S.itemEditor ? el("div", {class: "buttons"}, C.button(t("Edit"), () => { dlg.close(); S.itemEditor(item); })) : null);
    const dlg = C.dialog(`${item.article} ${item.name}`, body);
  }

  function fact(label, value) { return [el("dt", {text: label}), el("dd", {text: value ?? "—"})]; }

  S.showItem = showItem;
  C.page("catalog", {title: N_("Catalog"), render});
})();
