// camsight console: what every page shares. Plain JS, no build step.
// - camsight.api(method, url, body): same-origin JSON requests with the session's CSRF token;
// - a clip that cannot be played says so (the <p class="clip-error"> after its <video data-clip>);
// - a snapshot or thumbnail that cannot be loaded is replaced by a placeholder.
(() => {
  "use strict";

  const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content || "";

  async function api(method, url, body) {
    const headers = { Accept: "application/json" };
    if (method !== "GET") headers["X-CSRF-Token"] = csrf();
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(url, {
      method, headers, credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let data = null;
    const type = response.headers.get("content-type") || "";
    if (type.includes("json")) {
      try { data = await response.json(); } catch { data = null; }
    }
    return { ok: response.ok, status: response.status, data };
  }

  // The messages of an API error answer, as plain strings (shown with textContent, never as HTML).
  function messages(data) {
    const detail = data && data.detail !== undefined ? data.detail : data;
    if (typeof detail === "string") return detail.split("\n").map((line) => line.trim()).filter(Boolean);
    if (Array.isArray(detail)) {
      return detail.map((d) => {
        if (typeof d === "string") return d;
        const where = Array.isArray(d?.loc) ? d.loc.filter((p) => p !== "body").join(".") : "";
        return (where ? where + ": " : "") + (d?.msg || d?.message || JSON.stringify(d));
      });
    }
    if (detail && Array.isArray(detail.messages)) return detail.messages.map(String);
    return detail ? [JSON.stringify(detail)] : [];
  }

  function time(iso) {
    const at = new Date(iso);
    return Number.isNaN(at.getTime()) ? "" : at.toLocaleString();
  }

  // A picture that cannot be loaded (pruned, or the API refused it) leaves a plain placeholder.
  function pictureFailed(img) {
    const none = document.createElement("span");
    none.className = "noimg";
    none.textContent = "no picture";
    img.replaceWith(none);
  }

  document.addEventListener("error", (event) => {
    if (event.target instanceof HTMLImageElement && event.target.hasAttribute("data-fallback")) {
      pictureFailed(event.target);
      return;
    }
    const video = event.target instanceof HTMLVideoElement ? event.target
      : event.target?.parentElement instanceof HTMLVideoElement ? event.target.parentElement : null;
    if (!video || !video.hasAttribute("data-clip")) return;
    const note = video.nextElementSibling;
    if (note?.classList.contains("clip-error")) note.hidden = false;
  }, true);

  window.camsight = { api, csrf, messages, time };
})();
