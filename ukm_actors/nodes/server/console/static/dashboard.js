/* Dashboard: every till of every store, alerts, and the host's CPU, memory and disk. */
"use strict";

(() => {
  const {t, N_, el} = C;

  const COLUMNS = [
    {title: N_("Store"), value: (r) => r.store},
    {title: N_("Till"), value: (r) => el("span", {}, el("b", {text: String(r.number ?? "")}), " ", el("small", {class: "muted", text: r.node_id}))},
    {title: N_("State"), value: (r) => !r.enabled ? C.pill(t("disabled"), "") : r.online
      ? C.pill(t("online"), "online") : C.pill(t("offline"), "offline")},
    {title: N_("Last contact"), value: (r) => r.last_contact
      ? el("span", {title: C.time(r.last_contact)}, t("{age} ago", {age: C.age(r.silent_s)})) : t("never")},
    {title: N_("To the till"), class: "num", value: (r) => waiting(r.to_till.pending, r.to_till.oldest_age_s)},
    {title: N_("From the till"), class: "num", value: (r) => waiting(r.from_till.pending, r.from_till.oldest_age_s)},
    {title: N_("Version"), value: (r) => r.version || "—"},
    {title: N_("Devices"), value: (r) => S.devicePills(r.devices)},
    {title: N_("Shift"), value: (r) => !r.shift ? "—" : r.shift.open
      ? el("span", {}, C.pill(t("open"), "info"), t("No. {n}", {n: r.shift.number}), r.shift.cashier ? el("small", {class: "muted", text: ` ${r.shift.cashier}`}) : null)
      : t("closed")},
  ];

  function waiting(pending, oldest) {
    if (pending === null || pending === undefined) return "—";
    if (!pending) return "0";
    return el("span", {}, el("b", {text: String(pending)}), " ", el("small", {class: "muted", text: t("oldest {age}", {age: C.age(oldest)})}));
  }

  /* Each alert kind (docs/admin-api.md, Monitoring) as the reader reads it; the server's own
     text stays in the row's tooltip. The age is counted from the alert's start. */
  const since = (a) => (Date.now() - new Date(a.since).getTime()) / 1000;
  const after = (text, mark) => { const i = text.indexOf(mark); return i < 0 ? text : text.slice(i + mark.length); };
  const ALERTS = {
    "till.offline": [N_("Till offline"), (a) => (/never/.test(a.message) ? t("{till} has never contacted the server", {till: a.subject})
      : t("{till} has been silent for {age}", {till: a.subject, age: C.age(since(a))}))],
    "till.behind": [N_("Delivery stuck"), (a) => t("{till}: a document has waited {age} for delivery", {till: a.subject, age: C.age(since(a))})],
    "till.device": [N_("Device fault"), (a) => t("{device}: {error}", {device: a.subject, error: after(a.message, ": ")})],
    "till.fiscal": [N_("Fiscal register"), (a) => a.message],
    "till.devices": [N_("Devices refused"), (a) => a.message],
    "export.failing": [N_("Export fails"), (a) => t("the export folder cannot be written: {error}", {error: a.message})],
    "export.behind": [N_("Export behind"), (a) => t("documents wait for export, the oldest for {age}", {age: C.age(since(a))})],
    "bridge.parked": [N_("Parked documents"), (a) => t("documents from tills could not be applied and are parked: {what}", {what: a.message})],
    "import.failed": [N_("Import refused"), (a) => el("span", {}, t("{file} was refused: {error}", {file: a.subject,
      error: after(a.message, "refused: ").replace(a.subject, "").replace(/^[\s,:]+/, "")}), " ",
      el("a", {href: "#/exchange", text: t("the report")}))],
  };
  const ALERT_COLUMNS = [
    {title: N_("Started"), value: (a) => C.time(a.since)},
    {title: N_("Alert"), value: (a) => C.pill(ALERTS[a.kind] ? t(ALERTS[a.kind][0]) : a.kind, "bad")},
    {title: N_("Where"), value: (a) => a.subject},
    {title: N_("What"), value: (a) => el("span", {title: a.message}, ALERTS[a.kind] ? ALERTS[a.kind][1](a) : a.message)},
  ];

  async function render(view, params, life) {
    const hours = params.get("hours") || "6";
    const summary = el("div", {class: "summary"});
    const tills = el("div", {id: "tills"});
    const alerts = el("div", {id: "alerts"});
    const charts = el("div", {class: "row", id: "charts"});
    const hoursSelect = el("select", {onchange: () => C.go("dashboard", {hours: hoursSelect.value})},
      ["1", "6", "24", "48"].map((h) => el("option", {value: h, selected: h === hours ? true : null, text: t("{n} h", {n: h})})));
    view.replaceChildren(summary,
      C.section(t("Tills"), tills),
      C.section(t("Alerts"), alerts),
      C.section(t("Host"), el("div", {class: "toolbar"}, el("label", {class: "field"}, el("span", {text: t("Last")}), hoursSelect)), charts));

    async function refresh() {
      const snap = await C.get("monitoring");
      if (!life.alive()) return;
      const s = snap.summary;
      summary.replaceChildren(
        stat(t("Tills"), s.tills, ""),
        stat(t("Online"), s.online, "ok"),
        stat(t("Offline"), s.offline, s.offline ? "bad" : ""),
        stat(t("Alerts"), s.alerts, s.alerts ? "bad" : ""),
        stat(t("Database"), t("{n} MB", {n: Math.round(snap.database.size_bytes / 1048576)}), ""),
        stat(t("Updated"), C.time(snap.generated_at).slice(11), ""));
      tills.replaceChildren(C.table(COLUMNS, snap.tills, {
        empty: N_("No till is registered"),
        rowClass: (r) => (r.enabled && !r.online ? "offline" : null),
      }));
      for (const tr of tills.querySelectorAll("tbody tr")) {
        const i = [...tr.parentNode.children].indexOf(tr);
        if (snap.tills[i]) tr.dataset.till = snap.tills[i].node_id;
      }
      alerts.replaceChildren(C.table(ALERT_COLUMNS, snap.alerts, {empty: N_("No alerts"), rowClass: (a) => `alert ${a.kind.replace(".", "-")}`}));
    }
    async function refreshCharts() {
      const data = await C.get(`monitoring/host/history?hours=${encodeURIComponent(hours)}`);
      if (!life.alive()) return;
      const now = Date.now();
      const from = now - parseFloat(hours) * 3600 * 1000;
      const pts = (key) => data.samples.filter((p) => p[key] !== null).map((p) => [p.at_ms, p[key]]);
      charts.replaceChildren(
        C.chart(t("CPU"), [{name: N_("CPU"), points: pts("cpu_percent"), class: "cpu"}], {from, to: now}),
        C.chart(t("Memory"), [{name: N_("Memory"), points: pts("memory_percent"), class: "memory"}], {from, to: now}),
        C.chart(t("Disk"), [{name: N_("Disk"), points: pts("disk_percent"), class: "disk"}], {from, to: now}));
    }
    await Promise.all([refresh(), refreshCharts()]);
    life.every(5, refresh);
    life.every(60, refreshCharts);
  }

  function stat(label, value, kind) {
    return el("div", {class: `stat ${kind}`}, el("span", {class: "muted", text: label}), el("b", {text: String(value)}));
  }

  C.page("dashboard", {title: N_("Dashboard"), render});
})();
