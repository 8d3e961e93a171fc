// A camera's recordings: the segments of a period on a timeline (GET /api/recordings?camera=&since=&until=,
// 24 hours at most), the events in it marked and the outages shaded. A tap on a segment plays it from its
// start, a tap on an event plays the segment it falls in from a little before it (or the event's own
// clip when no segment covers it). Videos are MP4 with Range; an HLS playlist, where one is served,
// goes through the vendored hls.js, loaded only then. Texts from the API are set with textContent.
(() => {
  "use strict";
  const { api, time } = window.camsight;
  const camera = document.getElementById("main")?.dataset.camera;
  const timeline = document.getElementById("timeline");
  const video = document.getElementById("playback");
  const note = document.getElementById("timeline-note");
  const period = document.getElementById("period");
  if (!camera || !timeline || !video) return;
  const LEAD_S = 2;

  const ms = (iso) => new Date(iso).getTime();
  const percent = (at, from, to) => (100 * (at - from)) / (to - from);

  function place(element, start, end, from, to) {
    const left = Math.max(0, percent(start, from, to));
    element.style.left = left.toFixed(3) + "%";
    if (end !== undefined) element.style.width = Math.max(0.4, Math.min(100, percent(end, from, to)) - left).toFixed(3) + "%";
  }

  function button(className, label) {
    const element = document.createElement("button");
    element.type = "button";
    element.className = className;
    element.setAttribute("aria-label", label);
    element.title = label;
    return element;
  }

  let hlsReady = null;
  function loadHls() {
    hlsReady ||= new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = "/static/vendor/hls.light.min.js";
      script.onload = resolve;
      script.onerror = reject;
      document.head.append(script);
    });
    return hlsReady;
  }

  async function play(url, offsetS, pressed) {
    for (const other of timeline.querySelectorAll('[aria-pressed="true"]')) other.setAttribute("aria-pressed", "false");
    pressed?.setAttribute("aria-pressed", "true");
    video.hidden = false;
    const start = () => { video.currentTime = Math.max(0, offsetS); video.play().catch(() => {}); };
    if (video.dataset.src === url) { start(); return; }
    video.dataset.src = url;
    video.addEventListener("loadedmetadata", start, { once: true });
    if (/\.m3u8(\?|$)/.test(url) && !video.canPlayType("application/vnd.apple.mpegurl")) {
      await loadHls();
      const hls = new window.Hls();
      hls.loadSource(url);
      hls.attachMedia(video);
    } else {
      video.src = url;
    }
  }

  function ticks(from, to) {
    const marks = [];
    for (let i = 1; i < 6; i++) {
      const at = from + (i * (to - from)) / 6;
      const label = document.createElement("span");
      label.className = "tick";
      label.textContent = new Date(at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
      place(label, at, undefined, from, to);
      marks.push(label);
    }
    return marks;
  }

  function draw(data, from, to) {
    const parts = ticks(from, to);
    for (const gap of data.gaps || []) {
      const shade = document.createElement("span");
      shade.className = "gap";
      shade.title = "no stream: " + String(gap.reason ?? "");
      place(shade, ms(gap.start), ms(gap.end), from, to);
      parts.push(shade);
    }
    const segments = (data.segments || []).map((s) => ({ ...s, from: ms(s.start), to: ms(s.end) }));
    const blocks = new Map();
    for (const segment of segments) {
      const block = button("segment", "Recording from " + time(segment.start));
      block.setAttribute("aria-pressed", "false");
      place(block, segment.from, Math.max(segment.to, segment.from + 1000), from, to);
      block.addEventListener("click", () => play(segment.video, 0, block));
      blocks.set(segment, block);
      parts.push(block);
    }
    for (const event of data.events || []) {
      const at = ms(event.start);
      const kind = String(event.kind ?? "event").replaceAll("_", " ");
      const mark = button("event", kind + (event.zone ? " in " + event.zone : "") + " at " + time(event.start));
      mark.dataset.event = String(event.id ?? "");
      place(mark, at, undefined, from, to);
      const covering = segments.find((s) => s.from <= at && at <= s.to);
      mark.addEventListener("click", () => covering
        ? play(covering.video, (at - covering.from) / 1000 - LEAD_S, blocks.get(covering))
        : play(event.clip, 0, mark));
      parts.push(mark);
    }
    timeline.replaceChildren(...parts);
    return { segments: segments.length, events: (data.events || []).length };
  }

  async function load() {
    const to = Date.now();
    const from = to - 1000 * Number(period.value || 86400);
    const query = new URLSearchParams({ camera, since: new Date(from).toISOString(), until: new Date(to).toISOString() });
    const answer = await api("GET", "/api/recordings?" + query);
    if (!answer.ok || !answer.data) {
      timeline.replaceChildren();
      note.textContent = answer.status === 403 ? "Your role may not play recordings." : "Recordings cannot be listed now (" + answer.status + ").";
      return;
    }
    const counted = draw(answer.data, from, to);
    note.textContent = counted.segments
      ? counted.segments + " recorded segment(s) and " + counted.events + " event(s) in this period; tap one to play it."
      : counted.events + " event(s) and no recordings in this period (files analysed with camsight analyze are not recorded; their events play their own clips).";
  }

  period.addEventListener("change", () => load().catch(() => {}));
  load().catch(() => {});
})();
