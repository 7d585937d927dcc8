/* The customer display: the last line, the total, the change, a greeting when idle. */
"use strict";

(() => {
  const {t, money, call} = UKM;
  const $ = (id) => document.getElementById(id);
  let shownClosed = null;
  let closedUntil = 0;

  /* What the buyer gains: the bonus points this receipt earns, a gift still to take. */
  function offers(pricing) {
    const out = [];
    if (!pricing) return out;
    const line = (cls, text) => { const d = document.createElement("div"); d.className = cls; d.textContent = text; return d; };
    if (pricing.bonus_points) out.push(line("bonus", t("You earn {points} bonus points", {points: pricing.bonus_points})));
    for (const g of pricing.missing_gifts || []) out.push(line("gift", t("A gift for you: {name}", {name: g.name})));
    return out;
  }

  async function refresh() {
    let receipt = null;
    let ui = {};
    try {
      [receipt, ui] = await Promise.all([call("GET", "/receipt"), call("GET", "/ui")]);
    } catch (err) {
      return;
    }
    const r = receipt.data.receipt;
    const last = ui.data.last_closed;
    if (!r && last && last.receipt_id !== shownClosed) { shownClosed = last.receipt_id; closedUntil = Date.now() + 60000; }
    const showClosed = !r && last && Date.now() < closedUntil;
    $("idle").hidden = Boolean(r) || showClosed;
    $("sale").hidden = !r;
    $("closed").hidden = !showClosed;
    $("idle").textContent = t("Welcome!");
    if (r) {
      const live = r.lines.filter((l) => !l.voided);
      const l = live[live.length - 1];
      $("line").replaceChildren();
      if (l) {
        const b = document.createElement("b");
        b.textContent = l.price_type ? `${l.name} (${l.price_name || l.price_type})` : l.name;
        $("line").append(b, `${l.quantity_text && l.measure !== "шт" ? `${l.quantity_text} ${l.measure}` : UKM.quantityText(l.quantity)} × ${money(l.price)} = ${money(l.total)}`);
      }
      $("total").querySelector("span").textContent = r.totals.paid ? t("Due") : t("Total");
      $("total").querySelector("b").textContent = money(r.totals.paid ? r.totals.due : r.totals.total);
      $("offers").replaceChildren(...offers(r.pricing));
    }
    if (showClosed) {
      $("paid").querySelector("span").textContent = t("Paid");
      $("paid").querySelector("b").textContent = money(last.paid);
      $("change").querySelector("span").textContent = t("Change");
      $("change").querySelector("b").textContent = money(last.change || 0);
    }
  }

  document.addEventListener("DOMContentLoaded", async () => {
    const ui = (await call("GET", "/ui").catch(() => ({data: {}}))).data || {};
    await UKM.loadMessages(new URLSearchParams(location.search).get("lang") || ui.language || "ru");
    document.title = t("Customer display");
    UKM.listen(() => refresh(), (up) => { if (up) refresh(); });
    setInterval(refresh, 5000);
    refresh();
  });
})();
