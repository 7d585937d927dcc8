/* What the receipt view says besides its lines (docs/till-api.md): the pricing outcome
   (`pricing`: online/offline and why, bonus to earn, gifts not taken, each coupon's state and
   why), the payments, and the fiscal register (`fiscal_error` with "register again",
   "registering" while the payment request waits). */
"use strict";

const ReceiptSide = (() => {
  const {t, el, money} = UKM;

  const COUPON_STATE = {
    applied: UKM.N_("applied"),
    not_applicable: UKM.N_("does not apply yet"),
    refused: UKM.N_("refused"),
  };

  function couponRows(r, pricing) {
    const states = new Map(((pricing && pricing.coupons) || []).map((c) => [c.code, c]));
    return (r.coupons || []).map((code) => {
      const c = states.get(code) || {code, state: "unknown"};
      const label = COUPON_STATE[c.state] ? t(COUPON_STATE[c.state]) : "";
      const how = c.checked === "offline" ? t("checked offline") : null;
      return el("div", {class: `extra coupon ${c.state}`, dataset: {coupon: code, state: c.state}},
        t("Coupon"), " ", el("b", {text: code}), label ? ` — ${label}` : "",
        how ? el("small", {class: "how", text: ` (${how})`}) : null,
        c.message ? el("small", {class: "why", text: c.message}) : null);
    });
  }

  function pricingRows(pricing) {
    const out = [];
    if (!pricing) return out;
    if (pricing.mode === "online") {
      out.push(el("div", {class: "extra pricing online", dataset: {pricing: "online"}}, t("Promotions: online")));
    } else if (pricing.mode === "offline" && pricing.offline_code !== "marketing.not_configured") {
      out.push(el("div", {class: "extra pricing offline", dataset: {pricing: "offline"},
        title: pricing.offline_code || ""}, t("Promotions: offline (the till's own copy)"),
      pricing.offline_reason ? el("small", {class: "why", text: pricing.offline_reason}) : null));
    }
    if (pricing.bonus_points) {
      out.push(el("div", {class: "extra bonus", dataset: {bonus: pricing.bonus_points}},
        t("Bonus to earn: {points} points (= {amount})", {points: pricing.bonus_points, amount: money(pricing.bonus_points)}),
        (pricing.bonus || []).length > 1 ? el("small", {class: "why",
          text: pricing.bonus.map((b) => `${b.name}: ${b.points}`).join("; ")}) : null));
    }
    for (const g of pricing.missing_gifts || []) {
      out.push(el("div", {class: "extra gift warn", dataset: {gift: g.article}},
        t("Gift not taken: {name} × {quantity} — scan it", {name: g.name, quantity: UKM.quantityText(g.quantity)}),
        el("small", {class: "why", text: g.campaign})));
    }
    return out;
  }

  function paymentRows(r) {
    const out = [];
    for (const p of r.payments || []) {
      if (p.state !== "approved") continue;
      out.push(el("div", {class: "extra payment", dataset: {tender: p.type}}, `${Screen.tenderName(p.type)} `,
        el("b", {text: money(p.amount)}),
        p.card_mask ? el("small", {text: ` ${p.card_mask}`}) : null,
        p.reference && p.type !== "card" ? el("small", {text: ` ${p.reference}`}) : null));
    }
    for (const p of r.unresolved_payments || []) {
      out.push(el("button", {type: "button", class: "extra unresolved", tabindex: "-1",
        onclick: () => Pay.resolveUnknown()}, t("Payment outcome unknown — resolve it"), ` (${money(p.amount)})`));
    }
    return out;
  }

  function fiscalRow(err) {
    if (!err) return [];
    return [el("button", {type: "button", class: "extra fiscal warn", tabindex: "-1", dataset: {fiscal: err.code},
      onclick: () => Fiscal.resolve(err)}, el("b", {text: t("Not registered: {message}", {message: err.message})}),
    err.hint ? el("small", {class: "why", text: err.hint}) : null)];
  }

  /* Everything beside the lines, in the order a cashier needs it. */
  function render(r, fiscalError) {
    const out = [];
    if (r) {
      out.push(...fiscalRow(fiscalError));
      if (r.card) out.push(el("div", {class: "extra card"}, t("Loyalty card"), ": ", el("b", {text: r.card})));
      out.push(...couponRows(r, r.pricing));
      out.push(...pricingRows(r.pricing));
      out.push(...paymentRows(r));
    }
    document.getElementById("extras").replaceChildren(...out);
  }

  return {render};
})();

const Fiscal = (() => {
  const {t, el} = UKM;
  let resolving = false;

  /* The register refused (or could not be reached) for a paid receipt: the till's words and
     hint, then "register again" (POST /receipt/register) once the cashier has fixed it. When
     the register's shift is over 24 h (`fiscal.shift_expired`) plain "register again" cannot
     help: the action is to close the register's shift (Z) and register the receipt in a new
     one (`{"new_register_shift": true}`, right close_shift: a supervisor when the cashier
     lacks it, through Screen.act). */
  async function resolve(err) {
    if (resolving) return;
    resolving = true;
    try {
      const newShift = err.code === "fiscal.shift_expired";
      const button = newShift
        ? {label: t("Register in a new register shift"), key: "Enter", primary: true, value: "new-shift"}
        : {label: t("Register again"), key: "Enter", primary: true, value: "again"};
      const choice = await Dialogs.open({title: t("The fiscal register did not register the receipt"),
        className: `fiscal ${newShift ? "new-shift" : ""}`, cancel: true, cancelLabel: t("Later"),
        body: [el("p", {class: "warn", text: err.message}), err.hint ? el("p", {class: "hint", text: err.hint}) : null,
          el("p", {text: t("The payment is kept; the receipt stays open until it is registered.")})],
        buttons: [button]});
      if (choice !== "again" && choice !== "new-shift") return;
      const stopWatching = watch();
      const out = await Screen.act("POST", "/receipt/register", newShift ? {new_register_shift: true} : {});
      stopWatching();
      if (out && out.closed) await Pay.closed(out);
    } finally {
      resolving = false;
    }
  }

  /* While a request that registers waits: "registering… n s" from GET /fiscal (answered at once). */
  function watch() {
    let stopped = false;
    const poll = async () => {
      if (stopped) return;
      try {
        const r = await UKM.call("GET", "/fiscal");
        if (stopped) return;
        if (r.ok && r.data.state === "registering") {
          Screen.showMessage(t("The fiscal register is registering the receipt… {seconds} s",
            {seconds: Number(r.data.seconds || 0).toFixed(1)}), "notice registering");
        }
      } catch (e) { /* the till's own answer will say */ }
      if (!stopped) setTimeout(poll, 400);
    };
    const timer = setTimeout(poll, 300);
    return () => {
      stopped = true;
      clearTimeout(timer);
      if (document.getElementById("message").classList.contains("registering")) Screen.showMessage(null);
    };
  }

  return {resolve, watch};
})();
