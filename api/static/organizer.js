// The organizer's page: targets and weights one at a time, caps, re-rank, charts, history.
"use strict";

(() => {
  const { api, say, waitJob, el, start } = Outreach;
  let current = null;
  let sortBy = "weight";

  async function main(me) {
    if (!["organizer", "admin", "analyst"].includes(me.role)) {
      say("This page is for organizers.", true);
      return;
    }
    wire(me.role === "analyst");
    await Promise.all([loadSettings(), loadCharts(), loadHistory(), loadInputs()]);
  }

  async function loadSettings() {
    current = await api("/organizer/settings");
    const s = current.settings;
    for (const name of ["k", "n", "support_floor", "holdout_share"]) {
      document.getElementById(name).value = s[name];
    }
    renderTargets();
  }

  function renderTargets() {
    const s = current.settings;
    const rows = s.targets.map((code) => ({ code, weight: s.weights[code] ?? 0 }));
    rows.sort((a, b) => (sortBy === "code" ? a.code.localeCompare(b.code) : b.weight - a.weight));
    const body = document.querySelector("#targets tbody");
    body.replaceChildren(...rows.map(({ code, weight }) => {
      const row = el("tr", undefined, { "data-code": code });
      row.appendChild(el("th", code, { scope: "row" }));
      row.appendChild(el("td", weight.toFixed(3), { class: "weight" }));
      const cell = el("td");
      const inputId = `weight-${code}`;
      cell.appendChild(el("label", `New weight for ${code}`, { for: inputId, class: "visually-hidden" }));
      const input = el("input", undefined, { id: inputId, type: "number", min: "0", step: "0.01", value: weight.toFixed(3) });
      const save = el("button", "Save", { type: "button", class: "secondary" });
      save.addEventListener("click", () => changeWeight(code, Number(input.value)));
      cell.append(input, save);
      row.appendChild(cell);
      return row;
    }));
  }

  async function change(changes, what) {
    try {
      current = await api("/organizer/settings", { method: "PATCH", json: changes });
      renderTargets();
      document.getElementById("rerank-needed").hidden = false;
      say(`${what} saved as version ${current.version}. Re-rank to apply it.`);
      await loadHistory();
    } catch (error) {
      const fields = ((error.problem && error.problem.errors) || []).map((e) => `${e.field}: ${e.reason}`);
      say([error.message, ...fields].join(" "), true);
    }
  }

  function changeWeight(code, value) {
    const weights = Object.assign({}, current.settings.weights, { [code]: value });
    return change({ weights }, `Weight of ${code}`);
  }

  async function rerank() {
    const progress = document.getElementById("rerank-progress");
    const bar = document.getElementById("rerank-bar");
    const label = document.getElementById("rerank-label");
    progress.hidden = false;
    bar.removeAttribute("value");
    try {
      const accepted = await api("/organizer/rerank", { method: "POST" });
      const job = await waitJob(accepted.job_id, (j) => {
        const c = j.counts || {};
        if (c.partitions) bar.value = Math.round((100 * (c.partitions_scored || 0)) / c.partitions);
        label.textContent = `Re-ranking: ${j.status}`;
      });
      if (job.status !== "succeeded") throw new Error(job.message || "the re-rank failed");
      document.getElementById("rerank-needed").hidden = true;
      say(`Re-ranked: ${job.counts.assigned} friends assigned to ${job.counts.supporters} supporters.`);
      await Promise.all([loadCharts(), loadInputs()]);
    } catch (error) {
      say(error.message, true);
    } finally {
      progress.hidden = true;
    }
  }

  async function loadCharts() {
    const [reach, funnel, expected, lift] = await Promise.all([
      api("/analytics/reach-by-state"),
      api("/analytics/funnel?by=day"),
      api("/organizer/reports/expected-votes"),
      api("/analytics/lift"),
    ]);
    const geos = reach.rows.map((r) => r.geo);
    const bar = (name, key) => ({ type: "bar", name, x: geos, y: reach.rows.map((r) => r[key]) });
    const layout = (title, y) => ({
      title: { text: title }, barmode: "group", margin: { t: 40, r: 10, l: 50, b: 40 },
      yaxis: { title: { text: y } }, legend: { orientation: "h" },
    });
    const config = { displaylogo: false, responsive: true };
    Plotly.react("chart-coverage", [
      bar("Reachable friends", "reachable"), bar("Assigned", "assigned"), bar("Asked", "asked"),
      bar("Will vote", "will_vote"),
    ], layout("Coverage by state", "friends"), config);
    const days = funnel.by_day || [];
    const line = (name, key) => ({ type: "scatter", mode: "lines+markers", name, x: days.map((d) => d.day), y: days.map((d) => d[key]) });
    Plotly.react("chart-outcomes", [
      line("Friends asked", "friends"), line("Will vote", "will_vote"), line("Not interested", "not_interested"),
    ], Object.assign(layout("Asks and outcomes by day", "friends"), { xaxis: { type: "category" } }), config);
    const states = expected.by_state || [];
    Plotly.react("chart-expected", [
      { type: "bar", name: "Expected net votes", x: states.map((r) => r.state), y: states.map((r) => r.expected_net_votes) },
      { type: "bar", name: "Weighted value", x: states.map((r) => r.state), y: states.map((r) => r.weighted_value) },
    ], layout("Expected net votes by state", "votes"), config);
    const traces = [{
      type: "bar", name: "Positive answers", x: ["Assigned", "Held out"],
      y: [lift.assigned.rate, lift.held_out.rate],
    }];
    if (lift.difference !== null) {
      traces.push({
        type: "bar", name: "Difference, 95% interval", x: ["Difference"], y: [lift.difference],
        error_y: { type: "data", symmetric: false, array: [lift.ci_high - lift.difference], arrayminus: [lift.difference - lift.ci_low] },
      });
    }
    Plotly.react("chart-lift", traces, layout("Lift against the holdout", "share of friends"), config);
    const warnings = expected.warnings || [];
    document.getElementById("warning-list").replaceChildren(...warnings.map((w) => el("li", typeof w === "string" ? w : w.message || JSON.stringify(w))));
    document.getElementById("warnings-card").hidden = warnings.length === 0;
    const votes = expected.expected_net_votes;
    document.getElementById("expected").textContent =
      votes === undefined ? "" : `Expected net votes from every assigned ask: ${votes} votes (model estimate; ${expected.asks_assigned} asks); weighted value ${expected.weighted_value} ${expected.weighted_value_unit || ""}.`;
    document.getElementById("lift").textContent = lift.difference === null
      ? "Lift against the holdout: not enough outcomes yet."
      : `Lift against the holdout: ${(100 * lift.difference).toFixed(1)} points (95% interval ${(100 * lift.ci_low).toFixed(1)} to ${(100 * lift.ci_high).toFixed(1)}).`;
  }

  const pct = (part, whole) => (whole ? `${Math.round((100 * part) / whole)}%` : "–");

  async function loadInputs() {
    const [inputs, power] = await Promise.all([
      api("/organizer/reports/model-inputs"),
      api("/organizer/reports/holdout-power"),
    ]);
    const all = inputs.friends;
    document.getElementById("inputs-summary").textContent = all.friends
      ? `${all.friends} friends in the targets. Support: ${pct(all.support_score, all.friends)} from a model score, ${pct(all.support_party, all.friends)} from party registration, ${pct(all.support_prior, all.friends)} only from the prior for a supporter's friend (${inputs.support_prior}). Turnout imputed from age for ${pct(all.turnout_imputed, all.friends)}.`
      : "No friends in the targets yet.";
    const row = (name, c) => {
      const tr = el("tr");
      tr.appendChild(el("th", name, { scope: "row" }));
      tr.appendChild(el("td", String(c.friends)));
      for (const key of ["support_score", "support_party", "support_prior", "turnout_imputed"]) {
        tr.appendChild(el("td", `${c[key]} (${pct(c[key], c.friends)})`));
      }
      return tr;
    };
    document.querySelector("#inputs tbody").replaceChildren(
      ...inputs.by_state.map((c) => row(c.state, c)),
    );
    const units = power.randomized_by === "household" ? "households" : "friends";
    const mde = power.minimum_detectable_lift;
    document.getElementById("power").textContent =
      `Held out: ${power.held_out.friends} friends (${power.held_out.units} ${units}); would-be assigned: ${power.treated.friends} friends (${power.treated.units} ${units}); holdout share ${power.holdout_share}. ` +
      (mde === null
        ? "Too few friends yet to detect any lift in turnout."
        : `Smallest rise in turnout it can detect: ${(100 * mde).toFixed(1)} points (${Math.round(100 * power.power)}% power, two-sided ${power.alpha}, base rate ${Math.round(100 * power.base_rate)}%).`);
    document.getElementById("power-shares").replaceChildren(...Object.entries(power.share_to_detect).map(([lift, share]) =>
      el("li", share === null
        ? `A ${(100 * Number(lift)).toFixed(0)}-point lift: no holdout share detects it at this size.`
        : `A ${(100 * Number(lift)).toFixed(0)}-point lift needs a holdout share of ${share}.`)));
  }

  async function loadHistory() {
    const versions = await api("/organizer/settings/history");
    const list = document.getElementById("history");
    list.replaceChildren(...versions.map((v) => {
      const item = el("li", `Version ${v.version} by ${v.author || "unknown"}, ${v.created_at || ""}`);
      const changes = v.changes || [];
      if (changes.length) {
        const list = el("ul", undefined, { class: "small changes" });
        const show = (value) => (value === null || value === undefined ? "not set" : JSON.stringify(value));
        changes.forEach((c) => list.appendChild(el("li", `${c.path}: ${show(c.before)} → ${show(c.after)}`)));
        item.appendChild(list);
      }
      return item;
    }));
  }

  function wire(readOnly) {
    document.querySelectorAll("#targets th button").forEach((button) => {
      button.addEventListener("click", () => { sortBy = button.dataset.sort; renderTargets(); });
    });
    document.getElementById("caps").addEventListener("submit", (event) => {
      event.preventDefault();
      const form = new FormData(event.target);
      const changes = {};
      for (const [name, value] of form.entries()) changes[name] = Number(value);
      change(changes, "Caps");
    });
    document.getElementById("rerank").addEventListener("click", rerank);
    if (readOnly) document.querySelectorAll("button, input").forEach((node) => { node.disabled = true; });
  }

  start(main);
})();
