// The supporter's page: consent, contacts in, the list, one-tap asks, outcomes, their data.
"use strict";

(() => {
  const { api, say, waitJob, el, start } = Outreach;
  const OUTCOMES = [
    ["asked", "Asked, no answer yet"],
    ["will_vote", "Will vote"],
    ["registered", "Registered now"],
    ["already_voted", "Already voted"],
    ["not_interested", "Not interested"],
    ["wrong_person", "Wrong person"],
  ];
  const LABELS = Object.fromEntries(OUTCOMES);
  let me = null;
  const lastChannel = new Map();
  const base = () => `/supporters/${encodeURIComponent(me.subject)}`;
  const show = (id, visible = true) => { document.getElementById(id).hidden = !visible; };

  async function main(who) {
    me = who;
    if (me.role !== "supporter") {
      say("This page is for supporters. Organizers and analysts have their own pages.", true);
      return;
    }
    document.getElementById("terms-text").textContent = me.terms;
    document.getElementById("terms-version").textContent = me.terms_version;
    wire();
    await refresh();
  }

  async function refresh() {
    const agreed = me.consent_version === me.terms_version;
    show("consent", !agreed);
    show("upload", agreed);
    show("privacy", true);
    if (!agreed) {
      show("list", false); show("fates", false); show("review", false);
      return;
    }
    await Promise.all([loadList(), loadFates(), loadReview()]);
  }

  async function loadList() {
    const page = await api(`${base()}/targets?limit=100`);
    const list = document.getElementById("friends");
    list.replaceChildren(...page.items.map(friendCard));
    show("list", true);
    show("empty", page.items.length === 0);
    if (page.notice) document.getElementById("empty").textContent = page.notice;
    document.getElementById("progress-text").textContent =
      page.total ? `${page.asked} of ${page.total} asked` : "";
  }

  function friendCard(friend) {
    const card = document.getElementById("friend-template").content.firstElementChild.cloneNode(true);
    card.dataset.friendId = friend.friend_id;
    card.querySelector(".name").textContent = `${friend.rank}. ${friend.name || "A friend"}`;
    const reasons = card.querySelector(".reasons");
    friend.reasons.forEach((reason) => reasons.appendChild(el("li", reason)));
    const messageId = `message-${friend.friend_id}`;
    card.querySelector(".message-label").setAttribute("for", messageId);
    const message = card.querySelector(".message");
    message.id = messageId;
    message.value = friend.suggested_message;
    const actions = card.querySelector(".actions");
    for (const action of friend.actions) {
      const link = el("a", action.label, { href: action.href, class: "button", "data-kind": action.kind });
      link.addEventListener("click", () => lastChannel.set(friend.friend_id, action.kind));
      actions.appendChild(link);
    }
    const copy = el("button", "Copy message", { type: "button", class: "secondary" });
    copy.addEventListener("click", async () => {
      await navigator.clipboard.writeText(friend.suggested_message);
      say("Message copied.");
    });
    actions.appendChild(copy);
    if (navigator.share) {
      const share = el("button", "Share…", { type: "button", class: "secondary" });
      share.addEventListener("click", () => navigator.share({ text: friend.suggested_message }).catch(() => {}));
      actions.appendChild(share);
    }
    const outcomes = card.querySelector(".outcomes");
    for (const [value, label] of OUTCOMES) {
      const button = el("button", label, {
        type: "button", class: "secondary", "data-outcome": value,
        "aria-pressed": String(friend.status === value),
      });
      button.addEventListener("click", () => record(friend, value));
      outcomes.appendChild(button);
    }
    if (friend.status) {
      card.classList.add("asked");
      const done = card.querySelector(".done");
      done.textContent = `Done: ${LABELS[friend.status] || friend.status}`;
      done.hidden = false;
    }
    return card;
  }

  async function record(friend, outcome) {
    const channel = lastChannel.get(friend.friend_id) || friend.channel || "text";
    const id = (crypto.randomUUID && crypto.randomUUID()) || `${Date.now()}-${Math.random()}`;
    try {
      await api(`${base()}/outcomes`, {
        method: "POST",
        json: { friend_id: friend.friend_id, outcome, channel: channel === "social" ? "social" : channel, client_id: id },
      });
      say(`Recorded for ${friend.name || "your friend"}: ${LABELS[outcome]}.`);
      await loadList();
    } catch (error) {
      say(error.message, true);
    }
  }

  async function loadFates() {
    const report = await api(`${base()}/friends`);
    const list = document.getElementById("fate-list");
    list.replaceChildren();
    for (const [fate, count] of Object.entries(report.counts)) {
      if (!count) continue;
      const item = el("li");
      const details = el("details");
      details.appendChild(el("summary", `${report.labels[fate]}: ${count}`));
      details.appendChild(el("p", report.names[fate].join(", "), { class: "small" }));
      item.appendChild(details);
      item.dataset.fate = fate;
      list.appendChild(item);
    }
    show("fates", list.children.length > 0);
  }

  async function loadReview() {
    const page = await api(`${base()}/matches?limit=50`);
    const list = document.getElementById("review-list");
    list.replaceChildren(...page.items.map((match) => {
      const item = el("li");
      const who = [match.first_name, match.last_name].filter(Boolean).join(" ");
      const where = [match.city, match.state].filter(Boolean).join(", ");
      item.appendChild(el("p", `${match.name || "Your contact"}: ${who}${where ? `, ${where}` : ""}${match.birth_year ? `, born ${match.birth_year}` : ""}?`));
      for (const [decision, label] of [["confirm", "Yes, that's them"], ["reject", "No"]]) {
        const button = el("button", label, { type: "button", class: decision === "confirm" ? "primary" : "secondary" });
        button.addEventListener("click", async () => {
          await api(`${base()}/matches/${encodeURIComponent(match.friend_id)}`, {
            method: "POST", json: { candidate_id: match.candidate_id, decision },
          });
          say("Thanks. Your list will update in a moment.");
          item.remove();
          show("review", list.children.length > 0);
        });
        item.appendChild(button);
      }
      return item;
    }));
    show("review", page.items.length > 0);
  }

  async function upload(file) {
    const form = new FormData();
    form.append("file", file, file.name);
    show("progress", true);
    const bar = document.getElementById("progress-bar");
    const label = document.getElementById("progress-label");
    bar.removeAttribute("value");
    label.textContent = "Sending your contacts…";
    try {
      const accepted = await api(`${base()}/uploads`, { method: "POST", body: form });
      const job = await waitJob(accepted.job_id, (j) => {
        const c = j.counts || {};
        label.textContent = `Loading: ${c.read || 0} read, ${c.linked || 0} found in the voter file, ${c.written || 0} saved`;
        if (c.normalized) bar.value = Math.min(100, Math.round((100 * (c.written || 0)) / c.normalized));
      });
      if (job.status !== "succeeded") {
        const rows = (job.errors || []).slice(0, 3).map((e) => `line ${e.line}, ${e.field}: ${e.reason}`);
        say([job.message || "The file could not be loaded.", ...rows].join(" "), true);
        return;
      }
      const rejected = job.counts.rejected ? ` ${job.counts.rejected} rows could not be read.` : "";
      label.textContent = "Finding who to ask…";
      if (accepted.rank_job_id) await waitJob(accepted.rank_job_id);
      say(`Loaded ${job.counts.read} contacts; ${job.counts.linked} found in the voter file.${rejected}`);
      await refresh();
    } catch (error) {
      say(error.message, true);
    } finally {
      show("progress", false);
    }
  }

  function csvCell(value) {
    const text = String(value || "");
    return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  }

  async function pickContacts() {
    const picked = await navigator.contacts.select(["name", "tel", "email"], { multiple: true });
    if (!picked.length) return;
    const lines = ["name,phone,email"];
    for (const contact of picked) {
      lines.push([(contact.name || [])[0], (contact.tel || [])[0], (contact.email || [])[0]].map(csvCell).join(","));
    }
    await upload(new File([lines.join("\n")], "phone-contacts.csv", { type: "text/csv" }));
  }

  function wire() {
    document.getElementById("agree").addEventListener("click", async () => {
      try {
        const given = await api(`${base()}/consent`, { method: "POST", json: { terms_version: me.terms_version } });
        me.consent_version = given.consent_version;
        say("Thank you. You can add your contacts now.");
        await refresh();
      } catch (error) { say(error.message, true); }
    });
    document.getElementById("upload-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const file = document.getElementById("file").files[0];
      if (!file) { say("Choose a contact file first.", true); return; }
      upload(file);
    });
    if ("contacts" in navigator && "ContactsManager" in window) {
      const pick = document.getElementById("pick");
      pick.hidden = false;
      pick.addEventListener("click", () => pickContacts().catch((error) => say(error.message, true)));
    }
    document.getElementById("withdraw").addEventListener("click", async () => {
      await api(`${base()}/consent`, { method: "DELETE" });
      me.consent_version = null;
      say("Consent withdrawn. Your list is no longer shown; agree again to resume.");
      await refresh();
    });
    document.getElementById("delete").addEventListener("click", async () => {
      if (!window.confirm("Delete everything you uploaded? This cannot be undone.")) return;
      const counts = await api(base(), { method: "DELETE" });
      say(`Deleted: ${counts.uploads} uploads and your ${counts.friend_links} friends.`);
      await refresh();
    });
  }

  start(main);
})();
