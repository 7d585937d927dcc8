/* The cashier screen's longer flows: logging in, the shift, paying, returns. */
"use strict";

const Auth = (() => {
  const {t, el} = UKM;

  /* Log in by code and password, or by scanning the cashier's card into the code field. */
  async function login() {
    const S = Screen.state;
    const code = Dialogs.field(t("Cashier code or card"), {name: "code", inputmode: "numeric", "data-own-enter": "1"});
    const pw = Dialogs.field(t("Password"), {name: "password", type: "password", inputmode: "numeric"});
    code.input.addEventListener("keydown", (ev) => {
      if (ev.key !== "Enter") return;
      ev.preventDefault(); ev.stopPropagation();
      const value = code.input.value.trim();
      if (looksLikeCard(value)) submit({card: value});
      else pw.input.focus();
    });
    const locked = S.lockedBy ? el("p", {class: "warn", text: t("Locked by {name}. Type the password to go on.", {name: S.lockedBy.name})}) : null;
    if (S.lockedBy) code.input.value = S.lockedBy.code;
    const submit = async (body) => {
      const r = await Screen.act("POST", "/login", body, {silent: true, onRefused: (err) => {
        Dialogs.error(err.message || t("Wrong code or password"));
        pw.input.value = "";
      }});
      if (r) Dialogs.close(true);
    };
    const value = () => { submit({code: code.input.value.trim(), password: pw.input.value}); return undefined; };
    const done = Dialogs.open({title: S.lockedBy ? t("The till is locked") : t("Log in"), pad: true, cancel: false,
      className: "login", body: [locked, code.node, pw.node, el("p", {class: "hint", text: t("Or scan your cashier card.")})],
      buttons: [{label: t("Log in"), key: "Enter", primary: true, value}], onSubmit: value});
    if (S.lockedBy) pw.input.focus();
    await done;
  }

  function looksLikeCard(value) {
    return value.length > 6 || /[^0-9]/.test(value);
  }

  return {login};
})();

const Shift = (() => {
  const {t, el, money} = UKM;

  async function closedGate() {
    const S = Screen.state;
    const choice = await Dialogs.open({title: t("The shift is closed"), cancel: false, className: "gate",
      body: el("p", {text: t("{name}, open a shift to sell.", {name: S.cashier.name})}),
      buttons: [
        {label: t("Open shift"), key: "Enter", primary: true, value: "open"},
        {label: t("Log out"), key: "F12", value: "logout"},
      ]});
    if (choice === "open") await Screen.act("POST", "/shift/open", {});
    if (choice === "logout") await Screen.act("POST", "/logout", {});
  }

  async function menu() {
    const choice = await Dialogs.open({title: t("Shift and cash"), className: "menu",
      buttons: [
        {label: t("X report"), key: "1", value: "x"},
        {label: t("Close shift (Z report)"), key: "2", value: "z"},
        {label: t("Cash in"), key: "3", value: "in"},
        {label: t("Cash out"), key: "4", value: "out"},
        {label: t("Log out"), key: "5", value: "logout"},
      ]});
    if (choice === "x") await xReport();
    if (choice === "z") await zReport();
    if (choice === "in" || choice === "out") await cash(choice);
    if (choice === "logout") { await Screen.act("POST", "/logout", {}); await Screen.refresh(); }
  }

  function report(rep) {
    const rows = [];
    const add = (label, value) => rows.push(el("tr", {}, el("td", {text: label}), el("td", {class: "num", text: value})));
    add(t("Sales"), `${rep.sales_count ?? ""} · ${money(rep.sales_total)}`);
    add(t("Returns"), `${rep.returns_count ?? ""} · ${money(rep.returns_total)}`);
    for (const [type, amount] of Object.entries(rep.sales_by_payment || {})) add(`  ${Screen.tenderName(type)}`, money(amount));
    add(t("Cash in"), money(rep.cash_in));
    add(t("Cash out"), money(rep.cash_out));
    add(t("Cash in the drawer"), money(rep.cash_in_drawer));
    return el("table", {class: "report"}, rows);
  }

  async function xReport() {
    const out = await Screen.act("GET", "/shift/x-report");
    if (!out) return;
    const again = await Dialogs.open({title: t("X report, shift {n}", {n: out.shift.shift_num}), wide: true,
      body: report(out.x_report.totals || out.x_report),
      buttons: [{label: t("Print"), key: "F2", value: "print"}, {label: t("Close"), key: "Enter", primary: true, value: "close"}]});
    if (again === "print") {
      const printed = await Screen.act("GET", "/shift/x-report?print=1");
      if (printed && printed.print) Screen.showMessage(printed.print.message, printed.print.printed ? "ok" : "error");
    }
  }

  async function zReport() {
    const ok = await Dialogs.confirm(t("Close shift"), t("Close the shift and print the Z report?"), t("Close shift"));
    if (!ok) return;
    const out = await Screen.act("POST", "/shift/close", {});
    if (!out) return;
    await Dialogs.open({title: t("Z report, shift {n}", {n: out.shift.shift_num}), wide: true, cancel: false,
      body: [report(out.z_report.totals || out.z_report), out.print ? el("p", {class: out.print.printed ? "ok" : "warn", text: out.print.message}) : null],
      buttons: [{label: t("Close"), key: "Enter", primary: true, value: true}]});
    await Screen.refresh();
  }

  async function cash(direction) {
    const amount = await Dialogs.ask(direction === "in" ? t("Cash in") : t("Cash out"), t("Amount, roubles"), {
      validate: (text) => { const v = UKM.parseMoney(text); if (!v) throw t("Type an amount, e.g. 1000.00"); return v; },
    });
    if (!amount) return;
    const out = await Screen.act("POST", `/cash/${direction}`, {amount});
    if (!out) return;
    const what = `${direction === "in" ? t("Cash in") : t("Cash out")}: ${money(out.cash_move.amount)}`;
    if (out.notice) await cashNotice(out, what);
    else Screen.showMessage(what, "ok");
  }

  /* The till answered with a move it had already recorded (the register did it before a
     crash or a lost answer; docs/till-api.md): say so, so the cash is not moved twice. */
  async function cashNotice(out, what) {
    const move = out.cash_move;
    await Dialogs.open({title: t("Cash move {n} recorded", {n: move.number}), className: "cash-result", cancel: false,
      body: [el("p", {class: "big", text: what}), el("p", {class: "warn notice", text: out.notice}),
        out.print ? el("p", {class: out.print.printed ? "ok" : "warn", text: out.print.message}) : null],
      buttons: [{label: t("OK"), key: "Enter", primary: true, value: true}]});
    Screen.showMessage(what, "ok");
  }

  async function devices() {
    const [ui, queue] = await Promise.all([UKM.call("GET", "/ui"), UKM.call("GET", "/receipt/print-queue")]);
    const rows = Object.entries(ui.data.devices || {}).map(([name, d]) => el("tr", {},
      el("td", {text: d.label}), el("td", {class: d.state === "ok" ? "ok" : "warn", text: d.state === "ok" ? t("works") : (d.error || t("fault"))})));
    const jobs = (queue.data.jobs || []).map((j) => el("li", {}, j.title, j.error ? el("small", {text: ` — ${j.error}`}) : null));
    const choice = await Dialogs.open({title: t("Printer and devices"), wide: true,
      body: [el("table", {class: "report"}, rows.length ? rows : el("tr", {}, el("td", {text: t("No devices are configured")}))),
        el("h3", {text: jobs.length ? t("Not printed yet") : t("Everything is printed")}), el("ul", {}, jobs)],
      buttons: jobs.length ? [{label: t("Reprint"), key: "F2", primary: true, value: "reprint"}] : []});
    if (choice === "reprint") {
      const out = await Screen.act("POST", "/receipt/reprint", {});
      if (out) for (const r of out.results) Screen.showMessage(r.message, r.printed ? "ok" : "error");
    }
  }

  return {closedGate, menu, devices};
})();

const Pay = (() => {
  const {t, el, money} = UKM;

  /* F2 cash, F3 card, F4 another tender: the amount (default: what is due), then the payment. */
  async function start(kind) {
    const S = Screen.state;
    if (!S.receipt) { Screen.showError({message: t("There is no open receipt to pay")}); return; }
    const due = S.receipt.totals.due;
    const amountField = Dialogs.field(t("Amount, roubles"), {name: "amount", inputmode: "decimal", value: (due / 100).toFixed(2)});
    const refField = Dialogs.field(t("Certificate number or loyalty card"), {name: "reference", value: S.receipt.card || ""});
    const read = (type) => {
      const amount = UKM.parseMoney(amountField.input.value);
      if (!amount) { Dialogs.error(t("Type an amount, e.g. 500.00")); return undefined; }
      if ((type === "certificate" || type === "bonus") && !refField.input.value.trim()) {
        Dialogs.error(type === "certificate" ? t("Type the certificate number") : t("Type the loyalty card number"));
        return undefined;
      }
      return {type, amount, reference: refField.input.value.trim() || undefined};
    };
    const buttons = kind === "other"
      ? [{label: t("Gift certificate"), key: "F4", primary: true, value: () => read("certificate")},
        {label: t("Bonus points"), key: "F5", value: () => read("bonus")}]
      : [{label: t("Cash"), key: "F2", primary: kind === "cash", value: () => read("cash")},
        {label: t("Card"), key: "F3", primary: kind === "card", value: () => read("card")}];
    const head = el("div", {class: "due-line"}, t("Due"), " ", el("b", {text: money(due)}));
    const choice = await Dialogs.open({title: kind === "other" ? t("Other tender") : t("Payment"), pad: true,
      body: [head, amountField.node, kind === "other" ? refField.node : null], buttons,
      onSubmit: () => read(kind === "other" ? "certificate" : kind)});
    if (choice) await pay(choice);
  }

  async function pay(body) {
    let waiting = null;
    if (body.type === "card") waiting = pinPad(body.amount);
    const stopWatching = Fiscal.watch();
    const out = await Screen.act("POST", "/receipt/payments", body);
    stopWatching();
    if (waiting) Dialogs.close(null);
    if (!out) return;
    if (out.closed) await closed(out);
    else if (out.fiscal_error) {
      Screen.state.fiscalError = out.fiscal_error;
      Screen.state.fiscalAsked = `${out.receipt && out.receipt.receipt_id}/${out.fiscal_error.code}`;
      await Fiscal.resolve(out.fiscal_error);
    } else if (out.receipt) Screen.showMessage(t("Paid {amount}; due {due}", {amount: money(out.payment.amount), due: money(out.receipt.totals.due)}), "ok");
  }

  /* While the terminal works: "follow the PIN pad", with a cancel that asks the terminal to stop. */
  function pinPad(amount) {
    Dialogs.open({title: t("Card payment"), className: "pinpad", cancel: false,
      body: [el("p", {class: "big", text: money(amount)}), el("p", {text: t("Ask the buyer to follow the PIN pad.")})],
      buttons: [{label: t("Cancel on the terminal"), key: "Escape", danger: true, value: async () => {
        await UKM.call("POST", "/receipt/payments/cancel", {});
        return undefined;
      }}]});
    return true;
  }

  async function closed(out) {
    const r = out.closed;
    const change = r.change || (r.totals && r.totals.change) || 0;
    const printed = out.print ? el("p", {class: out.print.printed ? "ok" : "warn", text: out.print.message}) : null;
    await Dialogs.open({title: r.kind === "return" ? t("Return {n} done", {n: r.number}) : t("Receipt {n} paid", {n: r.number}),
      className: "change", cancel: false,
      body: [el("p", {class: "change-label", text: change ? t("Change") : t("No change")}),
        el("p", {class: "change-amount", text: money(change)}), printed,
        r.fiscal ? el("p", {class: "hint fiscal-done", text: t("Fiscal document {fd}, fiscal sign {fp}, register shift {shift}", {fd: r.fiscal.fd, fp: r.fiscal.fp, shift: r.fiscal.shift})}) : null],
      buttons: [{label: t("Next buyer"), key: "Enter", primary: true, value: true}]});
    await Screen.refresh();
  }

  /* A card payment whose outcome nobody knows: the cashier reads the terminal and says. */
  let resolving = false;
  async function resolveUnknown() {
    const S = Screen.state;
    const p = S.receipt && (S.receipt.unresolved_payments || [])[0];
    if (!p || resolving) return;
    resolving = true;
    try {
      const rrn = Dialogs.field(t("RRN from the slip"), {name: "rrn", inputmode: "numeric"});
      const choice = await Dialogs.open({title: t("Payment outcome unknown"), className: "unknown", cancel: false,
        body: [el("p", {class: "warn", text: p.message || t("Look at the terminal and its slip.")}),
          el("p", {}, t("Payment"), " ", el("b", {text: money(p.amount)})), rrn.node],
        buttons: [
          {label: t("Approved (RRN from the slip)"), key: "F2", primary: true, value: () => {
            if (!rrn.input.value.trim()) { Dialogs.error(t("Type the RRN printed on the slip")); return undefined; }
            return {approved: true, rrn: rrn.input.value.trim()};
          }},
          {label: t("Not approved"), key: "F3", danger: true, value: {approved: false}},
        ]});
      if (choice) {
        const out = await Screen.act("POST", `/receipt/payments/${p.id}/resolve`, choice);
        if (out && out.closed) await closed(out);
      }
    } finally {
      resolving = false;
    }
  }

  return {start, resolveUnknown, closed};
})();

const Returns = (() => {
  const {t, el, money} = UKM;

  /* Name the original (scan its barcode, or type store/till/shift/number), tick lines, refund. */
  async function start() {
    if (Screen.state.receipt) { Screen.showError({message: t("Finish or cancel the open receipt first")}); return; }
    const till = (Screen.state.ui || {}).till || {};
    const code = Dialogs.field(t("Receipt barcode"), {name: "receipt_code"});
    const store = Dialogs.field(t("Store"), {name: "store", value: till.store || ""});
    const tillNo = Dialogs.field(t("Till"), {name: "till", inputmode: "numeric", value: till.number || ""});
    const shift = Dialogs.field(t("Shift"), {name: "shift_num", inputmode: "numeric"});
    const number = Dialogs.field(t("Receipt number"), {name: "number", inputmode: "numeric"});
    const read = () => {
      if (code.input.value.trim()) return {receipt_id: code.input.value.trim()};
      if (!shift.input.value || !number.input.value) { Dialogs.error(t("Scan the receipt's barcode or type its till, shift and number")); return undefined; }
      return {store: store.input.value.trim(), till: tillNo.input.value.trim(), shift_num: shift.input.value.trim(), number: number.input.value.trim()};
    };
    const ref = await Dialogs.open({title: t("Return"), pad: true, wide: true,
      keys: [["↵", t("a scanned barcode finds the receipt")]],
      body: [code.node, el("div", {class: "row4"}, store.node, tillNo.node, shift.node, number.node)],
      buttons: [{label: t("Find the receipt"), key: "Enter", primary: true, value: read},
        {label: t("Without a receipt"), key: "F5", value: "none"}],
      onSubmit: read});
    if (!ref) return;
    if (ref === "none") { await withoutReceipt(); return; }
    const query = new URLSearchParams(ref).toString();
    const found = await Screen.act("GET", `/returns/original?${query}`, undefined, {
      onRefused: (err) => { if (err.code === "server.unreachable") withoutReceipt(); },
    });
    if (found) await chooseLines(ref, found);
  }

  async function chooseLines(ref, found) {
    const rows = found.lines.filter((l) => l.returnable > 0).map((l) => {
      const tick = el("input", {type: "checkbox", name: `line-${l.position}`});
      const qty = el("input", {name: `qty-${l.position}`, class: "qty", inputmode: "decimal", value: UKM.quantityText(l.returnable)});
      return {l, tick, qty, tr: el("tr", {}, el("td", {}, tick), el("td", {text: l.position}), el("td", {text: l.name}),
        el("td", {}, qty), el("td", {class: "num", text: money(l.price)}), el("td", {class: "num", text: money(l.total)}))};
    });
    const read = () => {
      const lines = {};
      for (const r of rows) {
        if (!r.tick.checked) continue;
        const q = UKM.parseQuantity(r.qty.value);
        if (!q) { Dialogs.error(t("Type the quantity to return for line {n}", {n: r.l.position})); return undefined; }
        lines[r.l.position] = q;
      }
      if (!Object.keys(lines).length) { Dialogs.error(t("Tick at least one line")); return undefined; }
      return lines;
    };
    const doc = found.receipt;
    const lines = await Dialogs.open({title: t("Return of receipt {n}, shift {s}, till {till}", {n: doc.number, s: doc.shift_num, till: doc.till}),
      wide: true, className: "return-lines",
      keys: [["Space", t("tick the line")]],
      body: [found.message ? el("p", {class: "warn", text: found.message}) : null,
        rows.length ? el("table", {class: "report"}, el("tr", {class: "head"}, el("th", {}), el("th", {text: "#"}),
          el("th", {text: t("Item")}), el("th", {text: t("Quantity to return")}), el("th", {class: "num", text: t("Price")}),
          el("th", {class: "num", text: t("Total")})), rows.map((r) => r.tr))
          : el("p", {text: t("Everything on this receipt was returned already")})],
      buttons: rows.length ? [{label: t("Refund"), key: "F2", primary: true, value: read}] : [], onSubmit: read});
    if (!lines) return;
    const body = doc.receipt_id ? {receipt_id: doc.receipt_id, lines} : {...ref, lines};
    await refund(body);
  }

  async function refund(body) {
    const out = await Screen.act("POST", "/returns", body);
    if (!out) return;
    if (out.closed) {
      await Dialogs.open({title: t("Return {n} done", {n: out.closed.number}), cancel: false, className: "change",
        body: [el("p", {class: "change-label", text: t("Give back")}), el("p", {class: "change-amount", text: money(out.closed.totals.total)}),
          out.print ? el("p", {class: out.print.printed ? "ok" : "warn", text: out.print.message}) : null],
        buttons: [{label: t("Done"), key: "Enter", primary: true, value: true}]});
    } else if (out.message) {
      Screen.showError({message: out.message});
    }
    await Screen.refresh();
  }

  /* The cash server is away and this till has no copy: the items, their quantities and prices. */
  async function withoutReceipt() {
    const article = Dialogs.field(t("Item code"), {name: "article", inputmode: "numeric"});
    const qty = Dialogs.field(t("Quantity"), {name: "quantity", inputmode: "decimal", value: "1"});
    const price = Dialogs.field(t("Price paid, roubles"), {name: "price", inputmode: "decimal"});
    const read = () => {
      const q = UKM.parseQuantity(qty.input.value);
      const p = UKM.parseMoney(price.input.value);
      if (!article.input.value.trim() || !q || p === null) { Dialogs.error(t("Type the item code, quantity and price")); return undefined; }
      return {article: article.input.value.trim(), quantity: q, price: p};
    };
    const item = await Dialogs.open({title: t("Return without a receipt"), pad: true,
      body: [el("p", {class: "warn", text: t("The cash server cannot be reached: a supervisor confirms this return.")}), article.node, qty.node, price.node],
      buttons: [{label: t("Refund in cash"), key: "F2", primary: true, value: read}], onSubmit: read});
    if (item) await refund({store: "", till: 0, shift_num: 0, number: 0, items: [item], lines: {}});
  }

  return {start};
})();
