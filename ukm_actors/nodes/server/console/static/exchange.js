/* Exchange with the trade system: import history (a failed file's report in place, with what
   it asks for), export status, exporting a period again; and the audit log. */
"use strict";

(() => {
  const {t, N_, el} = C;
  const STATUS = {loaded: "ok", failed: "bad", skipped: "warn", ignored: "", waiting: "info"};
  const WORDS = {loaded: N_("loaded"), failed: N_("failed"), skipped: N_("skipped"), ignored: N_("ignored"),
    waiting: N_("waiting"), ok: N_("ok"), failing: N_("failing"), behind: N_("behind"), unknown: N_("unknown")};
  const word = (w) => t(WORDS[w] || w);

  async function exchange(view, params) {
    const page = parseInt(params.get("page") || "1", 10);
    const [imports, mon] = await Promise.all([C.get(`imports?page=${page}&per_page=25`), C.get("monitoring")]);
    const rows = imports.imports;
    const table = C.table([
      {title: N_("Finished"), value: (r) => C.time(r.finished_at)},
      {title: N_("File"), value: (r) => r.file},
      {title: N_("Type"), value: (r) => r.type || "—"},
      {title: N_("Store"), value: (r) => r.store || ""},
      {title: N_("No."), class: "num", value: (r) => r.number ?? ""},
      {title: N_("Full"), value: (r) => r.fullness === "F" ? t("full") : r.fullness === "I" ? t("changes") : ""},
      {title: N_("Records"), class: "num", value: (r) => r.records ?? ""},
      {title: N_("Changes"), class: "num", value: (r) => r.changes ?? ""},
      {title: N_("Took"), class: "num", value: (r) => r.duration_s === null || r.duration_s === undefined ? "" : t("{n} s", {n: r.duration_s})},
      {title: N_("Result"), value: (r) => el("span", {}, C.pill(word(r.status), STATUS[r.status] || ""),
        r.warnings.length ? C.pill(t("{n} notes", {n: r.warnings.length}), "warn") : null)},
    ], rows, {empty: N_("No file has been imported yet"), rowClass: (r) => r.status === "failed" ? "bad import" : "import",
      onRow: (r) => toggleReport(r)});
    const reports = el("div", {id: "import-report"});
    function toggleReport(r) {
      const body = [
        el("h3", {text: `${r.file} — ${word(r.status)}`}),
        r.error ? el("div", {class: "error", role: "alert"}, ...errorParts(r)) : null,
        r.warnings.length ? el("div", {}, el("b", {text: t("What was assumed while reading")}),
          el("ul", {}, r.warnings.map((w) => el("li", {text: w})))) : null,
        !r.error && !r.warnings.length ? el("p", {class: "muted", text: t("Nothing to report")}) : null,
      ];
      reports.replaceChildren(C.section(null, ...body));
      reports.scrollIntoView({block: "nearest"});
    }
    const exp = mon.export || {};
    const exportBox = C.section(t("Export to the trade system"), el("dl", {class: "facts", id: "export-state"},
      fact(t("State"), C.pill(word(exp.state || "unknown"), exp.state === "ok" ? "ok" : "warn")),
      fact(t("Folder"), exp.folder || "—"), fact(t("Waiting"), exp.pending ?? "—"),
      exp.error ? fact(t("Error"), exp.error) : null,
      exp.last_written_at ? fact(t("Last written"), C.time(exp.last_written_at)) : null),
      C.readOnly("manager"),
      C.can("manager") ? C.form([
        {name: "since", label: t("From (a date)"), type: "date", required: true},
        {name: "until", label: t("To (a date, included)"), type: "date"},
        {name: "stores", label: t("Stores (codes, comma-separated; empty: as configured)")},
      ], t("Export this period again"), async (v, node) => {
        const body = {since: v.since};
        if (v.until) body.until = v.until;
        const stores = v.stores.split(",").map((s) => s.trim()).filter(Boolean);
        if (stores.length) body.stores = stores;
        const r = await C.send("POST", "exports", body);
        node.querySelector(".result")?.remove();
        node.append(el("div", {class: "done result"}, t("{n} documents written", {n: r.total}),
          r.held.length ? el("small", {text: t("Shift closes waiting for receipts: {list}", {list: r.held.join(", ")})}) : null,
          r.failed.length ? el("small", {text: r.failed.join("; ")}) : null));
      }, {class: "inline reexport"}) : null,
      el("p", {class: "muted", text: t("Files keep their documented names, so files already in the folder are replaced.")}));
    view.replaceChildren(C.section(t("Imports"), table, C.pager(imports, (n) => C.go("exchange", {page: n}))), reports, exportBox);
  }

  /* A refused file's report (docs/exchange.md §1.3), shown as where, what and the action it
     asks for: the API's report (in the reader's language: line, field, reason, hint; without a
     hint the action is after the reason's last "; "), or for a row recorded before reports
     were kept, its English text "<file> line <n>, field <f>: <reason>; <what to do>". */
  function errorParts(r) {
    let line = null, field = null, reason = String(r.error), hint = null;
    if (r.report) ({line, field, reason, hint} = r.report);
    else {
      const m = reason.match(/^(\S+?)(?: line (\d+))?(?:, field ([^:]+))?: ([\s\S]*)$/);
      if (m) [line, field, reason] = [m[2] || null, m[3] || null, m[4]];
    }
    const cut = hint ? -1 : reason.lastIndexOf("; ");
    const what = cut > 0 ? reason.slice(0, cut) : reason;
    const action = hint || (cut > 0 ? reason.slice(cut + 2)
      : t("correct the file in the trade system and send it again; nothing of it was loaded"));
    return [
      line ? el("div", {class: "where", text: field ? t("line {line}, field {field}", {line, field}) : t("line {line}", {line})}) : null,
      el("div", {class: "what", text: what}),
      el("small", {class: "action"}, el("b", {text: t("What to do: ")}), action),
      el("small", {class: "muted", text: t("The file is in the failed folder with this report beside it (.error.txt).")}),
    ];
  }
  function fact(label, value) { return [el("dt", {text: label}), el("dd", {}, value ?? "—")]; }

  /* ---- audit log ---- */
  async function audit(view, params) {
    const q = {who: params.get("who") || "", action: params.get("action") || "", target: params.get("target") || ""};
    const page = parseInt(params.get("page") || "1", 10);
    const query = new URLSearchParams({page, per_page: 50});
    for (const [k, v] of Object.entries(q)) if (v) query.set(k, v);
    const data = await C.get(`audit?${query}`);
    const filter = C.form([
      {name: "who", label: t("Who (login)"), value: q.who},
      {name: "action", label: t("What (e.g. item.update, or item. for all item changes)"), value: q.action},
      {name: "target", label: t("On what"), value: q.target},
    ], t("Show"), async (v) => C.go("audit", {...v, page: 1}), {class: "inline audit-filter"});
    const summary = (x) => x ? el("code", {text: JSON.stringify(x).slice(0, 300)}) : "";
    view.replaceChildren(C.section(t("Audit log"), filter, C.table([
      {title: N_("When"), value: (e) => C.time(e.at)}, {title: N_("Who"), value: (e) => e.who},
      {title: N_("What"), value: (e) => e.action}, {title: N_("On what"), value: (e) => e.target},
      {title: N_("Before"), value: (e) => summary(e.before)}, {title: N_("After"), value: (e) => summary(e.after)},
    ], data.entries, {rowClass: () => "entry"}), C.pager(data, (n) => C.go("audit", {...q, page: n}))));
  }

  C.page("exchange", {title: N_("Exchange"), render: exchange});
  C.page("audit", {title: N_("Audit"), role: "manager", render: audit});
})();
