/* Modal dialogs of the cashier screen: one at a time, keyboard first (Enter accepts,
   Esc cancels, the keys shown on each button work), with large buttons in touch mode. */
"use strict";

const Dialogs = (() => {
  const {t, el, money} = UKM;
  const overlay = () => document.getElementById("overlay");
  let current = null;

  function isOpen() { return current !== null; }

  /* Open a dialog; resolves with what a button or submit returns (null when cancelled).
     spec: {title, body: Node|[Node], buttons: [{label, key, value, primary, danger}],
            onSubmit(): value|undefined, cancel: true, wide, className} */
  function open(spec) {
    close(null);
    return new Promise((resolve) => {
      const box = el("div", {class: `dialog ${spec.wide ? "wide" : ""} ${spec.className || ""}`,
        role: "dialog", "aria-modal": "true"});
      const finish = (value) => { if (current && current.box === box) close(value); };
      const buttons = (spec.buttons || []).map((b) =>
        el("button", {type: "button", class: `btn ${b.primary ? "primary" : ""} ${b.danger ? "danger" : ""}`,
          dataset: {key: b.key || ""},
          onclick: async () => {
            const v = typeof b.value === "function" ? await b.value() : b.value;
            if (v !== undefined) finish(v);
          }},
        b.key ? el("kbd", {text: b.key}) : null, b.label));
      if (spec.cancel !== false) {
        buttons.push(el("button", {type: "button", class: "btn", dataset: {key: "Esc"},
          onclick: () => finish(null)}, el("kbd", {text: "Esc"}), spec.cancelLabel || t("Cancel")));
      }
      const body = el("div", {class: "dialog-body"}, spec.body || []);
      box.append(...[
        el("h2", {text: spec.title || ""}),
        body,
        el("div", {class: "dialog-error", role: "alert"}),
        el("div", {class: "dialog-buttons"}, buttons),
        keysHint(spec.keys || [], body.querySelectorAll("input").length),
      ].filter(Boolean));
      if (Screen.touch() && spec.pad) box.append(Screen.numpad());
      const o = overlay();
      o.replaceChildren(box);
      o.hidden = false;
      current = {box, resolve, spec, finish};
      const first = box.querySelector("input, select, textarea") || box.querySelector(".btn.primary");
      if (first) first.focus();
      // A prefilled amount (what is due) is selected: the cashier's digits replace it.
      if (first && first.tagName === "INPUT" && first.value && first.select) first.select();
    });
  }

  /* The keys that are not on a button (Tab, Space…), shown under the buttons (keyboard mode). */
  function keysHint(keys, inputs) {
    if (Screen.touch()) return null;
    const all = [...keys];
    if (inputs > 1) all.push(["Tab", t("next field")]);
    if (!all.length) return null;
    return el("p", {class: "keys-hint"}, all.map(([key, text]) => el("span", {}, el("kbd", {text: key}), text, "  ")));
  }

  function close(value) {
    if (!current) return;
    const {resolve} = current;
    current = null;
    const o = overlay();
    o.hidden = true;
    o.replaceChildren();
    resolve(value);
    Screen.focusScan();
  }

  function error(text) {
    if (!current) return;
    current.box.querySelector(".dialog-error").textContent = text || "";
  }

  /* Keys while a dialog is open: Esc cancels, Enter submits, F-keys press their buttons. */
  async function key(ev) {
    if (!current) return false;
    const {spec, box, finish} = current;
    if (ev.key === "Escape" && spec.cancel !== false) { ev.preventDefault(); finish(null); return true; }
    const btn = box.querySelector(`.btn[data-key="${ev.key}"]`);
    if (btn && ev.key !== "Enter") { ev.preventDefault(); btn.click(); return true; }
    if (ev.key === "Enter" && ev.target.dataset && ev.target.dataset.ownEnter) return false;
    if (ev.key === "Enter" && !(ev.target instanceof HTMLButtonElement)) {
      ev.preventDefault();
      if (spec.onSubmit) {
        const v = await spec.onSubmit();
        if (v !== undefined) finish(v);
      } else {
        const primary = box.querySelector(".btn.primary");
        if (primary) primary.click();
      }
      return true;
    }
    return false;
  }

  function field(label, attrs) {
    const input = el("input", {autocomplete: "off", spellcheck: "false", ...attrs});
    return {input, node: el("label", {class: "field"}, el("span", {text: label}), input)};
  }

  /* Ask for one value; validate(text) returns the value or throws a message. */
  async function ask(title, label, opts = {}) {
    const f = field(label, {value: opts.value ?? "", inputmode: opts.inputmode || "decimal",
      type: opts.type || "text"});
    return open({
      title, pad: true, body: [opts.text ? el("p", {text: opts.text}) : null, f.node],
      buttons: [{label: opts.ok || t("OK"), key: "Enter", primary: true,
        value: () => submit()}],
      onSubmit: () => submit(),
    });
    function submit() {
      try {
        return opts.validate ? opts.validate(f.input.value) : f.input.value;
      } catch (msg) {
        error(String(msg.message || msg));
        return undefined;
      }
    }
  }

  function confirm(title, text, okLabel) {
    return open({title, body: el("p", {text}),
      buttons: [{label: okLabel || t("Yes"), key: "Enter", primary: true, value: true}]});
  }

  /* The supervisor's code and password for a right the cashier lacks. */
  async function supervisor(message) {
    const code = field(t("Supervisor code"), {inputmode: "numeric", name: "sup-code", "data-own-enter": "1"});
    const pw = field(t("Password"), {type: "password", inputmode: "numeric", name: "sup-password"});
    code.input.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" && !pw.input.value) { ev.preventDefault(); ev.stopPropagation(); pw.input.focus(); }
    });
    const value = () => (code.input.value ? {code: code.input.value.trim(), password: pw.input.value} : undefined);
    return open({title: t("Supervisor confirmation"), pad: true, className: "supervisor",
      body: [el("p", {class: "warn", text: message}), code.node, pw.node],
      buttons: [{label: t("Confirm"), key: "Enter", primary: true, value}], onSubmit: value});
  }

  /* The till's question about a line: age (with a birth date) or which price. */
  async function question(q, message) {
    if (q.kind === "age") {
      const born = field(t("Date of birth (dd.mm.yyyy), if checked"), {inputmode: "numeric", name: "birth"});
      const value = () => {
        const text = born.input.value.trim();
        if (!text) return {age_confirmed: true};
        const m = text.match(/^(\d{1,2})[.\-/](\d{1,2})[.\-/](\d{4})$/);
        if (!m) { error(t("Type the date as dd.mm.yyyy")); return undefined; }
        return {birth_date: `${m[3]}-${m[2].padStart(2, "0")}-${m[1].padStart(2, "0")}`};
      };
      return open({title: t("Age check: {age}+", {age: q.min_age}), pad: true, className: "question",
        body: [el("p", {class: "warn", text: message}), born.node],
        buttons: [{label: t("The buyer is old enough"), key: "Enter", primary: true, value}],
        onSubmit: value});
    }
    if (q.kind === "price") {
      const buttons = q.options.map((o, i) => ({label: `${o.name} — ${money(o.price)}`, key: String(i + 1),
        primary: i === 0, value: {price_type: o.price_type}}));
      return open({title: t("Choose the price"), className: "question",
        body: el("p", {text: message}), buttons});
    }
    return null;
  }

  /* The weight of a weighed item when there are no scales (kg, or grams). */
  async function weight(message) {
    return ask(t("Enter the weight"), t("Weight, kg (e.g. 0.350)"), {
      text: message,
      validate: (text) => {
        const q = UKM.parseQuantity(text);
        if (!q) throw t("Type the weight in kilograms, e.g. 0.350");
        return {quantity: q};
      },
    });
  }

  return {open, close, error, key, ask, confirm, supervisor, question, weight, field, isOpen};
})();
