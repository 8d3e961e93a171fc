// Cameras: latest snapshots (GET /api/cameras), and on a camera's page its recordings on a timeline
// (GET /api/recordings?camera=&since=&until=) with the events in them marked; a tap on a recorded
// period or an event plays it (MP4 with Range, or HLS through the vendored hls.js where a playlist is
// served). Every text from the API is put in the page with textContent.
(() => {
  "use strict";
  const { api, time } = window.camsight;
  const main = document.getElementById("main");
  const camera = main?.dataset.camera || null;

  // --- snapshots -----------------------------------------------------------------------------------
  function showSnapshot(id, url) {
    for (const img of document.querySelectorAll("img[data-snapshot-of]")) {
      if (img.dataset.snapshotOf !== id || !url) continue;
      img.addEventListener("load", () => {
        img.hidden = false;
        for (const none of document.querySelectorAll("[data-no-snapshot-of]")) {
          if (none.dataset.noSnapshotOf === id) none.hidden = true;
        }
        document.dispatchEvent(new CustomEvent("camsight:snapshot", { detail: { camera: id, img } }));
      }, { once: true });
      img.src = url;
    }
  }

  async function snapshots() {
    const answer = await api("GET", "/api/cameras");
    if (!answer.ok || !Array.isArray(answer.data)) return;
    for (const cam of answer.data) {
      if (cam && typeof cam.id === "string") showSnapshot(cam.id, cam.latest_snapshot_url);
      if (cam && cam.id === camera && cam.state) {
        const note = document.getElementById("camera-state");
        if (note) note.textContent = "state: " + (typeof cam.state === "string" ? cam.state : JSON.stringify(cam.state));
      }
    }
  }

  // --- recordings ----------------------------------------------------------------------------------
  const timeline = document.getElementById("timeline");
  const video = document.getElementById("playback");
  const note = document.getElementById("timeline-note");
  const period = document.getElementById("period");

  const ms = (value) => (value ? new Date(value).getTime() : NaN);

  // One recorded segment as {id, start, end, url, events: [{id, kind, at}]} (times in ms).
  function segmentOf(raw) {
    const start = ms(raw.started_at ?? raw.start);
    const end = ms(raw.ended_at ?? raw.end) || start + 1000 * (raw.duration_s || 0);
    const url = raw.video_url || raw.url || "/api/recordings/" + encodeURIComponent(raw.id) + "/video.mp4";
    const spans = Array.isArray(raw.spans) ? raw.spans.map((s) => ({ start: ms(s.started_at ?? s.start), end: ms(s.ended_at ?? s.end) })) : [];
    const events = (Array.isArray(raw.events) ? raw.events : []).map((e) => ({
      id: String(e.id ?? ""), kind: String(e.kind ?? "event"), at: ms(e.started_at ?? e.at),
    }));
    return { id: raw.id, start, end, url, spans, events };
  }

  function place(element, at, from, to) {
    element.style.left = (100 * (at - from) / (to - from)).toFixed(3) + "%";
  }

  function play(segment, at, button) {
    for (const pressed of timeline.querySelectorAll("[aria-pressed]")) pressed.setAttribute("aria-pressed", "false");
    button?.setAttribute("aria-pressed", "true");
    video.hidden = false;
    const offset = Math.max(0, (at - segment.start) / 1000 - 2);
    const start = () => { video.currentTime = offset; video.play().catch(() => {}); };
    if (/\.m3u8(\?|$)/.test(segment.url) && !video.canPlayType("application/vnd.apple.mpegurl")) {
      playHls(segment.url, start);
      return;
    }
    if (video.dataset.src !== segment.url) {
      video.dataset.src = segment.url;
      video.src = segment.url;
      video.setAttribute("data-clip", "");
      video.addEventListener("loadedmetadata", start, { once: true });
    } else start();
  }

  let hlsLoaded = null;
  function playHls(url, start) {
    hlsLoaded ||= new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = "/static/vendor/hls.light.min.js";
      script.onload = resolve; script.onerror = reject;
      document.head.append(script);
    });
    hlsLoaded.then(() => {
      const hls = new window.Hls();
      hls.loadSource(url); hls.attachMedia(video);
      video.addEventListener("loadedmetadata", start, { once: true });
    }).catch(() => { note.textContent = "HLS playback is not available in this browser."; });
  }

  function tick(at, from, to) {
    const label = document.createElement("span");
    label.className = "tick";
    label.textContent = new Date(at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    place(label, at, from, to);
    return label;
  }

  function draw(segments, from, to) {
    timeline.replaceChildren();
    for (let i = 1; i < 6; i++) timeline.append(tick(from + (i * (to - from)) / 6, from, to));
    for (const segment of segments) {
      const block = document.createElement("button");
      block.type = "button";
      block.className = "segment";
      block.setAttribute("aria-pressed", "false");
      block.setAttribute("aria-label", "Recording from " + time(segment.start));
      place(block, Math.max(from, segment.start), from, to);
      block.style.width = Math.max(0.4, (100 * (Math.min(to, segment.end) - Math.max(from, segment.start))) / (to - from)) + "%";
      block.addEventListener("click", () => play(segment, segment.start, block));
      timeline.append(block);
      for (const event of segment.events) {
        const mark = document.createElement("button");
        mark.type = "button";
        mark.className = "event";
        mark.dataset.event = event.id;
        mark.setAttribute("aria-label", event.kind.replaceAll("_", " ") + " at " + time(event.at));
        mark.title = mark.getAttribute("aria-label");
        place(mark, event.at, from, to);
        mark.addEventListener("click", () => play(segment, event.at, block));
        timeline.append(mark);
      }
    }
  }

  async function recordings() {
    const to = Date.now();
    const from = to - 1000 * Number(period.value || 86400);
    const query = new URLSearchParams({ camera, since: new Date(from).toISOString(), until: new Date(to).toISOString() });
    const answer = await api("GET", "/api/recordings?" + query);
    if (!answer.ok) {
      timeline.replaceChildren();
      note.textContent = answer.status === 403 ? "Your role may not play recordings." : "Recordings cannot be listed now.";
      return;
    }
    const raw = Array.isArray(answer.data) ? answer.data : answer.data?.segments || [];
    const segments = raw.map(segmentOf).filter((s) => Number.isFinite(s.start));
    draw(segments, from, to);
    const events = segments.reduce((n, s) => n + s.events.length, 0);
    note.textContent = segments.length
      ? segments.length + " recorded period(s), " + events + " event(s). Tap one to play it."
      : "No recordings of this camera in this period (files analysed with camsight analyze are not recorded).";
  }

  snapshots().catch(() => {});
  if (camera && timeline && video) {
    period.addEventListener("change", () => recordings().catch(() => {}));
    recordings().catch(() => {});
  }
})();
