/* Campaigns: active, planned and ended; an editor for every mechanic the engine supports and
   its conditions; a preview pricing a sample receipt through the same engine as the tills. */
"use strict";

(() => {
  const {t, N_, el} = C;
  const MECHANICS = [
    ["percent", N_("percent off")], ["amount", N_("amount off")], ["fixed_price", N_("fixed price")],
    ["n_for_m", N_("N for the price of M")], ["cheapest_free", N_("cheapest of a set free")],
    ["gift", N_("a gift")], ["bonus", N_("bonus points")],
  ];
  const SCOPES = [["line", N_("each line")], ["group", N_("the matching lines together")], ["receipt", N_("the whole receipt")]];
  const STACKING = [["stackable", N_("adds to others")], ["exclusive", N_("only this one (the best exclusive wins)")], ["best", N_("the best of its kind")]];
  const CUSTOMERS = [["any", N_("everyone")], ["card", N_("with a loyalty card")], ["level", N_("card level at least")]];
  const TABS = [["active", N_("Running")], ["planned", N_("Planned")], ["ended", N_("Ended")], ["stopped", N_("Stopped")], ["all", N_("All")]];
  const DAYS = [N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun")];

  function phase(c) {
    /* A campaign's times are its stores' local times: compare them with this browser's local
       clock (the marketing department's), not with UTC, three hours behind Moscow. */
    const d = new Date();
    const now = new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 19);
    if (!c.enabled) return ["stopped", N_("stopped")];
    if (c.ends && c.ends <= now) return ["ended", N_("ended")];
    if (c.starts && c.starts > now) return ["planned", N_("planned")];
    return ["active", N_("active")];
  }
  function describe(a) {
    switch (a.type) {
      case "percent": return t("minus {value}%", {value: a.value / 100});
      case "amount": return t("{value} off", {value: C.money(a.value)});
      case "fixed_price": return t("at {price}", {price: C.money(a.price)});
      case "n_for_m": return t("{n} for the price of {m}", {n: a.n, m: a.m});
      case "cheapest_free": return t("cheapest of {articles} free", {articles: (a.articles || []).join(", ")});
      case "gift": return t("gift {article}", {article: a.article});
      case "bonus": return t("points: {value}%", {value: a.value / 100});
      default: return a.type;
    }
  }

  /* "from 2026-12-01 00:00 to …", "no end date", with its weekdays and hours. */
  function when(c) {
    const at = (x) => x.replace("T", " ").slice(0, 16);
    const span = c.starts && c.ends ? t("{from} to {to}", {from: at(c.starts), to: at(c.ends)})
      : c.starts ? t("from {from}", {from: at(c.starts)}) : c.ends ? t("until {to}", {to: at(c.ends)}) : t("no end date");
    const days = (c.days || []).length ? c.days.map((d) => t(DAYS[d - 1])).join(", ") : "";
    const hours = c.hours ? `${c.hours[0]}–${c.hours[1]}` : "";
    return [span, days, hours].filter(Boolean).join("; ");
  }

  async function campaigns(view, params) {
    const data = await C.get("campaigns");
    const show = params.get("show") || "active";
    const rows = data.campaigns.filter((c) => show === "all" || phase(c)[0] === show);
    const tabs = el("div", {class: "toolbar"}, TABS.map(([k, label]) =>
      C.button(t(label), () => C.go("campaigns", {show: k}), {class: k === show ? "primary" : ""})),
      C.can("manager") ? C.button(t("New campaign"), () => editor(null), {class: "new-campaign"}) : null);
    view.replaceChildren(C.section(t("Campaigns"), tabs, C.readOnly("manager"), C.table([
      {title: N_("Id"), value: (c) => c.id}, {title: N_("Name"), value: (c) => c.name},
      {title: N_("What"), value: (c) => describe(c.action)},
      {title: N_("When"), value: when},
      {title: N_("Stores"), value: (c) => (c.stores || []).join(", ") || t("every store")},
      {title: N_("State"), value: (c) => { const [k, label] = phase(c); return C.pill(t(label), {active: "ok", planned: "info", ended: "", stopped: "warn"}[k]); }},
    ], rows, {empty: N_("No campaigns here"), onRow: (c) => editor(c), rowClass: () => "campaign"})));
  }

  /* The editor: every field of a campaign, then a preview of a sample receipt. */
  async function editor(c) {
    const stores = await M.stores();
    const x = c || {id: "", name: "", priority: 0, stacking: "stackable", days: [], stores: [], customer: "any", min_level: 0,
      conditions: {}, action: {type: "percent", value: 1000, scope: "line"}};
    const cond = x.conditions || {};
    const a = x.action || {};
    const isNew = !c;
    const may = C.can("manager");
    const fields = [
      {name: "id", label: t("Id"), value: x.id, required: true, disabled: !isNew || !may},
      {name: "name", label: t("Name"), value: x.name, required: true},
      {name: "type", label: t("Mechanic"), type: "select", value: a.type, options: MECHANICS.map(([v, l]) => [v, t(l)])},
      {name: "value", label: t("Percent (10 = 10%) or amount / points per 100"), value: a.value !== undefined ? (a.type === "amount" ? C.money(a.value) : a.value / 100) : ""},
      {name: "scope", label: t("Applies to"), type: "select", value: a.scope || "line", options: SCOPES.map(([v, l]) => [v, t(l)])},
      {name: "price", label: t("Fixed price"), value: a.price !== undefined ? C.money(a.price) : ""},
      {name: "n", label: t("N (units taken)"), type: "number", value: a.n ?? ""},
      {name: "m", label: t("M (units paid)"), type: "number", value: a.m ?? ""},
      {name: "set", label: t("Set of articles (comma-separated)"), value: (a.articles || []).join(", ")},
      {name: "gift", label: t("Gift article"), value: a.article || ""},
      {name: "gift_quantity", label: t("Gift quantity (pieces, or kg for a weighed item)"), value: a.quantity ? C.quantity(a.quantity) : "1"},
      {name: "articles", label: t("Only these articles (comma-separated; empty: every item)"), value: (cond.articles || []).join(", ")},
      {name: "groups", label: t("or these groups"), value: (cond.groups || []).join(", ")},
      {name: "min_quantity", label: t("Minimum quantity of them"), value: cond.min_quantity ? C.quantity(cond.min_quantity) : ""},
      {name: "min_amount", label: t("Minimum amount of them"), value: cond.min_amount ? C.money(cond.min_amount) : ""},
      {name: "min_receipt", label: t("Minimum receipt"), value: cond.min_receipt ? C.money(cond.min_receipt) : ""},
      {name: "coupon", label: t("Needs a coupon of campaign"), value: cond.coupon || ""},
      {name: "starts", label: t("Starts (store time)"), type: "datetime-local", value: M.local(x.starts)},
      {name: "ends", label: t("Ends (not included)"), type: "datetime-local", value: M.local(x.ends)},
      {name: "days", label: t("Weekdays (none: every day)"), type: "checks", wide: true, value: (x.days || []).map(String), options: DAYS.map((d, i) => [String(i + 1), t(d)])},
      {name: "from", label: t("From hour"), type: "time", value: x.hours ? x.hours[0] : ""},
      {name: "to", label: t("To hour"), type: "time", value: x.hours ? x.hours[1] : ""},
      {name: "stores", label: t("Stores (none: every store)"), type: "checks", wide: true, value: x.stores || [], options: stores.map((s) => [s.code, `${s.code} ${s.name || ""}`])},
      {name: "customer", label: t("Who"), type: "select", value: x.customer || "any", options: CUSTOMERS.map(([v, l]) => [v, t(l)])},
      {name: "min_level", label: t("Card level"), type: "number", value: x.min_level || 0},
      {name: "stacking", label: t("With other campaigns"), type: "select", value: x.stacking || "stackable", options: STACKING.map(([v, l]) => [v, t(l)])},
      {name: "priority", label: t("Priority"), type: "number", value: x.priority || 0},
    ].map((f) => ({...f, disabled: f.disabled || !may}));
    const result = el("div", {class: "preview-result"});
    const sample = el("textarea", {name: "sample", rows: 3, class: "sample"});
    sample.value = (cond.articles && cond.articles[0] ? `${cond.articles[0]} 2 89.90` : "");
    const sampleStore = el("select", {name: "sample_store"}, stores.map((s) => el("option", {value: s.code, text: `${s.code} ${s.name || ""}`})));
    let form = null;
    const previewBox = C.section(t("Preview"), el("p", {class: "muted", text: t("A sample receipt, one line each: article, quantity, price (e.g. 100245 2 89.90). It is priced by the same engine as the tills, with this campaign as edited and the store's running campaigns; nothing is saved.")}),
      el("label", {class: "field"}, el("span", {text: t("Store")}), sampleStore), el("label", {class: "field"}, el("span", {text: t("Receipt")}), sample),
      C.button(t("Price it"), async () => {
        try {
          const body = {campaign: build(collect(form)), store: sampleStore.value, receipt: {lines: parseSample(sample.value)}};
          const r = await C.send("POST", "campaigns/preview", body);
          result.replaceChildren(previewTable(r));
        } catch (err) { const box = C.errorBox(err); if (box) result.replaceChildren(box); }
      }, {class: "preview"}), result);
    form = C.form(fields, t("Save"), async (v) => {
      const body = build(v);
      if (isNew) await C.send("POST", "campaigns", body);
      else await C.send("PUT", `campaigns/${encodeURIComponent(x.id)}`, body);
      dlg.close();
      C.go("campaigns", {show: "all"});
    }, {class: "cols campaign-editor", extra: !isNew && may ? C.button(c.enabled ? t("Stop") : t("Run again"), async () => {
      await C.send("POST", `campaigns/${encodeURIComponent(x.id)}/${c.enabled ? "disable" : "enable"}`);
      dlg.close(); C.go("campaigns", {show: "all"});
    }) : null});
    if (!may) form.querySelector("button[type=submit]").disabled = true;
    showFieldsOf(form);
    const dlg = C.dialog(isNew ? t("New campaign") : t("Campaign {id}", {id: x.id}), el("div", {}, form, previewBox));
  }

  /* Which of the mechanic's fields the chosen mechanic uses, and what "value" means for it. */
  const USES = {percent: ["value", "scope"], amount: ["value", "scope"], fixed_price: ["price"], n_for_m: ["n", "m"],
    cheapest_free: ["set"], gift: ["gift", "gift_quantity"], bonus: ["value"]};
  const VALUE_LABEL = {percent: N_("Percent off (10 = 10%)"), amount: N_("Amount off (per unit on each line; once for the matching lines or the receipt)"),
    bonus: N_("Points, percent of what is paid in money (5 = 5%; 1 point = 1 kopeck)")};
  function showFieldsOf(form) {
    const mechanic = form.inputs.type;
    const customer = form.inputs.customer;
    const update = () => {
      const uses = USES[mechanic.value] || [];
      for (const name of ["value", "scope", "price", "n", "m", "set", "gift", "gift_quantity"]) {
        form.inputs[name].closest("label").hidden = !uses.includes(name);
      }
      if (VALUE_LABEL[mechanic.value]) form.inputs.value.closest("label").querySelector("span").textContent = t(VALUE_LABEL[mechanic.value]);
      form.inputs.min_level.closest("label").hidden = customer.value !== "level";
    };
    mechanic.addEventListener("change", update);
    customer.addEventListener("change", update);
    update();
  }

  function collect(form) {
    const v = {};
    for (const [name, input] of Object.entries(form.inputs)) {
      if (input.dataset && input.dataset.name) v[name] = [...input.querySelectorAll("input:checked")].map((i) => i.value);
      else v[name] = input.value;
    }
    return v;
  }
  const list = (s) => String(s || "").split(",").map((x) => x.trim()).filter(Boolean);
  function kop(s, what) {
    if (!String(s).trim()) return 0;
    const k = C.parseMoney(s);
    if (k === null) throw new Error(t("{what}: {value} is not an amount (write 45.90)", {what, value: s}));
    return k;
  }
  /* The campaign JSON of the editor's values (docs/marketing.md). */
  function build(v) {
    const action = {type: v.type};
    const num = (s) => Math.round(parseFloat(String(s).replace(",", ".")) * 100);
    if (v.type === "percent" || v.type === "bonus") action.value = num(v.value);
    if (v.type === "amount") action.value = kop(v.value, t("amount"));
    if (v.type === "percent" || v.type === "amount") action.scope = v.scope;
    if (v.type === "fixed_price") action.price = kop(v.price, t("price"));
    if (v.type === "n_for_m") { action.n = parseInt(v.n, 10); action.m = parseInt(v.m, 10); }
    if (v.type === "cheapest_free") action.articles = list(v.set);
    if (v.type === "gift") {
      action.article = v.gift.trim();
      const q = Math.round(parseFloat(String(v.gift_quantity || "1").replace(",", ".")) * 1000);
      if (!(q > 0)) throw new Error(t("gift quantity: {value} is not a quantity (write 1 or 0.5)", {value: v.gift_quantity}));
      action.quantity = q;
    }
    const conditions = {articles: list(v.articles), groups: list(v.groups)};
    if (v.min_quantity) conditions.min_quantity = Math.round(parseFloat(v.min_quantity.replace(",", ".")) * 1000);
    if (v.min_amount) conditions.min_amount = kop(v.min_amount, t("minimum amount"));
    if (v.min_receipt) conditions.min_receipt = kop(v.min_receipt, t("minimum receipt"));
    if (v.coupon) conditions.coupon = v.coupon.trim();
    const out = {id: v.id.trim(), name: v.name.trim(), priority: parseInt(v.priority || "0", 10), stacking: v.stacking,
      days: v.days.map((d) => parseInt(d, 10)), stores: v.stores, customer: v.customer,
      min_level: parseInt(v.min_level || "0", 10), conditions, action};
    if (v.starts) out.starts = v.starts.length === 16 ? `${v.starts}:00` : v.starts;
    if (v.ends) out.ends = v.ends.length === 16 ? `${v.ends}:00` : v.ends;
    if (v.from && v.to) out.hours = [v.from, v.to];
    return out;
  }
  function parseSample(text) {
    return text.split("\n").map((l) => l.trim()).filter(Boolean).map((l) => {
      const [article, qty, price] = l.split(/\s+/);
      const q = Math.round(parseFloat((qty || "1").replace(",", ".")) * 1000);
      const p = C.parseMoney(price || "");
      if (!article || !q || p === null) throw new Error(t("write each line as: article quantity price, e.g. 100245 2 89.90"));
      return {article, quantity: q, price: p};
    });
  }
  function previewTable(r) {
    return el("div", {class: "preview-table"},
      C.table([
        {title: N_("Article"), value: (l) => l.article}, {title: N_("Name"), value: (l) => l.name},
        {title: N_("Qty"), class: "num", value: (l) => C.quantity(l.quantity)},
        {title: N_("Price"), class: "num", value: (l) => C.money(l.price)},
        {title: N_("Discount"), class: "num", value: (l) => l.discount ? `−${C.money(l.discount)}` : ""},
        {title: N_("Total"), class: "num", value: (l) => C.money(l.total)},
        {title: N_("Campaigns"), value: (l) => l.discounts.map((d) => C.pill(`${d[1]}: −${C.money(d[2])}`, "ok"))},
      ], r.lines),
      el("p", {class: "big"}, t("Total {total}, discount {discount}", {total: C.money(r.total), discount: C.money(r.discount)})),
      el("p", {class: r.draft_applied ? "done" : "notice", text: r.draft_applied ? t("This campaign applies to the sample.") : t("This campaign does not apply to the sample.")}),
      r.earned.length ? el("p", {text: t("Points earned: {points}", {points: r.earned.map((e) => `${e[0]} ${e[1]}`).join(", ")})}) : null,
      r.missing_gifts.length ? el("p", {text: t("A gift not on the receipt: {gifts}", {gifts: r.missing_gifts.map((g) => g[1]).join(", ")})}) : null,
      r.explain.length ? el("ul", {class: "muted"}, r.explain.map((x) => el("li", {text: x}))) : null);
  }

  C.page("campaigns", {title: N_("Campaigns"), render: campaigns});
})();
