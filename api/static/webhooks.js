// The organizer page's webhooks card: each URL, its events, and whether it is active or was
// disabled after failing (with the reason); an organizer can turn a disabled one back on.
"use strict";

(() => {
  const { api, el, say } = Outreach;

  function stateText(hook) {
    if (hook.active) return hook.failures ? `active (${hook.failures} failed tries in a row)` : "active";
    return `disabled: ${hook.disabled_reason || "too many failed deliveries"}`;
  }

  async function load() {
    const body = document.querySelector("#webhooks tbody");
    const empty = document.getElementById("webhooks-empty");
    let hooks;
    try {
      hooks = await api("/organizer/webhooks");
    } catch (error) {
      empty.textContent = `Webhooks cannot be shown: ${error.message}`;
      empty.hidden = false;
      return;
    }
    empty.hidden = hooks.length > 0;
    body.replaceChildren(...hooks.map((hook) => {
      const row = el("tr", undefined, { "data-webhook": hook.id, class: hook.active ? "" : "disabled" });
      row.appendChild(el("th", hook.url, { scope: "row" }));
      row.appendChild(el("td", hook.events.join(", ")));
      row.appendChild(el("td", stateText(hook), { class: "webhook-state" }));
      const cell = el("td");
      if (!hook.active) {
        const button = el("button", "Enable again", { type: "button", class: "secondary" });
        button.addEventListener("click", async () => {
          button.disabled = true;
          try {
            await api(`/organizer/webhooks/${encodeURIComponent(hook.id)}/enable`, { method: "POST" });
            say("Webhook enabled again.");
          } catch (error) {
            say(`The webhook was not enabled: ${error.message}`, true);
          }
          await load();
        });
        cell.appendChild(button);
      }
      row.appendChild(cell);
      return row;
    }));
  }

  if (document.getElementById("webhooks")) load();
})();
