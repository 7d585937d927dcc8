/* The devices of a till or a till type (the settings key `devices`, docs/admin-api.md "Till
   settings"): the tables set here, each what a [till.devices.<name>] table of the till's file
   holds, added, changed, removed or turned off inside the till's and the type's settings
   dialogs (sent with their Save); beside them, read-only, what the till's type sets and what the
   till reports running. tills.js builds the dialogs. */
"use strict";

(() => {
  const {t, N_, el} = C;
  const KINDS = ["printer", "scanner", "scales", "display", "bank", "fiscal"];
  const LABELS = {printer: N_("receipt printer"), scanner: N_("barcode scanner"), scales: N_("scales"),
    display: N_("customer display"), bank: N_("bank terminal"), fiscal: N_("fiscal register"), drawer: N_("cash drawer")};
  const STATES = {ok: N_("ok"), error: N_("error"), restarting: N_("restarting"), offline: N_("offline")};
  const CHANGES = {add: N_("added"), replace: N_("changed"), remove: N_("removed")};
  /* An ISO time as "12:03" today, else "2026-12-04 12:03". */
  function clock(iso) {
    const full = C.time(iso);
    return full.slice(0, 10) === C.time(new Date().toISOString()).slice(0, 10) ? full.slice(11, 16) : full.slice(0, 16);
  }
  const label = (kind) => (LABELS[kind] ? t(LABELS[kind]) : String(kind || "—"));

  /* The settings of each kind (docs/devices.md, "Settings"): key, label, type (text | int |
     number | select | bool | escaped), the default shown as a placeholder, and for a printer the
     connections a field belongs to. Only filled fields are sent. */
  const SERIAL = [
    {key: "url", label: N_("Port (serial, or socket://host:port)"), placeholder: "/dev/ttyUSB0"},
    {key: "baudrate", label: N_("Baud rate"), type: "int", placeholder: "9600"},
  ];
  const FIELDS = {
    printer: [
      {key: "kind", label: N_("Connection"), type: "select", placeholder: "dummy",
        options: [["network", N_("network (port 9100)")], ["serial", N_("serial port")], ["usb", "USB"], ["file", N_("file or device file")], ["dummy", N_("none (prints nowhere)")]]},
      {key: "host", label: N_("Address (host name or IP)"), placeholder: "192.168.0.50", only: ["network"]},
      {key: "port", label: N_("TCP port"), type: "int", placeholder: "9100", only: ["network"]},
      {key: "url", label: N_("Port (serial, or socket://host:port)"), placeholder: "/dev/ttyUSB0", only: ["serial"]},
      {key: "baudrate", label: N_("Baud rate"), type: "int", placeholder: "9600", only: ["serial"]},
      {key: "usb_vendor", label: N_("USB vendor id"), type: "int", placeholder: "0x04b8", only: ["usb"]},
      {key: "usb_product", label: N_("USB product id"), type: "int", placeholder: "0x0202", only: ["usb"]},
      {key: "path", label: N_("File"), placeholder: "/dev/usb/lp0", only: ["file"]},
      {key: "width_chars", label: N_("Characters a line"), type: "int", placeholder: "42"},
      {key: "timeout", label: N_("Timeout, seconds"), type: "number", placeholder: "5"},
      {key: "codepage", label: N_("Code page (empty: escpos picks)"), placeholder: "CP866"},
      {key: "profile", label: N_("Printer profile"), placeholder: "TM-T88V"},
      {key: "drawer_pin", label: N_("Cash drawer pin"), type: "select", int: true, placeholder: "2", options: [["2", "2"], ["5", "5"]]},
      {key: "verify_online", label: N_("Ask whether it is online before each receipt"), type: "bool", placeholder: N_("yes")},
    ],
    scanner: [...SERIAL, {key: "suffix", label: N_("Suffix after each code"), type: "escaped", placeholder: "\\r"}],
    scales: [...SERIAL,
      {key: "protocol", label: N_("Protocol"), type: "select", placeholder: "toledo8217", options: [["toledo8217", "Mettler Toledo 8217"]]},
      {key: "bytesize", label: N_("Data bits"), type: "select", int: true, placeholder: "7", options: [["7", "7"], ["8", "8"]]},
      {key: "parity", label: N_("Parity"), type: "select", placeholder: "E", options: [["E", "E"], ["O", "O"], ["N", "N"]]}],
    display: [...SERIAL,
      {key: "encoding", label: N_("Encoding"), placeholder: "cp866"},
      {key: "code_table", label: N_("Character table (ESC t n)"), type: "int", placeholder: "—"}],
    bank: [...SERIAL,
      {key: "protocol", label: N_("Protocol"), type: "select", placeholder: "jsonlines", options: [["jsonlines", "JSON lines"]]},
      {key: "pay_timeout", label: N_("Payment timeout, seconds"), type: "number", placeholder: N_("the till's pay_timeout")}],
    fiscal: [
      {key: "url", label: N_("ATOL web server"), placeholder: "http://127.0.0.1:16732"},
      {key: "protocol", label: N_("Protocol"), type: "select", placeholder: "atol-web", options: [["atol-web", "ATOL web"]]},
      {key: "taxation", label: N_("Taxation"), type: "select", placeholder: "osn",
        options: ["osn", "usnIncome", "usnIncomeOutcome", "esn", "patent"].map((x) => [x, x])},
      {key: "operator_vatin", label: N_("Operator's INN"), placeholder: "—"},
      {key: "poll", label: N_("Poll every, seconds"), type: "number", placeholder: "0.05"},
      {key: "timeout", label: N_("Timeout of a document, seconds"), type: "number", placeholder: "30"}],
  };
  const CHECK = {key: "check_interval", label: N_("Health check every, seconds (0: none)"), type: "number", placeholder: "10"};
  const kindOf = (name, table) => (table && typeof table.device === "string" ? table.device : name);
  const isOff = (table) => !!table && table.enabled === false;
  const fieldsOf = (kind) => [...(FIELDS[kind] || []), CHECK];

  function escape(text) { return String(text).replace(/\\/g, "\\\\").replace(/\r/g, "\\r").replace(/\n/g, "\\n").replace(/\t/g, "\\t"); }
  function unescape(text) { return text.replace(/\\([\\rnt])/g, (all, c) => ({r: "\r", n: "\n", t: "\t", "\\": "\\"})[c]); }
  function shown(f, value) {
    if (value === undefined || value === null) return "";
    if (f.type === "bool") return value ? "true" : "false";
    if (f.type === "escaped") return escape(value);
    return String(value);
  }

  /* A table in a line: "kind=network, host=10.0.0.5, port=9100" (or "turned off"). */
  function summary(table, kind) {
    if (isOff(table)) return el("span", {}, C.pill(t("turned off"), "warn"));
    const order = fieldsOf(kind).map((f) => f.key);
    const rank = (k) => (order.includes(k) ? order.indexOf(k) : order.length);
    const parts = Object.entries(table || {}).filter(([k]) => k !== "device" && k !== "enabled")
      .sort(([a], [b]) => rank(a) - rank(b))
      .map(([k, v]) => `${k}=${typeof v === "string" ? escape(v) : JSON.stringify(v)}`);
    return parts.join(", ") || el("span", {class: "muted", text: t("defaults")});
  }

  /* The typed value of field ``f`` as JSON wants it (undefined: empty, not sent); throws a
     message saying what to type. */
  function parse(f, raw) {
    const text = String(raw ?? "").trim();
    if (!text && f.type !== "escaped") return undefined;
    const what = t(f.label);
    if (f.type === "int" || f.int) {
      if (/^\d+$/.test(text)) return parseInt(text, 10);
      if (/^0x[0-9a-f]+$/i.test(text)) return parseInt(text, 16);
      throw new Error(t("{field}: {value} is not a whole number; type digits, e.g. {example}", {field: what, value: JSON.stringify(text), example: f.placeholder}));
    }
    if (f.type === "number") {
      const n = text.replace(",", ".");
      if (/^\d+(\.\d+)?$/.test(n)) return parseFloat(n);
      throw new Error(t("{field}: {value} is not a number; type e.g. {example}", {field: what, value: JSON.stringify(text), example: f.placeholder}));
    }
    if (f.type === "bool") return text === "true";
    if (f.type === "escaped") return raw === "" ? undefined : unescape(String(raw));
    return text;
  }

  /* The dialog adding or changing one device: ``name`` null for a new one; ``onDone(name,
     table)`` takes the table built from the filled fields. */
  function deviceDialog(name, table, taken, onDone) {
    const isNew = name === null;
    const start = table || {};
    let kind = kindOf(name || "printer", start);
    let typed = {name: name || "", off: isOff(start) ? "off" : "on"};
    for (const f of fieldsOf(kind)) typed[f.key] = shown(f, start[f.key]);
    const holder = el("div", {class: "device-editor-holder"});
    let dlg = null;

    function read(form) {
      const out = {...typed};
      for (const [k, input] of Object.entries(form.inputs)) out[k] = input.value;
      return out;
    }
    function render(focus) {
      const printerKind = kind === "printer" ? (typed.kind || "") : "";
      const off = typed.off === "off";
      const fields = [
        {name: "device", label: t("Device"), type: "select", value: kind, options: KINDS.map((k) => [k, label(k)]), disabled: !isNew},
        {name: "name", label: t("Name (its [till.devices.<name>] table)"), value: typed.name, placeholder: kind, disabled: !isNew},
        {name: "off", label: t("At the till"), type: "select", value: typed.off, options: [["on", t("used")], ["off", t("turned off")]],
          hint: t("Turned off: the till's own device of this name is not used either")},
        ...(off ? [] : fieldsOf(kind).filter((f) => !f.only || f.only.includes(printerKind)).map((f) => f.type === "select" || f.type === "bool"
          ? {name: f.key, label: t(f.label), type: "select", value: typed[f.key] ?? "",
            options: [["", t("default: {value}", {value: t(f.placeholder)})], ...(f.type === "bool" ? [["true", t("yes")], ["false", t("no")]] : f.options.map(([v, l]) => [v, t(l)]))]}
          : {name: f.key, label: t(f.label), value: typed[f.key] ?? "", placeholder: t(f.placeholder)})),
      ];
      const form = C.form(fields, isNew ? t("Add") : t("Done"), async (v) => {
        typed = read(form);
        const chosen = (isNew ? v.name.trim() : name) || kind;
        if (isNew && taken.includes(chosen)) throw new Error(t("A device named {name} is set here already: change that one, or give this one another name", {name: chosen}));
        if (chosen.includes("/")) throw new Error(t("A device name may not contain '/'"));
        const known = new Set(["device", "enabled", ...Object.values(FIELDS).flat().map((f) => f.key), CHECK.key]);
        /* keys this editor does not show are kept; a device turned off is only that */
        const next = off ? {} : Object.fromEntries(Object.entries(start).filter(([k]) => !known.has(k)));
        if (chosen !== kind) next.device = kind;
        if (off) next.enabled = false;
        else {
          for (const f of fieldsOf(kind).filter((x) => !x.only || x.only.includes(printerKind))) {
            const value = parse(f, v[f.key]);
            if (value !== undefined) next[f.key] = value;
          }
        }
        dlg.close();
        onDone(chosen, next);
      }, {class: "cols device-editor"});
      for (const key of ["device", "off", "kind"]) {
        const input = form.inputs[key];
        if (!input) continue;
        input.addEventListener("change", () => {
          typed = read(form);
          if (key === "device") {
            kind = input.value;
            for (const f of fieldsOf(kind)) if (!(f.key in typed)) typed[f.key] = "";
          }
          render(key);
        });
      }
      holder.replaceChildren(form);
      const target = focus ? form.inputs[focus] : null;
      if (target) target.focus();
    }
    render(null);
    dlg = C.dialog(isNew ? t("Add a device") : t("Device {name}", {name}), holder);
    return dlg;
  }

  /* The Devices part of a settings dialog. ``own``: the `devices` set here; opts: ``type``
     {id, devices} of a till's type, ``running`` a promise of the till's monitoring report (a
     till), ``may`` whether the reader may change them, ``onChange`` called after each change.
     ``value()`` is the `devices` to send. */
  function editor(own, opts) {
    const o = opts || {};
    let devices = {...(own || {})};
    const node = el("div", {class: "devices wide"});
    let running = null;
    let runningSettings = null;
    let runningError = null;

    function change(name) {
      deviceDialog(name, name === null ? null : devices[name], Object.keys(devices), (chosen, table) => {
        devices = {...devices, [chosen]: table};
        changed();
        focusRow(chosen);
      });
    }
    function focusRow(name) {
      const b = node.querySelector(`tr.device[data-name="${CSS.escape(name)}"] button`) || node.querySelector("button.add-device");
      if (b) b.focus();
    }
    function turnOff(name, kind) {
      devices = {...devices, [name]: {...(kind && kind !== name ? {device: kind} : {}), enabled: false}};
      changed();
      focusRow(name);
    }

    function changed() {
      render();
      if (o.onChange) o.onChange();
    }

    function render() {
      const names = Object.keys(devices).sort();
      const ownTable = el("table", {class: "grid devices-own"},
        el("thead", {}, el("tr", {}, [N_("Device name"), N_("Device"), N_("Settings"), ""].map((h) => el("th", {text: h ? t(h) : ""})))),
        el("tbody", {}, names.length ? names.map((name) => el("tr", {class: "device", dataset: {name}},
          el("td", {}, el("b", {text: name})), el("td", {text: label(kindOf(name, devices[name]))}),
          el("td", {class: "device-settings"}, summary(devices[name], kindOf(name, devices[name]))),
          el("td", {class: "device-actions"}, o.may ? [
            isOff(devices[name]) ? null : C.button(t("Edit"), () => change(name), {class: "change-device"}),
            C.button(t("Remove"), () => { const rest = {...devices}; delete rest[name]; devices = rest; changed(); focusRow(""); },
              {class: "danger remove-device", title: t("Not set here any more: the type's or the till's own device of this name is used")}),
          ] : null)))
        : el("tr", {}, el("td", {colspan: 4, class: "empty", text: t("None set here")}))));
      const parts = [el("h3", {text: t("Devices")}),
        el("p", {class: "muted", text: o.running
          ? t("A device set here replaces the till's own device of the same name, and its type's; the till's other devices stay. The till applies a change between receipts.")
          : t("The tills of this type get these devices; a till's own device of the same name wins. A till's file keeps its other devices.")}),
        ownTable,
        o.may ? el("div", {class: "buttons"}, C.button(t("Add a device"), () => change(null), {class: "add-device"})) : null];
      const typeDevices = (o.type && o.type.devices) || {};
      if (o.type && Object.keys(typeDevices).length) {
        parts.push(el("h3", {text: t("Set by its type {type}", {type: o.type.id})}),
          el("table", {class: "grid devices-type"}, el("tbody", {}, Object.keys(typeDevices).sort().map((name) => el("tr", {dataset: {name}},
            el("td", {}, el("b", {text: name})), el("td", {text: label(kindOf(name, typeDevices[name]))}),
            el("td", {}, summary(typeDevices[name], kindOf(name, typeDevices[name])), name in devices ? el("small", {class: "muted", text: " (" + t("replaced by its own") + ")"}) : null))))));
      }
      if (o.running) parts.push(el("h3", {text: t("At the till now")}), runningPart());
      node.replaceChildren(...parts);
    }

    /* Where the till's device settings stand (its report's `device_settings`): the change
       saved here waiting for the receipt to close, or refused by the till, and when the last
       change was applied. */
    function settingsPart() {
      const s = runningSettings;
      if (!s) return [];
      const out = [];
      if (s.refused) {
        out.push(el("p", {class: "device-settings-refused"}, C.pill(t("refused"), "bad"), " ",
          t("The till does not use the devices set on this server: {error}", {error: s.refused})));
      }
      if (s.pending) {
        const changes = Object.entries(s.pending.changes || {}).sort()
          .map(([name, how]) => `${name}: ${CHANGES[how] ? t(CHANGES[how]) : how}`).join(", ");
        out.push(el("p", {class: "device-settings-pending"}, C.pill(t("waits"), "warn"), " ",
          t("The devices' change ({devices}) waits since {time}: {why}", {devices: changes || "—", time: clock(s.pending.since), why: s.pending.waits_for || "—"}),
          el("br"), el("small", {class: "muted device-settings-hint",
            text: s.pending.hint || t("The till applies it by itself between receipts.")})));
      }
      if (s.applied_at && !s.pending) {
        out.push(el("p", {class: "device-settings-applied muted", text: t("The last change was applied at {time}", {time: clock(s.applied_at)})}));
      }
      return out;
    }

    function runningPart() {
      if (runningError) return el("p", {class: "muted", text: runningError});
      if (!running) return el("p", {class: "muted", text: t("Loading…")});
      const names = Object.keys(running).sort();
      if (!names.length) return el("p", {class: "muted", text: t("The till has reported no device yet")});
      return el("div", {class: "devices-at-till"}, ...settingsPart(), el("table", {class: "grid devices-running"}, el("tbody", {}, names.map((name) => {
        const d = running[name] || {};
        const kind = d.kind || kindOf(name, devices[name]);
        return el("tr", {dataset: {name}},
          el("td", {}, el("b", {text: name})), el("td", {text: label(kind)}),
          el("td", {}, C.pill(STATES[d.state] ? t(STATES[d.state]) : String(d.state || "—"), d.state === "ok" ? "ok" : d.state === "error" ? "bad" : "warn"),
            d.source ? el("small", {class: "muted", text: " " + (d.source === "server" ? t("from this server") : d.source === "file" ? t("from the till's file") : String(d.source))}) : null,
            d.error ? el("small", {class: "muted", text: ` ${d.error}`}) : null),
          el("td", {class: "device-actions"}, o.may && !(name in devices)
            ? C.button(t("Turn off"), () => turnOff(name, kind), {class: "turn-off", title: t("Set here: this device turned off at the till")}) : null));
      }))));
    }

    if (o.running) {
      o.running.then((report) => { running = (report && report.devices) || {}; runningSettings = (report && report.device_settings) || null; render(); },
        (err) => { runningError = err && err.status === 404 ? t("The till has not reported yet") : (err && err.message) || String(err); render(); });
    }
    render();
    return {node, value: () => ({...devices}), setType: (type) => { o.type = type; render(); }};
  }

  S.devices = {LABELS, STATES, editor, summary, label};
})();
