/* The cashier's screen: everything shown comes from the till (GET /login, /shift, /receipt,
   /ui); the page holds only what the cashier is typing. Every action is one API call; a
   refusal is shown as the till's message and hint, and the till's questions (age, price,
   weight, supervisor) are answered in place and the same request sent again. */
"use strict";

const Screen = (() => {
  const {t, N_, el, money, call, TillDown} = UKM;
  const $ = (id) => document.getElementById(id);
  const S = {
    cashier: null, lockedBy: null, shift: null, receipt: null, question: null, notice: null,
    ui: null, fiscalError: null, fiscalAsked: null, selected: null, multiplier: null, busy: 0, epoch: 0, refreshSeq: 0, tillUp: true, mode: "keyboard",
    refreshTimer: null, rows: new Map(), lastError: null, seenRevision: 0, busyRevisions: [],
  };

  /* The function keys: what each does, shown like a POS keyboard's keys (touch: big buttons). */
  const KEYS = [
    {key: "F2", label: N_("Cash"), run: () => Pay.start("cash")},
    {key: "F3", label: N_("Card"), run: () => Pay.start("card")},
    {key: "F4", label: N_("Other tender"), run: () => Pay.start("other")},
    {key: "F5", label: N_("Quantity"), run: () => changeQuantity()},
    {key: "F6", label: N_("Void line"), run: () => voidLine()},
    {key: "F7", label: N_("Loyalty card / coupon"), run: () => loyalty()},
    {key: "F8", label: N_("Cancel receipt"), run: () => cancelReceipt()},
    {key: "F9", label: N_("Return"), run: () => Returns.start()},
    {key: "F10", label: N_("Shift and cash"), run: () => Shift.menu()},
    {key: "F11", label: N_("Printer and devices"), run: () => Shift.devices()},
    {key: "F12", label: N_("Lock"), run: () => lock()},
  ];

  function touch() { return S.mode === "touch"; }

  // -- talking to the till ---------------------------------------------------------------

  /* Run one API call with the cashier's answers to whatever the till asks on the way.
     Returns the answer's data, or null when refused (the refusal is shown). */
  async function act(method, path, body, opts = {}) {
    S.busy += 1;
    S.epoch += 1;
    try {
      let payload = body;
      for (let round = 0; round < 4; round += 1) {
        const r = await call(method, path, payload);
        if (r.ok) {
          if (!opts.quiet) showMessage(null);
          return r.data;
        }
        const extra = await answer(r.data, method, path);
        if (extra === null) {
          if (!opts.silent) showError(r.data);
          if (opts.onRefused) opts.onRefused(r.data);
          return null;
        }
        payload = {...(payload || {}), ...extra};
      }
      return null;
    } catch (err) {
      if (err instanceof TillDown) tillDown();
      else throw err;
      return null;
    } finally {
      S.busy -= 1;
      S.epoch += 1;
      // another change came meanwhile (not the revision this page's own request made)
      const foreign = !S.busy && S.busyRevisions.some((r) => r !== UKM.ownRevision);
      if (!S.busy) S.busyRevisions = [];
      if (!opts.noRefresh || foreign || (!S.busy && S.seenRevision > UKM.ownRevision)) scheduleRefresh(0);
    }
  }

  /* What to add to the request after the till's refusal (null: nothing to answer). */
  async function answer(err, method, path) {
    const message = err.message || "";
    switch (err.code) {
      case "rights.missing": {
        const sup = await Dialogs.supervisor(withHint(err));
        return sup ? {supervisor: sup} : null;
      }
      case "sale.age_confirm":
      case "sale.choose_price":
        return err.question ? Dialogs.question(err.question, message) : null;
      case "sale.needs_weight":
        return path === "/receipt/lines" ? Dialogs.weight(withHint(err)) : null;
      case "payment.unknown":
      case "sale.payment_unresolved":
        showError(err);
        await refresh();
        Pay.resolveUnknown();
        return null;
      default:
        return null;
    }
  }

  function withHint(err) {
    return err.hint ? `${err.message} — ${err.hint}` : (err.message || "");
  }

  function showError(err) {
    const box = $("message");
    box.className = "error";
    box.replaceChildren(...[el("b", {text: err.message || t("The till refused")}),
      err.hint ? el("span", {class: "hint", text: err.hint}) : null].filter(Boolean));
    S.lastError = err;
    if (Dialogs.isOpen()) Dialogs.error(withHint(err));
  }

  function showMessage(text, kind) {
    const box = $("message");
    if (!text && !box.firstChild && !box.className) return;  // nothing to clear: no restyle
    box.className = kind || "";
    box.textContent = text || "";
  }

  // -- state from the till ----------------------------------------------------------------

  /* Everything from the till again; the links and devices (`withUi`) only when asked
     (every few seconds), so a change costs two small requests and the receipt. */
  async function refresh(withUi = true) {
    const seq = ++S.refreshSeq;
    const epoch = S.epoch;
    try {
      const [login, receipt, ui] = await Promise.all([
        call("GET", "/login"), call("GET", "/receipt"), withUi || !S.ui ? call("GET", "/ui") : null]);
      const shift = login.data.cashier ? await call("GET", "/shift") : null;
      // An answer read before a later change (or a later refresh) must not paint over it.
      if (seq !== S.refreshSeq) return;
      if (epoch !== S.epoch || S.busy) { scheduleRefresh(50); return; }
      S.cashier = login.data.cashier || null;
      S.lockedBy = login.data.locked_by || null;
      if (ui) S.ui = ui.data;
      S.receipt = receipt.data.receipt || null;
      S.question = receipt.data.question || null;
      S.notice = receipt.data.notice || null;
      S.fiscalError = receipt.data.fiscal_error || null;
      S.shift = shift ? (shift.data.shift || null) : null;
      tillUp();
      render();
    } catch (err) {
      if (err instanceof TillDown) tillDown();
      else throw err;
    }
  }

  /* Every few seconds: the links and devices (GET /ui, small); the receipt and the rest only
     when the till's revision moved past what this page knows (an event it missed). */
  async function poll() {
    if (S.busy) return;
    const known = Math.max(UKM.ownRevision, S.seenRevision);
    try {
      const ui = await call("GET", "/ui");
      if (S.busy) return;
      S.ui = ui.data;
      tillUp();
      if ((ui.data.revision || 0) > known) { S.seenRevision = ui.data.revision; refresh(false); } else renderLinks();
    } catch (err) {
      if (err instanceof TillDown) tillDown();
      else throw err;
    }
  }

  function scheduleRefresh(delay) {
    clearTimeout(S.refreshTimer);
    S.refreshTimer = setTimeout(() => { if (!S.busy) refresh(false); }, delay);
  }

  function tillDown() {
    if (!S.tillUp) return;
    S.tillUp = false;
    const box = $("tilldown");
    box.textContent = t("No connection to the till — reconnecting…");
    box.hidden = false;
    const retry = async () => {
      try {
        await call("GET", "/ui");
        await refresh();
      } catch (err) {
        setTimeout(retry, 1000);
      }
    };
    setTimeout(retry, 1000);
  }

  function tillUp() {
    if (S.tillUp) return;
    S.tillUp = true;
    $("tilldown").hidden = true;
  }

  // -- drawing ---------------------------------------------------------------------------

  function render() {
    const ui = S.ui || {};
    const mode = new URLSearchParams(location.search).get("mode") || ui.mode || "keyboard";
    if (mode !== S.mode) { S.mode = mode; renderKeys(); renderPad(); }
    document.body.className = `mode-${S.mode}`;
    const till = ui.till || {};
    $("till-name").textContent = t("Store {store} · till {number}", {store: till.store || "", number: till.number || ""});
    $("shift-info").textContent = S.shift ? t("Shift {n}", {n: S.shift.shift_num}) : (S.cashier ? t("Shift closed") : "");
    $("cashier-info").textContent = S.cashier ? S.cashier.name : "";
    $("lang").textContent = UKM.language === "ru" ? "EN" : "RU";
    $("lang").title = t("Language (Alt+L)");
    renderLinks();
    renderReceipt();
    if (S.askingWaiting && !S.question) { S.askingWaiting = false; Dialogs.close(null); }
    renderGate();
  }

  function renderLinks() {
    const ui = S.ui || {};
    const links = ui.links || {};
    const pills = [];
    const linkText = {online: t("online"), offline: t("offline — selling goes on"),
      connecting: t("connecting"), not_configured: t("not configured"), unknown: "?"};
    // The pricing outcome of the open receipt is the freshest word on the marketing server:
    // promotions just priced online mean it answers, whatever the feed's link last said.
    const pricedOnline = S.receipt && S.receipt.pricing && S.receipt.pricing.mode === "online";
    for (const [name, label] of [["server", t("Server")], ["marketing", t("Marketing")]]) {
      let state = (links[name] || {}).state || "unknown";
      if (name === "marketing" && pricedOnline && state !== "not_configured") state = "online";
      if (state === "not_configured") continue;  // nothing to watch: no pill
      pills.push(el("span", {class: `pill ${state}`, title: (links[name] || {}).error || "",
        dataset: {link: name}}, `${label}: ${linkText[state] || state}`));
    }
    const pending = (links.outbox || {}).pending || 0;
    if (pending) pills.push(el("span", {class: "pill waiting", dataset: {link: "outbox"}},
      t("{n} documents waiting to be sent", {n: pending})));
    for (const [name, d] of Object.entries(ui.devices || {})) {
      pills.push(el("span", {class: `pill ${d.state === "ok" ? "online" : "offline"}`,
        title: d.error || "", dataset: {device: name}},
        d.state === "ok" ? d.label : `${d.label}: ${t("fault")}`));
    }
    if (ui.print_queue) pills.push(el("button", {type: "button", class: "pill offline", tabindex: "-1",
      onclick: () => Shift.devices()}, t("{n} not printed — F11", {n: ui.print_queue})));
    $("links").replaceChildren(...pills);
  }

  function lineSignature(l) {
    return [l.name, l.price_name, l.price_type, l.quantity, l.price, l.discount, l.total, l.voided, S.selected === l.position].join("|");
  }

  function lineRow(l) {
    const tr = el("tr", {dataset: {pos: l.position}, class: `${l.voided ? "voided" : ""} ${S.selected === l.position ? "selected" : ""}`,
      onclick: () => select(l.position)},
    el("td", {class: "pos", text: l.position}),
    el("td", {class: "name"}, l.name, l.price_type ? el("small", {class: "price-name", title: l.price_type, text: ` (${l.price_name || l.price_type})`}) : null,
      l.discounts && l.discounts.length ? el("small", {class: "promo", text: l.discounts.map((d) => d.name).join(", ")}) : null),
    el("td", {class: "qty", text: l.measure && l.measure !== "шт" ? `${l.quantity_text} ${l.measure}` : UKM.quantityText(l.quantity)}),
    el("td", {class: "price", text: money(l.price)}),
    el("td", {class: "disc", text: l.discount ? money(-l.discount) : ""}),
    el("td", {class: "sum", text: money(l.total)}));
    return tr;
  }

  /* Lines by position: only rows whose content changed are rebuilt (a 200-line receipt stays fast). */
  function renderLines(lines) {
    const body = $("lines-body");
    const seen = new Set();
    let prev = null;
    for (const l of lines) {
      seen.add(l.position);
      const sig = lineSignature(l);
      let row = S.rows.get(l.position);
      if (!row || row.sig !== sig) {
        const tr = lineRow(l);
        if (row) row.tr.replaceWith(tr);
        row = {tr, sig};
        S.rows.set(l.position, row);
      }
      const want = prev ? prev.nextSibling : body.firstChild;
      if (want !== row.tr) body.insertBefore(row.tr, want);
      prev = row.tr;
    }
    for (const [pos, row] of S.rows) {
      if (!seen.has(pos)) { row.tr.remove(); S.rows.delete(pos); }
    }
  }

  function renderReceipt() {
    const r = S.receipt;
    const lines = r ? r.lines : [];
    if (S.selected !== null && !lines.some((l) => l.position === S.selected)) S.selected = null;
    renderLines(lines);
    const totals = r ? r.totals : {total: 0, discount: 0, paid: 0, due: 0};
    $("total").textContent = money(totals.total);
    $("discount").textContent = totals.discount ? money(-totals.discount) : "—";
    $("paid").textContent = totals.paid ? money(totals.paid) : "—";
    // paid more than the total but not closed yet (the register refused): the change is owed
    $("change-row").hidden = !totals.change;
    $("change").textContent = totals.change ? money(totals.change) : "";
    $("due").textContent = money(totals.due);
    $("empty").textContent = r ? "" : (S.cashier && S.shift ? t("Scan an item to start a receipt") : "");
    const head = [];
    if (r) {
      head.push(el("b", {text: r.kind === "return" ? t("Return {n}", {n: r.number}) : t("Receipt {n}", {n: r.number})}));
      if (r.offline_return) head.push(el("span", {class: "tag warn", text: t("offline return")}));
      if (r.state && r.state !== "open") head.push(el("span", {class: "tag warn", text: r.state_text || r.state}));
      if (S.fiscalError) head.push(el("span", {class: "tag warn", dataset: {fiscal: S.fiscalError.code},
        text: t("not registered on the fiscal register")}));
      if (r.original) head.push(el("span", {class: "tag", text: t("of receipt {n}, shift {s}, till {till}",
        {n: r.original.number, s: r.original.shift_num, till: r.original.till})}));
    }
    $("receipt-head").replaceChildren(...head);
    ReceiptSide.render(r, S.fiscalError);
    if (S.notice && !S.lastError) showMessage(S.notice, "notice");
    const tail = $("lines-body").lastElementChild;
    if (tail && S.selected === null) tail.scrollIntoView({block: "nearest"});
  }

  function tenderName(type) {
    return {cash: t("Cash"), card: t("Card"), certificate: t("Certificate"), bonus: t("Bonus")}[type] || type;
  }

  function renderKeys() {
    const nav = $("keys");
    nav.replaceChildren(...KEYS.map((k) => el("button", {type: "button", tabindex: "-1", class: "fkey",
      dataset: {key: k.key}, onclick: () => runKey(k)}, el("kbd", {text: k.key}), el("span", {text: t(k.label)}))));
  }

  function numpad() {
    const keys = ["7", "8", "9", "⌫", "4", "5", "6", "C", "1", "2", "3", "×", "0", "00", ".", "⏎"];
    return el("div", {class: "numpad"}, keys.map((k) => el("button", {type: "button", tabindex: "-1",
      class: `padkey ${k === "⏎" ? "enter" : ""}`, onmousedown: (ev) => ev.preventDefault(),
      onclick: () => padPress(k)}, k)));
  }

  function renderPad() {
    $("pad").replaceChildren(touch() ? numpad() : el("div", {class: "keyhelp"},
      el("p", {}, el("kbd", {text: "3"}), " ", el("kbd", {text: "*"}), " ", t("then scan: quantity 3")),
      el("p", {}, el("kbd", {text: "↑"}), el("kbd", {text: "↓"}), " ", t("choose a line")),
      el("p", {}, el("kbd", {text: "Alt+L"}), " ", t("language"))));
  }

  /* The on-screen pad types into whatever input has the focus (the scan field by default). */
  function padPress(k) {
    const input = document.activeElement instanceof HTMLInputElement ? document.activeElement : $("scan");
    if (k === "⏎") {
      input.dispatchEvent(new KeyboardEvent("keydown", {key: "Enter", bubbles: true}));
      return;
    }
    if (k === "C") input.value = "";
    else if (k === "⌫") input.value = input.value.slice(0, -1);
    else if (k === "×") { if (input.id === "scan") setMultiplier(); }
    else input.value += k;
    input.focus();
  }

  /* Over the sale: who must log in, the lock, the closed shift, a question waiting. */
  function renderGate() {
    if (Dialogs.isOpen() || S.busy || !S.tillUp) return;
    if (!S.cashier) { Auth.login(); return; }
    if (!S.shift) { Shift.closedGate(); return; }
    if (S.question && !Dialogs.isOpen()) { answerWaitingQuestion(); return; }
    if (S.receipt && (S.receipt.unresolved_payments || []).length) { Pay.resolveUnknown(); return; }
    // A refusal of the register is offered once (Esc: later; the button beside the lines reopens it).
    const asked = S.fiscalError && `${S.receipt && S.receipt.receipt_id}/${S.fiscalError.code}`;
    if (asked && asked !== S.fiscalAsked) { S.fiscalAsked = asked; Fiscal.resolve(S.fiscalError); }
  }

  /* A question left on the receipt by a scan from the till's own scanner (or another tab).
     When it is answered elsewhere, the dialog here closes without answering. */
  async function answerWaitingQuestion() {
    const q = S.question;
    S.askingWaiting = true;
    const extra = await Dialogs.question(q, S.notice || t("The till asks about the scanned item"));
    const vanished = !S.askingWaiting;
    S.askingWaiting = false;
    if (!vanished) await act("POST", "/receipt/answer", extra || {cancel: true});
  }

  // -- selling ---------------------------------------------------------------------------

  function setMultiplier() {
    const input = $("scan");
    const q = UKM.parseQuantity(input.value.replace("*", ""));
    if (!q) { showError({message: t("Type the quantity, then *")}); return; }
    S.multiplier = q;
    input.value = "";
    $("multiplier").textContent = `${UKM.quantityText(q)} ×`;
  }

  async function scanned(text) {
    let code = text.trim();
    let quantity = S.multiplier;
    const star = code.match(/^(\d+(?:[.,]\d+)?)\*(.*)$/);
    if (star) {
      quantity = UKM.parseQuantity(star[1]);
      code = star[2].trim();
      if (!code) { S.multiplier = quantity; $("multiplier").textContent = `${UKM.quantityText(quantity)} ×`; return; }
    }
    S.multiplier = null;
    $("multiplier").textContent = "";
    if (!code) return;
    const body = /^\d{1,7}$/.test(code) ? {article: code} : {barcode: code};
    if (quantity) body.quantity = quantity;
    const started = performance.now();
    const out = await act("POST", "/receipt/lines", body, {noRefresh: true});
    const answered = performance.now();
    if (out && out.line) {
      if (!S.receipt || S.receipt.receipt_id !== out.receipt_id) {
        S.receipt = {receipt_id: out.receipt_id, number: out.number, kind: "sale", lines: [], payments: [],
          unresolved_payments: [], coupons: [], totals: out.totals};
      }
      const changed = new Map((out.changed || []).map((l) => [l.position, l]));
      const lines = S.receipt.lines.filter((l) => l.position !== out.line.position)
        .map((l) => changed.get(l.position) || l);
      lines.push(out.line);
      const pricingChanged = JSON.stringify(out.pricing || null) !== JSON.stringify(S.receipt.pricing || null);
      S.receipt = {...S.receipt, lines, totals: out.totals, pricing: out.pricing || null};
      const hadSelection = S.selected !== null;
      S.selected = null;
      if (hadSelection) renderReceipt();
      else paintScan(out.line, changed.values(), pricingChanged);
      // bench/ui.py: the till's part (request to answer parsed) and the page's (painting)
      const now = performance.now();
      window.__ukmLastScan = {ms: now - started, api: answered - started, js: now - answered, position: out.line.position};
    }
  }

  /* The fast path of a scan: one row appended, the rows repricing changed, the totals and
     (when it changed) the pricing outcome; nothing else redrawn, nothing fetched again. */
  function paintScan(line, changed, pricingChanged) {
    if (S.rows.has(line.position)) {
      renderReceipt();
      return;
    }
    for (const l of changed) {
      const row = S.rows.get(l.position);
      const sig = lineSignature(l);
      if (!row || row.sig === sig) continue;
      const tr = lineRow(l);
      row.tr.replaceWith(tr);
      S.rows.set(l.position, {tr, sig});
    }
    if (pricingChanged) { ReceiptSide.render(S.receipt, S.fiscalError); renderLinks(); }
    const tr = lineRow(line);
    S.rows.set(line.position, {tr, sig: lineSignature(line)});
    $("lines-body").append(tr);
    const totals = S.receipt.totals;
    $("total").textContent = money(totals.total);
    $("discount").textContent = totals.discount ? money(-totals.discount) : "—";
    $("due").textContent = money(totals.due);
    if ($("empty").firstChild) $("empty").textContent = "";
    if (!$("receipt-head").firstChild) renderReceipt();
    scrollToEnd();
  }

  /* Show the last line: in the next frame, so the layout is done once, with the paint. */
  function scrollToEnd() {
    if (S.scrollPending) return;
    S.scrollPending = true;
    requestAnimationFrame(() => {
      S.scrollPending = false;
      const box = $("lines-box");
      box.scrollTop = box.scrollHeight;
    });
  }

  function select(position) {
    S.selected = S.selected === position ? null : position;
    renderReceipt();
    const row = S.rows.get(position);
    if (row) row.tr.scrollIntoView({block: "nearest"});
    focusScan();
  }

  function moveSelection(step) {
    const lines = (S.receipt ? S.receipt.lines : []).map((l) => l.position);
    if (!lines.length) return;
    let i = lines.indexOf(S.selected);
    i = i < 0 ? (step < 0 ? lines.length - 1 : 0) : Math.max(0, Math.min(lines.length - 1, i + step));
    S.selected = lines[i];
    renderReceipt();
    S.rows.get(S.selected).tr.scrollIntoView({block: "nearest"});
  }

  function chosenLine() {
    const lines = S.receipt ? S.receipt.lines.filter((l) => !l.voided) : [];
    return lines.find((l) => l.position === S.selected) || lines[lines.length - 1] || null;
  }

  async function changeQuantity() {
    const line = chosenLine();
    if (!line) { showError({message: t("There is no line to change")}); return; }
    const q = await Dialogs.ask(t("Quantity of {name}", {name: line.name}), t("New quantity"), {
      value: UKM.quantityText(line.quantity),
      validate: (text) => { const v = UKM.parseQuantity(text); if (!v) throw t("Type a quantity above zero"); return v; },
    });
    if (q) await act("PUT", `/receipt/lines/${line.position}`, {quantity: q});
  }

  async function voidLine() {
    const line = chosenLine();
    if (!line) { showError({message: t("There is no line to void")}); return; }
    const ok = await Dialogs.confirm(t("Void line"), t("Void line {n}: {name}?", {n: line.position, name: line.name}), t("Void"));
    if (ok) await act("DELETE", `/receipt/lines/${line.position}`, {});
  }

  async function cancelReceipt() {
    if (!S.receipt) { showError({message: t("There is no open receipt")}); return; }
    const ok = await Dialogs.confirm(t("Cancel receipt"), t("Cancel receipt {n}? Card payments are given back.", {n: S.receipt.number}), t("Cancel receipt"));
    if (ok) {
      const out = await act("POST", "/receipt/cancel", {});
      if (out) showMessage(t("Receipt {n} cancelled", {n: out.cancelled.number}), "ok");
    }
  }

  async function loyalty() {
    const card = Dialogs.field(t("Loyalty card"), {name: "card", value: (S.receipt && S.receipt.card) || "", "data-own-enter": "1"});
    const coupon = Dialogs.field(t("Coupon code"), {name: "coupon"});
    card.input.addEventListener("keydown", (ev) => {
      if (ev.key !== "Enter") return;
      ev.preventDefault();
      if (card.input.value && !coupon.input.value) Dialogs.close(submit());
      else coupon.input.focus();
    });
    const submit = () => ({card: card.input.value.trim(), coupon: coupon.input.value.trim()});
    const v = await Dialogs.open({title: t("Loyalty card and coupons"), pad: true,
      keys: [["↵", t("after the card: apply it; after a coupon: apply both")]],
      body: [card.node, coupon.node], buttons: [{label: t("Apply"), key: "Enter", primary: true, value: submit}],
      onSubmit: submit});
    if (!v) return;
    const current = (S.receipt && S.receipt.card) || "";
    if (v.card !== current) await act("POST", "/receipt/card", {card: v.card || null});
    if (v.coupon) await act("POST", "/receipt/coupons", {code: v.coupon});
  }

  async function lock() {
    const out = await act("POST", "/lock", {});
    if (out) await refresh();
  }

  // -- keys and focus ----------------------------------------------------------------------

  async function runKey(k) {
    if (Dialogs.isOpen()) return;
    await k.run();
  }

  function focusScan() {
    if (Dialogs.isOpen()) return;
    const input = $("scan");
    if (document.activeElement !== input) input.focus({preventScroll: true});
  }

  async function onKey(ev) {
    if (ev.altKey && (ev.key === "l" || ev.key === "L" || ev.code === "KeyL")) {
      ev.preventDefault(); switchLanguage(); return;
    }
    if (await Dialogs.key(ev)) return;
    if (Dialogs.isOpen()) return;
    const k = KEYS.find((x) => x.key === ev.key);
    if (k) { ev.preventDefault(); runKey(k); return; }
    if (ev.key === "ArrowUp" || ev.key === "ArrowDown") {
      ev.preventDefault(); moveSelection(ev.key === "ArrowUp" ? -1 : 1); return;
    }
    if (ev.key === "Delete" && !$("scan").value) { ev.preventDefault(); voidLine(); return; }
    if (ev.key === "Escape") { $("scan").value = ""; S.multiplier = null; $("multiplier").textContent = ""; S.selected = null; renderReceipt(); return; }
    if (ev.target !== $("scan")) focusScan();
  }

  async function switchLanguage() {
    const next = UKM.language === "ru" ? "en" : "ru";
    localStorage.setItem("ukm.language", next);
    await UKM.loadMessages(next);
    translateStatic();
    renderKeys(); renderPad(); S.rows.clear(); $("lines-body").replaceChildren();
    render();
  }

  /* The page's own fixed texts (data-t in index.html), marked here for `make messages`. */
  const STATIC_TEXTS = [N_("Item"), N_("Qty"), N_("Price"), N_("Discount"), N_("Total"), N_("Paid"), N_("Change"), N_("Due")];

  function translateStatic() {
    for (const node of document.querySelectorAll("[data-t]")) node.textContent = t(node.dataset.t);
    $("scan").placeholder = t("Scan an item or type its code");
    document.title = t("UKM till");
  }

  function tick() {
    const now = new Date();
    $("clock").textContent = now.toLocaleTimeString(UKM.language === "ru" ? "ru-RU" : "en-GB", {hour: "2-digit", minute: "2-digit"});
  }

  async function start() {
    const ui = (await call("GET", "/ui").catch(() => ({data: {}}))).data || {};
    const wanted = new URLSearchParams(location.search).get("lang") || localStorage.getItem("ukm.language") || ui.language || "ru";
    await UKM.loadMessages(wanted);
    translateStatic();
    S.mode = new URLSearchParams(location.search).get("mode") || ui.mode || "keyboard";
    renderKeys(); renderPad();
    document.addEventListener("keydown", onKey, true);
    $("scan").addEventListener("keydown", async (ev) => {
      if (ev.key === "*") { ev.preventDefault(); setMultiplier(); return; }
      if (ev.key !== "Enter") return;
      ev.preventDefault();
      const text = $("scan").value;
      $("scan").value = "";
      S.lastError = null;
      await scanned(text);
    });
    $("scan").addEventListener("blur", () => setTimeout(focusScan, 0));
    $("enter").addEventListener("click", () => $("scan").dispatchEvent(new KeyboardEvent("keydown", {key: "Enter", bubbles: true})));
    $("lang").addEventListener("click", switchLanguage);
    UKM.listen((revision) => {
      // A change this page made itself needs no refresh; while its own request is out the
      // event may come before the answer's revision, so that request decides (act).
      S.seenRevision = Math.max(S.seenRevision, revision);
      if (S.busy) S.busyRevisions.push(revision);
      else if (revision > UKM.ownRevision) scheduleRefresh(10);
    }, (up) => { if (up) scheduleRefresh(0); });
    setInterval(tick, 10000); tick();
    setInterval(poll, 5000);
    await refresh();
    focusScan();
  }

  return {start, act, refresh, touch, numpad, focusScan, showError, showMessage, state: S, money, tenderName};
})();

document.addEventListener("DOMContentLoaded", () => Screen.start());
