/* Coupons, gift certificates and loyalty cards of the marketing server (reports: reports.js). */
"use strict";

(() => {
  const {t, N_, el} = C;

  const WORDS = {created: N_("created"), sold: N_("sold"), redeemed: N_("redeemed"), expired: N_("expired"),
    blocked: N_("blocked"), active: N_("active"), issued: N_("issued"), sell: N_("sale"), redeem: N_("payment"),
    forfeit: N_("forfeited"), void: N_("given back"), block: N_("blocked"), unblock: N_("unblocked"),
    expire: N_("expired"), earn: N_("earned"), spend: N_("spent"), claw: N_("taken back")};
  const word = (w) => t(WORDS[w] || w);

  function fact(label, value) { return [el("dt", {text: label}), el("dd", {}, value ?? "—")]; }

  /* ---- coupons ---- */
  async function coupons(view) {
    const data = await C.get("coupon-campaigns");
    const may = C.can("manager");
    const table = C.table([
      {title: N_("Id"), value: (c) => c.id}, {title: N_("Name"), value: (c) => c.name},
      {title: N_("Codes"), value: (c) => `${c.prefix}… (${c.length})`},
      {title: N_("Valid"), value: (c) => c.valid_days ? t("{n} days", {n: c.valid_days}) : (c.valid_until || "—")},
      {title: N_("Issued"), class: "num", value: (c) => c.issued}, {title: N_("Redeemed"), class: "num", value: (c) => c.redeemed},
      {title: "", value: (c) => el("span", {},
        may ? C.button(t("Generate"), () => generate(c), {class: "small generate"}) : null,
        C.button(t("Export codes"), () => exportCodes(c), {class: "small export-codes"}))},
    ], data.coupon_campaigns, {empty: N_("No coupon campaigns"), rowClass: () => "coupon-campaign"});
    const problem = el("div", {class: "export-problem"});
    async function exportCodes(c) {
      try {
        const codes = await C.get(`coupon-campaigns/${encodeURIComponent(c.id)}/codes`);
        C.csv(`coupons-${c.id}.csv`, [
          {title: N_("Code"), value: (x) => x.code}, {title: N_("Batch"), value: (x) => x.batch},
          {title: N_("State"), value: (x) => word(x.state)}, {title: N_("Expires"), value: (x) => x.expires_at || ""},
        ], codes.coupons);
        problem.replaceChildren();
      } catch (err) { const box = C.errorBox(err); if (box) problem.replaceChildren(box); }
    }
    const add = may ? C.section(t("New coupon campaign"), C.form([
      {name: "id", label: t("Id"), required: true}, {name: "name", label: t("Name")},
      {name: "prefix", label: t("Code prefix"), required: true}, {name: "length", label: t("Code length"), type: "number", value: 13},
      {name: "valid_days", label: t("Valid for days"), type: "number", value: 30},
    ], t("Add"), async (v) => {
      await C.send("POST", "coupon-campaigns", {id: v.id, name: v.name, prefix: v.prefix, length: parseInt(v.length, 10), valid_days: parseInt(v.valid_days, 10)});
      C.go("coupons", {at: Date.now()});
    }, {class: "inline coupon-campaign-new"})) : null;
    const lookup = C.section(t("One coupon"), C.form([{name: "code", label: t("Code"), required: true}], t("Show"), async (v, node) => {
      const c = await C.get(`coupons/${encodeURIComponent(v.code.trim())}`);
      node.querySelector(".facts")?.remove();
      node.append(el("dl", {class: "facts"}, fact(t("Campaign"), c.campaign_id), fact(t("State"), word(c.state)),
        fact(t("Expires"), C.time(c.expires_at)), fact(t("Redeemed"), c.redeemed_at ? `${C.time(c.redeemed_at)} ${c.redeemed_receipt || ""}` : "—")));
    }, {class: "inline coupon-lookup"}));
    view.replaceChildren(C.section(t("Coupon campaigns"), C.readOnly("manager"), table, problem), add, lookup);
  }
  function generate(c) {
    const out = el("div");
    const dlg = C.dialog(t("Generate codes of {id}", {id: c.id}), el("div", {}, C.form([
      {name: "count", label: t("How many"), type: "number", value: 100, required: true},
    ], t("Generate"), async (v) => {
      const r = await C.send("POST", `coupon-campaigns/${encodeURIComponent(c.id)}/batches`, {count: parseInt(v.count, 10)});
      out.replaceChildren(el("p", {class: "done", text: t("Batch {batch}: {n} codes", {batch: r.batch, n: r.codes.length})}),
        C.button(t("Download them as CSV"), () => C.csv(`${r.batch}.csv`, [{title: N_("Code"), value: (x) => x}], r.codes), {class: "batch-csv"}));
    }, {class: "inline generate-form"}), out), {onClose: () => C.refresh()});  /* the counts, once closed */
    return dlg;
  }

  /* ---- gift certificates ---- */
  async function certificates(view, params) {
    const data = await C.get("certificate-series");
    const may = C.can("manager");
    const table = C.table([
      {title: N_("Series"), value: (s) => s.id}, {title: N_("Name"), value: (s) => s.name},
      {title: N_("Face value"), class: "num", value: (s) => C.money(s.face_value)},
      {title: N_("Sold as article"), value: (s) => s.article},
      {title: N_("Certificates"), value: (s) => Object.entries(s.states).map(([k, n]) => C.pill(`${word(k)}: ${n}`, k === "sold" ? "ok" : k === "blocked" ? "bad" : ""))},
      {title: "", value: (s) => may ? C.button(t("Issue"), () => issue(s), {class: "small issue"}) : null},
    ], data.series, {empty: N_("No series"), rowClass: () => "series"});
    const add = may ? C.section(t("New series"), C.form([
      {name: "id", label: t("Id"), required: true}, {name: "name", label: t("Name")},
      {name: "face_value", label: t("Face value"), required: true, placeholder: "500.00"},
      {name: "article", label: t("Article the till sells it as"), required: true},
      {name: "prefix", label: t("Number prefix"), value: "9"}, {name: "valid_days", label: t("Valid for days after the sale"), type: "number", value: 365},
    ], t("Add"), async (v) => {
      await C.send("POST", "certificate-series", {id: v.id, name: v.name, face_value: C.parseMoney(v.face_value), article: v.article, prefix: v.prefix, valid_days: parseInt(v.valid_days, 10)});
      C.go("certificates");
    }, {class: "cols"})) : null;
    const one = el("div", {id: "certificate"});
    const lookup = C.section(t("One certificate"), C.form([{name: "number", label: t("Number"), required: true, value: params.get("number") || ""}],
      t("Show"), async (v) => C.go("certificates", {number: v.number.trim()}), {class: "inline"}), one);
    view.replaceChildren(C.section(t("Gift certificate series"), C.readOnly("manager"), table), add, lookup);
    if (params.get("number")) one.replaceChildren(await certificate(params.get("number"), may));
  }
  async function certificate(number, may) {
    const r = await C.get(`certificates/${encodeURIComponent(number)}/history`);
    const c = r.certificate;
    return el("div", {class: "certificate-card"}, el("dl", {class: "facts"},
      fact(t("Number"), c.number), fact(t("Series"), c.series_id), fact(t("State"), C.pill(word(c.state), c.state === "sold" ? "ok" : c.state === "blocked" ? "bad" : "")),
      fact(t("Face value"), C.money(c.face_value)), fact(t("Balance"), el("b", {class: "balance", text: C.money(c.balance)})),
      fact(t("Expires"), C.time(c.expires_at))),
      may ? C.button(c.state === "blocked" ? t("Unblock") : t("Block"), async () => {
        await C.send("POST", `certificates/${encodeURIComponent(c.number)}/${c.state === "blocked" ? "unblock" : "block"}`);
        C.go("certificates", {number: c.number, at: Date.now()});
      }, {class: c.state === "blocked" ? "" : "danger"}) : null,
      el("h3", {text: t("History")}),
      C.table([
        {title: N_("When"), value: (h) => C.time(h.at)}, {title: N_("What"), value: (h) => word(h.kind)},
        {title: N_("Amount"), class: "num", value: (h) => h.amount ? C.money(h.amount) : ""},
        {title: N_("Receipt"), value: (h) => h.receipt_id || ""}, {title: N_("Where"), value: (h) => [h.store, h.till].filter(Boolean).join(" / ")},
        {title: "", value: (h) => h.voided ? C.pill(t("voided"), "warn") : ""},
      ], r.history, {empty: N_("Nothing yet")}));
  }
  function issue(s) {
    const out = el("div");
    C.dialog(t("Issue certificates of {id}", {id: s.id}), el("div", {}, C.form([
      {name: "count", label: t("How many"), type: "number", value: 1, required: true},
    ], t("Issue"), async (v) => {
      const r = await C.send("POST", `certificate-series/${encodeURIComponent(s.id)}/certificates`, {count: parseInt(v.count, 10)});
      out.replaceChildren(el("p", {class: "done", text: t("{n} certificates issued; a till's sale activates each.", {n: r.numbers.length})}),
        el("ul", {class: "numbers"}, r.numbers.slice(0, 50).map((n) => el("li", {text: n}))),
        C.button(t("Download them as CSV"), () => C.csv(`certificates-${s.id}.csv`, [{title: N_("Number"), value: (x) => x}], r.numbers)));
    }, {class: "inline issue-form"}), out));
  }

  /* ---- loyalty ---- */
  /* The programs as the server runs them: card levels by purchases, the bonus rules. */
  function programsBox(p) {
    const b = p.bonus;
    return C.section(t("Loyalty programs"), el("div", {class: "row programs"},
      el("div", {class: "program accumulative"}, el("h3", {text: t("Accumulative: the card's level grows with its purchases")}),
        C.table([
          {title: N_("Level"), class: "num", value: (l) => l.level},
          {title: N_("From purchases of"), class: "num", value: (l) => C.money(l.from)},
          {title: N_("Cards"), class: "num", value: (l) => (l.cards.active || 0) + (l.cards.blocked || 0)},
          {title: N_("of them blocked"), class: "num", value: (l) => l.cards.blocked || 0},
        ], p.accumulative.levels),
        el("p", {class: "muted", text: t("Campaigns for «card level at least» give each level its discount.")})),
      el("div", {class: "program bonus"}, el("h3", {text: t("Bonus points")}), el("dl", {class: "facts"},
        fact(t("Points can be spent after"), t("{n} days", {n: b.delay_days})),
        fact(t("Then they stay for"), b.lifetime_days ? t("{n} days", {n: b.lifetime_days}) : t("ever")),
        fact(t("Points may pay at most"), t("{share} of a receipt", {share: `${b.max_share_bp / 100}%`})),
        fact(t("1 point"), t("1 kopeck"))),
        el("p", {class: "muted", text: t("Points are earned through campaigns with the mechanic «bonus points».")}))),
      el("p", {class: "muted", text: t("These rules are the marketing server's settings ([marketing] level_thresholds, bonus_delay_days, bonus_lifetime_days, bonus_max_share_bp in its file; docs/marketing.md).")}));
  }

  async function loyalty(view, params) {
    const may = C.can("manager");
    const card = el("div", {id: "card"});
    const programs = await C.get("loyalty/programs");
    view.replaceChildren(programsBox(programs),
      C.section(t("A loyalty card"), C.readOnly("manager"), C.form([{name: "number", label: t("Card number"), required: true, value: params.get("number") || ""}],
        t("Show"), async (v) => C.go("loyalty", {number: v.number.trim()}), {class: "inline"}), card),
      may ? C.section(t("New card"), C.form([
        {name: "number", label: t("Card number"), required: true}, {name: "holder", label: t("Holder")},
      ], t("Add"), async (v) => { await C.send("POST", "cards", v); C.go("loyalty", {number: v.number}); }, {class: "inline"})) : null);
    if (!params.get("number")) return;
    const r = await C.get(`cards/${encodeURIComponent(params.get("number"))}/history`);
    const c = r.card;
    card.replaceChildren(el("dl", {class: "facts"}, fact(t("Holder"), c.holder), fact(t("State"), word(c.state)),
      fact(t("Level"), c.level), fact(t("Purchases"), C.money(c.accumulated)),
      fact(t("Points to spend"), (c.bonus || {}).spendable ?? 0), fact(t("Points pending"), (c.bonus || {}).pending ?? 0)),
      may ? C.button(c.state === "blocked" ? t("Unblock") : t("Block"), async () => {
        await C.send("PATCH", `cards/${encodeURIComponent(c.number)}`, {state: c.state === "blocked" ? "active" : "blocked"});
        C.go("loyalty", {number: c.number, at: Date.now()});
      }) : null,
      el("h3", {text: t("History")}), C.table([
        {title: N_("When"), value: (h) => C.time(h.at)}, {title: N_("What"), value: (h) => word(h.kind)},
        {title: N_("Points"), class: "num", value: (h) => h.points}, {title: N_("Campaign"), value: (h) => h.campaign_id || ""},
        {title: N_("Receipt"), value: (h) => h.receipt_id || ""}, {title: "", value: (h) => h.voided ? C.pill(t("voided"), "warn") : ""},
      ], r.history, {empty: N_("Nothing yet")}));
  }

  C.page("coupons", {title: N_("Coupons"), render: coupons});
  C.page("certificates", {title: N_("Certificates"), render: certificates});
  C.page("loyalty", {title: N_("Loyalty"), render: loyalty});
})();
