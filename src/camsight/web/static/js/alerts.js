// Live alerts: listen to /api/events/stream (Server-Sent Events, event type "alert") and, for each alert
// created or updated, fetch its card as the server renders it (/alerts/{id}/card) and put it on top
// (or replace the card already shown). Cards are built by the server's escaped templates, not here.
(() => {
  "use strict";
  const list = document.getElementById("alerts");
  const live = document.getElementById("live");
  if (!list || !window.EventSource) return;
  const MAX_CARDS = 200;

  function state(text, on) {
    if (!live) return;
    live.textContent = text;
    live.dataset.state = on ? "on" : "off";
  }

  async function show(id) {
    const response = await fetch("/alerts/" + encodeURIComponent(id) + "/card", {
      credentials: "same-origin", headers: { "HX-Request": "true" },
    });
    if (!response.ok) return;
    const template = document.createElement("template");
    template.innerHTML = (await response.text()).trim();
    const card = template.content.firstElementChild;
    if (!card || !card.classList.contains("alert")) return;
    const shown = document.getElementById(card.id);
    if (shown) shown.replaceWith(card);
    else list.prepend(card);
    document.getElementById("no-alerts")?.remove();
    card.classList.add("fresh");
    if (window.htmx) window.htmx.process(card);
    while (list.children.length > MAX_CARDS) list.lastElementChild.remove();
  }

  const stream = new EventSource(list.dataset.stream);
  stream.addEventListener("open", () => state("live", true));
  stream.addEventListener("error", () => state("reconnecting…", false));
  stream.addEventListener("alert", (message) => {
    let data;
    try { data = JSON.parse(message.data); } catch { return; }
    const id = data && data.event && data.event.id;
    if (typeof id === "string" && id) show(id).catch(() => {});
  });
})();
