// The analyst's page: read-only queries with parameters, a result table, CSV, the reports.
"use strict";

(() => {
  const { api, say, download, el, start } = Outreach;

  function addParam(name = "", value = "") {
    const holder = document.getElementById("params");
    const index = holder.children.length;
    const row = el("div", undefined, { class: "param" });
    const nameId = `param-name-${index}`;
    const valueId = `param-value-${index}`;
    row.append(
      el("label", "Name", { for: nameId }),
      Object.assign(el("input", undefined, { id: nameId, class: "param-name" }), { value: name }),
      el("label", "Value (JSON, or plain text)", { for: valueId }),
      Object.assign(el("input", undefined, { id: valueId, class: "param-value" }), { value }),
    );
    holder.appendChild(row);
  }

  function parameters() {
    const params = {};
    document.querySelectorAll("#params .param").forEach((row) => {
      const name = row.querySelector(".param-name").value.trim();
      if (!name) return;
      const raw = row.querySelector(".param-value").value;
      try { params[name] = JSON.parse(raw); } catch { params[name] = raw; }
    });
    return params;
  }

  function body(format) {
    return {
      query: document.getElementById("query").value,
      parameters: parameters(),
      limit: Number(document.getElementById("limit").value) || 1000,
      format,
    };
  }

  function cell(value) {
    if (value === null || value === undefined) return "";
    return typeof value === "object" ? JSON.stringify(value) : String(value);
  }

  async function run() {
    try {
      const result = await api("/analytics/cypher", { method: "POST", json: body("json") });
      const head = el("tr");
      result.columns.forEach((column) => head.appendChild(el("th", column, { scope: "col" })));
      document.querySelector("#results thead").replaceChildren(head);
      document.querySelector("#results tbody").replaceChildren(...result.rows.map((row) => {
        const tr = el("tr");
        result.columns.forEach((column, i) => tr.appendChild(el("td", cell(Array.isArray(row) ? row[i] : row[column]))));
        return tr;
      }));
      document.getElementById("meta").textContent =
        `${result.rows.length} rows${result.truncated ? " (truncated at the limit)" : ""}, ${result.elapsed_ms} ms`;
      say("");
    } catch (error) {
      say(error.message, true);
    }
  }

  async function main(me) {
    if (!["analyst", "admin", "organizer"].includes(me.role)) {
      say("This page is for analysts.", true);
      return;
    }
    addParam("state", "\"WI\"");
    document.getElementById("add-param").addEventListener("click", () => addParam());
    document.getElementById("query-form").addEventListener("submit", (event) => { event.preventDefault(); run(); });
    document.getElementById("csv").addEventListener("click", () =>
      download("/analytics/cypher", { method: "POST", json: body("csv") }, "query.csv").catch((e) => say(e.message, true)));
    document.querySelectorAll("[data-report]").forEach((button) => {
      button.addEventListener("click", () =>
        download(`/analytics/${button.dataset.report}?format=csv`, {}, `${button.dataset.report}.csv`).catch((e) => say(e.message, true)));
    });
    if (me.role === "organizer") {
      document.getElementById("query-form").querySelectorAll("button, textarea, input").forEach((n) => { n.disabled = true; });
    }
  }

  start(main);
})();
