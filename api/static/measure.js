// The organizer's measurement cards: message experiments, teams and coverage, turnout lift.
"use strict";

(() => {
  const { api, say, el, start } = Outreach;
  const VERDICTS = {
    lift: "Turnout rose: the interval lies above zero.",
    drop: "Turnout fell: the interval lies below zero.",
    no_detectable_effect: "No effect found, and the sample was large enough to find one.",
    too_small_to_conclude: "Too small to conclude.",
    no_data: "No data: an arm is empty, or no vote history holds this election.",
  };
  const pct = (x) => (x === null || x === undefined ? "–" : `${(100 * x).toFixed(1)}%`);
  const pts = (e) => (e ? `${(100 * e.estimate).toFixed(1)} points (${(100 * e.ci_low).toFixed(1)} to ${(100 * e.ci_high).toFixed(1)})` : "–");
  let readOnly = false;
  let variants = 0;
  let shown = null;
  // Each read of the experiments takes a ticket; an answer that arrives after a later read
  // began is dropped, so a slow first load cannot paint over the experiment just started.
  let ticket = 0;

  async function main(me) {
    if (!["organizer", "admin", "analyst"].includes(me.role)) return;
    readOnly = me.role === "analyst";
    wire();
    addVariant(); addVariant();
    const settings = await api("/organizer/settings");
    document.getElementById("turnout-election").value = settings.settings.election_date;
    await Promise.all([loadExperiments(), loadTeams(), loadCoverage(), loadLift()]);
    if (readOnly) {
      document.querySelectorAll("#experiments-card form *, #teams-card form *, #experiment-report button")
        .forEach((node) => { node.disabled = true; });
    }
  }

  function addVariant() {
    if (variants >= 6) return;
    const n = variants++;
    const letter = String.fromCharCode(65 + n);
    const box = el("fieldset", undefined, { class: "variant" });
    box.appendChild(el("legend", `Variant ${letter}`));
    const field = (name, label, tag, value) => {
      const id = `variant-${n}-${name}`;
      box.appendChild(el("label", label, { for: id }));
      const input = el(tag, undefined, { id, name: `${name}-${n}`, maxlength: "600" });
      if (tag === "textarea") input.rows = 2;
      input.value = value;
      if (name !== "fallback") input.required = true;
      box.appendChild(input);
    };
    field("name", `Name of variant ${letter}`, "input", letter === "A" ? "Deadline" : `Variant ${letter}`);
    field("template", `Message of variant ${letter}`, "textarea",
      letter === "A" ? "Hi {first_name}! {state} closes registration on {deadline}. Are you registered?"
        : "Hi {first_name}, it's {supporter_name}. Got a plan to vote?");
    field("fallback", `Fallback of variant ${letter}`, "textarea", "Hi {first_name}! Are you planning to vote this year?");
    document.getElementById("variant-fields").appendChild(box);
  }

  async function createExperiment(event) {
    event.preventDefault();
    const form = new FormData(event.target);
    const body = {
      name: form.get("name"),
      share: Number(form.get("share")),
      success: form.getAll("success"),
      thompson: form.get("thompson") !== null,
      variants: [],
    };
    for (let n = 0; n < variants; n += 1) {
      const variant = { name: form.get(`name-${n}`), template: form.get(`template-${n}`) };
      if (form.get(`fallback-${n}`)) variant.fallback = form.get(`fallback-${n}`);
      body.variants.push(variant);
    }
    try {
      const made = await api("/organizer/experiments", { method: "POST", json: body });
      say(`Experiment "${made.name}" started: supporters' lists show its variants now.`);
      await loadExperiments(made.id);
    } catch (error) {
      const fields = ((error.problem && error.problem.errors) || []).map((e) => `${e.field}: ${e.reason}`);
      say([error.message, ...fields].join(" "), true);
    }
  }

  async function loadExperiments(selected) {
    const mine = ++ticket;
    const list = await api("/organizer/experiments");
    if (mine !== ticket) return;
    const select = document.getElementById("experiment-select");
    select.replaceChildren(...list.map((x) => el("option", `${x.name} (${x.status})`, { value: x.id })));
    if (selected) select.value = selected;
    if (list.length === 0) {
      select.appendChild(el("option", "No experiments yet", { value: "" }));
      document.getElementById("experiment-report").hidden = true;
      return;
    }
    await showExperiment(select.value, mine);
  }

  async function showExperiment(id, mine = ++ticket) {
    if (!id) return;
    const report = await api(`/organizer/experiments/${encodeURIComponent(id)}`);
    if (mine !== ticket) return;
    shown = report;
    const names = Object.fromEntries(report.experiment.variants.map((v) => [v.id, v.name]));
    document.querySelector("#experiment-variants tbody").replaceChildren(...report.variants.map((v) => {
      const row = el("tr", undefined, { "data-variant": v.variant_id });
      row.appendChild(el("th", `${v.variant_id}: ${v.name}`, { scope: "row" }));
      row.appendChild(el("td", String(v.asks)));
      row.appendChild(el("td", String(v.successes)));
      row.appendChild(el("td", v.rate === null ? "–" : `${pct(v.rate)} (${pct(v.ci_low)} to ${pct(v.ci_high)})`));
      row.appendChild(el("td", pct(v.allocation)));
      return row;
    }));
    const x = report.experiment;
    const verdict = report.p_value === null ? "not enough asks to compare yet"
      : report.significant ? `the rates differ (p = ${report.p_value}, ${report.test})`
        : `no clear difference yet (p = ${report.p_value}, ${report.test})`;
    const leader = report.leader ? `; leader: ${report.leader} (${names[report.leader]})` : "";
    const winner = x.winner ? `; sent to everyone: ${x.winner}` : "";
    document.getElementById("experiment-summary").textContent =
      `Status: ${x.status}; ${pct(x.share)} of asks; ${verdict}${leader}${winner}.`;
    document.getElementById("experiment-rebalance").hidden = !(x.thompson && x.status === "running");
    document.getElementById("experiment-promote").hidden = !(report.leader && x.status === "running");
    document.getElementById("experiment-stop").hidden = x.status === "stopped";
    document.getElementById("experiment-report").hidden = false;
  }

  async function act(path, body, what) {
    if (!shown) return;
    try {
      const id = shown.experiment.id;
      await api(`/organizer/experiments/${encodeURIComponent(id)}/${path}`, { method: "POST", json: body });
      say(what);
      await loadExperiments(id);
    } catch (error) {
      say(error.message, true);
    }
  }

  async function loadTeams() {
    const teams = await api("/organizer/teams");
    document.querySelector("#team-board tbody").replaceChildren(...teams.map((t) => {
      const row = el("tr");
      row.appendChild(el("td", String(t.place)));
      row.appendChild(el("th", t.name, { scope: "row" }));
      row.appendChild(el("td", t.invite_code, { class: "invite-code" }));
      row.appendChild(el("td", String(t.members)));
      row.appendChild(el("td", String(t.asked)));
      row.appendChild(el("td", t.goal ? `${t.goal} (${pct(t.share_of_goal)} reached)` : "–"));
      return row;
    }));
    document.getElementById("roster-team").replaceChildren(...teams.map((t) => el("option", t.name, { value: t.id })));
  }

  async function createTeam(event) {
    event.preventDefault();
    try {
      const team = await api("/organizer/teams", { method: "POST", json: { name: document.getElementById("team-name").value } });
      say(`Team ${team.name} made: its invite code is ${team.invite_code}.`);
      await loadTeams();
    } catch (error) {
      say(error.message, true);
    }
  }

  async function putOnTeam(event) {
    event.preventDefault();
    const team = document.getElementById("roster-team").value;
    const ids = document.getElementById("roster-ids").value.split(/\s+/).filter(Boolean);
    try {
      const done = await api(`/organizer/teams/${encodeURIComponent(team)}/members`, { method: "PUT", json: { supporter_ids: ids } });
      const unknown = done.unknown.length ? ` No supporter has the ids ${done.unknown.join(", ")}.` : "";
      say(`${done.placed.length} supporters put on the team.${unknown}`, done.unknown.length > 0);
      await loadTeams();
    } catch (error) {
      say(error.message, true);
    }
  }

  async function loadCoverage() {
    const report = await api("/organizer/coverage");
    document.querySelector("#coverage-table tbody").replaceChildren(...report.by_state.map((r) => {
      const row = el("tr");
      row.appendChild(el("th", r.geo, { scope: "row" }));
      for (const key of ["reachable", "held_out", "assigned", "asked", "will_vote", "not_interested"]) {
        row.appendChild(el("td", String(r[key])));
      }
      return row;
    }));
    const states = [...new Set(report.over_time.map((d) => d.state))];
    const traces = states.map((state) => {
      const days = report.over_time.filter((d) => d.state === state);
      return { type: "scatter", mode: "lines+markers", name: state, x: days.map((d) => d.day), y: days.map((d) => d.asked_to_date) };
    });
    Plotly.react("chart-coverage-time", traces, {
      title: { text: "Friends asked to date" }, margin: { t: 40, r: 10, l: 50, b: 40 },
      xaxis: { type: "category" }, yaxis: { title: { text: "friends" } }, legend: { orientation: "h" },
    }, { displaylogo: false, responsive: true });
  }

  async function loadLift(event) {
    if (event) event.preventDefault();
    const day = document.getElementById("turnout-election").value;
    try {
      const report = await api(`/organizer/reports/turnout-lift?election=${encodeURIComponent(day)}`);
      const line = (where, r) => {
        const row = el("tr", undefined, { "data-where": where });
        row.appendChild(el("th", where, { scope: "row" }));
        row.appendChild(el("td", `${r.arms.assigned.friends} / ${r.arms.held_out.friends}`));
        row.appendChild(el("td", `${pct(r.arms.assigned.turnout)} / ${pct(r.arms.held_out.turnout)}`));
        row.appendChild(el("td", pts(r.itt)));
        row.appendChild(el("td", pts(r.cace)));
        row.appendChild(el("td", VERDICTS[r.verdict] || r.verdict, { class: "verdict" }));
        return row;
      };
      document.querySelector("#turnout-lift-table tbody").replaceChildren(
        line("All states", report.overall), ...report.by_state.map((r) => line(r.state, r)));
      const missing = report.states_without_history.length
        ? ` No vote history for this election yet in ${report.states_without_history.join(", ")}.` : "";
      document.getElementById("turnout-lift-verdict").textContent =
        `${VERDICTS[report.overall.verdict]} Intent to treat: ${pts(report.overall.itt)}.${missing}`;
    } catch (error) {
      say(error.message, true);
    }
  }

  function wire() {
    document.getElementById("add-variant").addEventListener("click", addVariant);
    document.getElementById("experiment-form").addEventListener("submit", createExperiment);
    document.getElementById("experiment-select").addEventListener("change", (e) => showExperiment(e.target.value));
    document.getElementById("experiment-rebalance").addEventListener("click", () => act("rebalance", undefined, "Asks shifted toward the likely winner."));
    document.getElementById("experiment-promote").addEventListener("click", () => act("promote", { variant_id: shown.leader }, `Variant ${shown.leader} now goes to every ask.`));
    document.getElementById("experiment-stop").addEventListener("click", () => act("stop", undefined, "Experiment stopped: lists show the usual message."));
    document.getElementById("team-form").addEventListener("submit", createTeam);
    document.getElementById("roster-form").addEventListener("submit", putOnTeam);
    document.getElementById("turnout-lift-form").addEventListener("submit", loadLift);
  }

  start(main);
})();
