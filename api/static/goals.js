// The supporter's goal, team and leaderboards; follows the list's "N of M asked" as it changes.
"use strict";

(() => {
  const { api, say, el, start } = Outreach;
  let base = null;

  async function main(me) {
    if (me.role !== "supporter") return;
    base = `/supporters/${encodeURIComponent(me.subject)}`;
    wire();
    // The list card shows once the supporter has agreed; the goal follows it, and reloads
    // whenever the list's progress line changes (an outcome recorded, a new upload).
    const list = document.getElementById("list");
    const progressText = document.getElementById("progress-text");
    const follow = () => {
      if (list.hidden) document.getElementById("goal").hidden = true;
      else load();
    };
    new MutationObserver(follow).observe(list, { attributes: true, attributeFilter: ["hidden"] });
    new MutationObserver(follow).observe(progressText, { childList: true, characterData: true, subtree: true });
    follow();
  }

  async function load() {
    try {
      const [mine, board] = await Promise.all([api(`${base}/goal`), api(`${base}/leaderboard`)]);
      render(mine, board);
    } catch (error) {
      if (error.status !== 404) say(error.message, true);
    }
  }

  function render(mine, board) {
    document.getElementById("goal").hidden = false;
    const text = document.getElementById("goal-text");
    const bar = document.getElementById("goal-bar");
    const friends = document.getElementById("goal-friends");
    if (mine.goal) {
      const g = mine.goal;
      const pace = g.done ? "Goal reached!" : g.on_pace ? "On pace." : `Behind pace: ${g.expected_by_now} by today keeps you on track.`;
      text.textContent = `${g.asked} of ${g.goal} friends asked by ${g.by}. ${pace}`;
      bar.value = Math.round(100 * g.share);
      friends.value = g.goal;
      document.getElementById("goal-by").value = g.by;
    } else {
      text.textContent = `${mine.asked} friends asked. Set a goal: we suggest ${mine.suggested_goal}.`;
      bar.value = 0;
      if (!friends.value) friends.value = mine.suggested_goal;
    }
    document.getElementById("team-text").textContent = mine.team
      ? `You are on ${mine.team.name}.` : "You are not on a team. Join one with the code your organizer gave you.";
    document.getElementById("opt-in").checked = mine.leaderboard_opt_in;
    document.querySelector("#teams-board tbody").replaceChildren(...board.teams.map((t) => {
      const row = el("tr", undefined, mine.team && mine.team.id === t.id ? { class: "yours" } : {});
      row.appendChild(el("td", String(t.place)));
      row.appendChild(el("th", t.name, { scope: "row" }));
      row.appendChild(el("td", String(t.asked)));
      return row;
    }));
    const people = board.people.map((p) => el("li", `${p.first_name}${p.you ? " (you)" : ""}: ${p.asked} asked`));
    if (!people.length) people.push(el("li", "No one has joined the leaderboard yet."));
    document.getElementById("people-board").replaceChildren(...people);
  }

  async function send(path, options, what) {
    try {
      await api(`${base}${path}`, options);
      say(what);
      await load();
    } catch (error) {
      const fields = ((error.problem && error.problem.errors) || []).map((e) => e.reason);
      say([error.message, ...fields].join(" "), true);
    }
  }

  function wire() {
    document.getElementById("goal-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const friends = Number(document.getElementById("goal-friends").value);
      const by = document.getElementById("goal-by").value;
      send("/goal", { method: "PUT", json: { friends, by } }, `Goal set: ${friends} friends by ${by}.`);
    });
    document.getElementById("join-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const code = document.getElementById("invite-code").value.trim();
      send("/team", { method: "POST", json: { invite_code: code } }, "You joined the team.");
    });
    document.getElementById("opt-in").addEventListener("change", (event) => {
      const opt = event.target.checked;
      send("/leaderboard", { method: "PUT", json: { opt_in: opt } },
        opt ? "Your first name is on the leaderboard." : "Your name is off the leaderboard.");
    });
  }

  start(main);
})();
