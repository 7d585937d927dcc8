/* Items made in the console (a shop without a trade system): the item, its barcodes and its
   price in each store. The trade system, when there is one, stays the master. */
"use strict";

(() => {
  const {t, el} = C;

  function localItemsNote() {
    if (!C.can("manager")) return null;
    return el("p", {class: "notice", id: "master-note"},
      t("Items made or changed here are kept until the trade system's next full items file: it is the master and replaces the catalog with its own (an item it does not list is deleted). Every change is in the audit log."));
  }

  async function itemEditor(item) {
    const [groups, taxes, stores] = await Promise.all([C.get("groups"), C.get("taxes"), S.stores()]);
    const isNew = !item;
    const it = item || {article: "", name: "", measure: "шт", group_id: "", taxgroup_id: "1", barcodes: [], prices: []};
    const priceOf = Object.fromEntries((it.prices || []).map((p) => [p.store, p.price]));
    const fields = [
      {name: "article", label: t("Article"), value: it.article, required: true, disabled: !isNew},
      {name: "name", label: t("Name"), value: it.name, required: true},
      {name: "measure", label: t("Unit"), type: "select", value: it.measure,
        options: [["шт", t("pieces (шт)")], ["кг", t("kilograms (кг), weighed")], ["л", t("litres (л)")], ["уп", t("packs (уп)")]]},
      {name: "group_id", label: t("Group"), type: "select", value: it.group_id,
        options: [["", "—"], ...groups.groups.map((g) => [g.id, `${g.id} ${g.name}`])]},
      {name: "taxgroup_id", label: t("Tax group"), type: "select", value: it.taxgroup_id,
        options: taxes.tax_groups.map((g) => [g.id, `${g.id} ${g.name}`])},
      {name: "age_limit", label: t("Age limit (empty: none)"), type: "number", value: it.age_limit ?? ""},
      {name: "barcodes", label: t("Barcodes, one a line (code or code*quantity, e.g. 4601234567890*6)"), type: "textarea", wide: true,
        value: (it.barcodes || []).map((b) => b.quantity && b.quantity !== 1000 ? `${b.barcode}*${C.quantity(b.quantity)}` : b.barcode).join("\n")},
      ...stores.map((s) => ({name: `price_${s.code}`, label: t("Price in {store}", {store: `${s.code} ${s.name}`}), value: priceOf[s.code] !== undefined ? C.money(priceOf[s.code]).replace(/\u202f/g, "") : "", placeholder: "0.00"})),
    ];
    const dlg = C.dialog(isNew ? t("New item") : t("Item {article}", {article: it.article}), el("div", {},
      localItemsNote(),
      C.form(fields, t("Save"), async (v) => {
        const barcodes = v.barcodes.split(/\s*\n\s*/).filter(Boolean).map((line) => {
          const [code, qty] = line.split("*");
          if (!qty) return code.trim();
          const q = Math.round(parseFloat(qty.replace(",", ".")) * 1000);
          return {barcode: code.trim(), quantity: q};
        });
        const prices = [];
        for (const s of stores) {
          const raw = v[`price_${s.code}`].trim();
          if (raw === "") { if (priceOf[s.code] !== undefined) prices.push({store: s.code, price: null}); continue; }
          const kopecks = C.parseMoney(raw);
          if (kopecks === null) throw new Error(t("{value} is not an amount (write 45.90)", {value: raw}));
          prices.push({store: s.code, price: kopecks});
        }
        const data = {name: v.name.trim(), measure: v.measure, group_id: v.group_id, taxgroup_id: v.taxgroup_id,
          barcodes, prices, age_limit: v.age_limit ? parseInt(v.age_limit, 10) : null};
        const article = isNew ? v.article.trim() : it.article;
        if (isNew) await C.send("POST", "items", {article, ...data});
        else await C.send("PUT", `items/${encodeURIComponent(article)}`, data);
        dlg.close();
        C.go("catalog", {find: article, by: "find"});
      }, {class: "cols item-editor"})));
  }

  S.itemEditor = itemEditor;
  S.localItemsNote = localItemsNote;
})();
