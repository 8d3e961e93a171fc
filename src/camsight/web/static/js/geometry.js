// The geometry editor (admins): zones, lines and privacy masks drawn on the camera's snapshot, in the
// normalised 0..1 coordinates the config uses, saved with PUT /api/cameras/{id}/geometry. A stale
// version (409) or invalid shapes (422) are reported with the API's own messages.
(() => {
  "use strict";
  const { api, messages } = window.camsight;
  const camera = document.getElementById("main")?.dataset.camera;
  const stage = document.getElementById("stage");
  const svg = document.getElementById("overlay");
  const list = document.getElementById("shapes");
  const status = document.getElementById("geometry-status");
  const problems = document.getElementById("geometry-messages");
  const nameInput = document.getElementById("shape-name");
  if (!camera || !stage || !svg || !list) return;
  const url = "/api/cameras/" + encodeURIComponent(camera) + "/geometry";
  const NS = "http://www.w3.org/2000/svg";

  let geometry = { zones: [], lines: [], masks: [], version: null };
  let draft = null; // {tool, points: [[x, y], ...]}
  let changed = false;

  const tool = () => document.querySelector('input[name="tool"]:checked')?.value || "zone";
  const round = (v) => Math.round(Math.min(1, Math.max(0, v)) * 10000) / 10000;
  const text = (element, value) => { element.textContent = value; return element; };

  function say(message, isProblem = false, details = []) {
    status.textContent = isProblem ? "" : message;
    problems.replaceChildren(...(isProblem ? [message, ...details] : details).map((m) => text(document.createElement("li"), m)));
  }

  function shape(kind, points, className) {
    const element = document.createElementNS(NS, kind === "line" ? "polyline" : "polygon");
    element.setAttribute("points", points.map((p) => p.join(",")).join(" "));
    element.setAttribute("class", className);
    return element;
  }

  function drawOverlay() {
    const children = [];
    for (const m of geometry.masks) children.push(shape("mask", m, "shape-mask"));
    for (const z of geometry.zones) children.push(shape("zone", z.polygon, "shape-zone"));
    for (const l of geometry.lines) children.push(shape("line", [l.a, l.b], "shape-line"));
    if (draft) {
      children.push(shape(draft.tool === "line" ? "line" : "zone", draft.points, "shape-draft"));
      for (const [x, y] of draft.points) {
        const dot = document.createElementNS(NS, "circle");
        dot.setAttribute("cx", x); dot.setAttribute("cy", y); dot.setAttribute("r", "0.008");
        children.push(dot);
      }
    }
    svg.replaceChildren(...children);
  }

  function item(kind, label, remove) {
    const li = document.createElement("li");
    li.className = kind;
    const button = text(document.createElement("button"), "Delete");
    button.type = "button";
    button.className = "quiet";
    button.setAttribute("aria-label", "Delete " + label);
    button.addEventListener("click", () => { remove(); edited(); });
    li.append(text(document.createElement("span"), label), button);
    return li;
  }

  function drawList() {
    const items = [];
    geometry.zones.forEach((z, i) => items.push(item("zone", "zone " + z.name + " (" + z.polygon.length + " corners)", () => geometry.zones.splice(i, 1))));
    geometry.lines.forEach((l, i) => items.push(item("line", "line " + l.name, () => geometry.lines.splice(i, 1))));
    geometry.masks.forEach((m, i) => items.push(item("mask", "mask " + (i + 1) + " (" + m.length + " corners)", () => geometry.masks.splice(i, 1))));
    list.replaceChildren(...items);
  }

  function redraw() { drawOverlay(); drawList(); }
  function edited() { changed = true; redraw(); say("Unsaved changes."); }

  function finish() {
    if (!draft) return;
    const name = nameInput.value.trim();
    const needed = draft.tool === "line" ? 2 : 3;
    if (draft.points.length < needed) { say("A " + draft.tool + " needs at least " + needed + " points.", true); return; }
    if (draft.tool !== "mask" && !name) { say("Give the " + draft.tool + " a name first.", true); nameInput.focus(); return; }
    if (draft.tool === "zone") geometry.zones.push({ name, polygon: draft.points });
    else if (draft.tool === "line") geometry.lines.push({ name, a: draft.points[0], b: draft.points[1] });
    else geometry.masks.push(draft.points);
    draft = null;
    nameInput.value = "";
    edited();
  }

  stage.classList.add("editing");
  stage.addEventListener("pointerdown", (event) => {
    if (event.button !== 0) return;
    event.preventDefault();
    const box = svg.getBoundingClientRect();
    const point = [round((event.clientX - box.left) / box.width), round((event.clientY - box.top) / box.height)];
    if (!draft || draft.tool !== tool()) draft = { tool: tool(), points: [] };
    draft.points.push(point);
    drawOverlay();
    if (draft.tool === "line" && draft.points.length === 2) finish();
  });
  document.getElementById("finish-shape").addEventListener("click", finish);
  document.getElementById("undo-point").addEventListener("click", () => { draft?.points.pop(); drawOverlay(); });
  document.getElementById("cancel-shape").addEventListener("click", () => { draft = null; drawOverlay(); });
  for (const radio of document.querySelectorAll('input[name="tool"]')) {
    radio.addEventListener("change", () => { draft = null; drawOverlay(); nameInput.disabled = tool() === "mask"; });
  }

  function accept(data) {
    geometry = {
      zones: Array.isArray(data?.zones) ? data.zones : [],
      lines: Array.isArray(data?.lines) ? data.lines : [],
      masks: Array.isArray(data?.masks) ? data.masks : [],
      version: data?.version ?? null,
    };
    draft = null;
    changed = false;
    redraw();
  }

  async function load() {
    const answer = await api("GET", url);
    if (!answer.ok) { say("The geometry cannot be loaded (" + answer.status + ").", true, messages(answer.data)); return; }
    accept(answer.data);
    say("Version " + geometry.version + ".");
  }

  async function save() {
    if (draft) finish();
    const body = { zones: geometry.zones, lines: geometry.lines, masks: geometry.masks, version: geometry.version };
    const reason = document.getElementById("geometry-reason").value.trim();
    if (reason) body.reason = reason;
    say("Saving…");
    const answer = await api("PUT", url, body);
    if (answer.ok) {
      if (answer.data && Array.isArray(answer.data.zones)) accept(answer.data); else await load();
      say("Saved: version " + geometry.version + ".");
      return;
    }
    if (answer.status === 409) {
      say("Someone changed this camera's geometry since you opened it; choose Discard changes to load theirs, then draw again.", true, messages(answer.data));
    } else if (answer.status === 422) {
      say("Not saved: the shapes are not valid.", true, messages(answer.data));
    } else {
      say("Not saved (" + answer.status + ").", true, messages(answer.data));
    }
  }

  document.getElementById("save-geometry").addEventListener("click", () => save().catch(() => say("Not saved: no answer from the server.", true)));
  document.getElementById("reload-geometry").addEventListener("click", () => load().catch(() => {}));
  window.addEventListener("beforeunload", (event) => { if (changed) event.preventDefault(); });
  load().catch(() => say("The geometry cannot be loaded.", true));
})();
