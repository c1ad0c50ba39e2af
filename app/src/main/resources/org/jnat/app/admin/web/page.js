// jnat's admin page: plain JavaScript over the admin API (/api/v1), no framework, no build step.
"use strict";

const API = "api/v1/";
const WINDOW = 60; // seconds of rates kept for the chart
const SERIES = [
  { counter: "inside.received", label: "inside in", color: "--in" },
  { counter: "inside.transmitted", label: "inside out", color: "--in2" },
  { counter: "outside.received", label: "outside in", color: "--out" },
  { counter: "outside.transmitted", label: "outside out", color: "--out2" },
];
const $ = (id) => document.getElementById(id);
const state = { rates: SERIES.map(() => []), last: null, uptimeAt: null, uptime: 0, counters: [] };

// ---- the token: kept for this tab only (sessionStorage), sent as Authorization: Bearer ----

function token() {
  return sessionStorage.getItem("jnat.token") || "";
}

async function api(path, options = {}) {
  const headers = Object.assign({ Accept: "application/json" }, options.headers || {});
  if (token()) headers.Authorization = "Bearer " + token();
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(API + path, Object.assign({}, options, { headers, cache: "no-store" }));
  let body = null;
  try { body = await response.json(); } catch (e) { /* no JSON body (204) */ }
  return { status: response.status, ok: response.ok, body };
}

function message(text, info) {
  const m = $("message");
  m.textContent = text;
  m.className = info ? "message info" : "message";
  m.hidden = !text;
  clearTimeout(message.timer);
  if (text) message.timer = setTimeout(() => { m.hidden = true; }, 6000);
}

function live(ok) {
  const l = $("live");
  l.textContent = ok ? "live" : "not answering";
  l.className = ok ? "live ok" : "live down";
}

function cell(row, text, cls) {
  const td = row.insertCell();
  td.textContent = text === undefined || text === null ? "" : String(text);
  if (cls) td.className = cls;
  return td;
}

function fill(parent, items, render) {
  const rows = document.createDocumentFragment();
  const tag = parent.tagName === "UL" ? "li" : "tr";
  for (const item of items) {
    const tr = document.createElement(tag);
    render(tr, item);
    rows.appendChild(tr);
  }
  parent.replaceChildren(rows);
}

// ---- status ----

function duration(seconds) {
  const d = Math.floor(seconds / 86400), h = Math.floor(seconds / 3600) % 24;
  const m = Math.floor(seconds / 60) % 60, s = Math.floor(seconds % 60);
  return (d ? d + "d " : "") + (d || h ? h + "h " : "") + (d || h || m ? m + "m " : "") + s + "s";
}

async function loadStatus() {
  const r = await api("status");
  if (!r.ok) return;
  const s = r.body;
  $("version").textContent = "version " + s.version;
  $("public-address").textContent = s.public_address;
  state.uptime = s.uptime_seconds;
  state.uptimeAt = Date.now();
  fill($("interfaces").tBodies[0], s.interfaces, (tr, i) => {
    cell(tr, i.name); cell(tr, i.device, "mono"); cell(tr, i.address, "mono"); cell(tr, i.gateway || "—", "mono");
    cell(tr, i.mac, "mono"); cell(tr, i.mtu, "num");
  });
  $("status").hidden = false;
  tickUptime();
}

function tickUptime() {
  if (state.uptimeAt !== null) {
    $("uptime").textContent = duration(state.uptime + (Date.now() - state.uptimeAt) / 1000);
  }
}

// ---- counters and rates ----

async function loadCounters() {
  let r;
  try {
    r = await api("counters");
  } catch (e) {
    live(false);
    return;
  }
  live(r.ok);
  if (!r.ok) return;
  const now = performance.now();
  const values = new Map(r.body.counters.map((c) => [c.name, c.value]));
  if (state.last) {
    const seconds = (now - state.last.at) / 1000;
    SERIES.forEach((s, i) => {
      const before = state.last.values.get(s.counter), after = values.get(s.counter);
      const rate = before === undefined || after === undefined ? 0 : Math.max(0, (after - before) / seconds);
      state.rates[i].push(rate);
      if (state.rates[i].length > WINDOW) state.rates[i].shift();
    });
    drawChart();
  }
  state.last = { at: now, values };
  state.counters = r.body.counters;
  showCounters();
  $("rates").hidden = false;
  $("counters").hidden = false;
}

function showCounters() {
  const words = $("counter-filter").value.trim().toLowerCase().split(/\s+/).filter(Boolean);
  const nonzero = $("counter-nonzero").checked;
  const shown = state.counters.filter((c) => (!nonzero || c.value !== 0)
    && words.every((w) => c.name.toLowerCase().includes(w) || (c.description || "").toLowerCase().includes(w)));
  fill($("counters-table").tBodies[0], shown, (tr, c) => {
    tr.dataset.name = c.name;
    cell(tr, c.value.toLocaleString("en-US"), "num"); cell(tr, c.name, "mono"); cell(tr, c.description, "desc");
  });
}

function color(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

function niceMax(v) {
  if (v <= 10) return 10;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  return [1, 2, 5, 10].map((m) => m * p).find((m) => m >= v);
}

function drawChart() {
  const canvas = $("chart"), g = canvas.getContext("2d");
  const w = canvas.width, h = canvas.height, left = 56, bottom = 20, top = 8, right = 8;
  const max = niceMax(Math.max(1, ...state.rates.flat()));
  g.clearRect(0, 0, w, h);
  g.font = "12px system-ui, sans-serif";
  g.strokeStyle = color("--line");
  g.fillStyle = color("--muted");
  g.lineWidth = 1;
  for (let k = 0; k <= 4; k++) {
    const y = top + (h - top - bottom) * (1 - k / 4);
    g.beginPath(); g.moveTo(left, y + 0.5); g.lineTo(w - right, y + 0.5); g.stroke();
    g.textAlign = "right"; g.textBaseline = "middle";
    g.fillText((max * k / 4).toLocaleString("en-US", { maximumFractionDigits: 1 }), left - 6, y);
  }
  g.textAlign = "left"; g.textBaseline = "bottom";
  g.fillText("−60 s", left, h);
  g.textAlign = "right";
  g.fillText("now", w - right, h);
  const x = (i, n) => w - right - (n - 1 - i) * (w - left - right) / (WINDOW - 1);
  const y = (v) => top + (h - top - bottom) * (1 - v / max);
  SERIES.forEach((s, i) => {
    const points = state.rates[i];
    if (points.length === 0) return;
    g.strokeStyle = color(s.color);
    g.lineWidth = 2;
    g.beginPath();
    points.forEach((v, j) => (j ? g.lineTo(x(j, points.length), y(v)) : g.moveTo(x(j, points.length), y(v))));
    g.stroke();
  });
  canvas.dataset.samples = String(state.rates[0].length);
  fill($("legend"), SERIES, (li, s) => {
    const points = state.rates[SERIES.indexOf(s)];
    const now = points.length ? points[points.length - 1] : 0;
    li.style.setProperty("--c", color(s.color));
    li.dataset.counter = s.counter;
    li.dataset.rate = String(now);
    li.textContent = s.label + " " + Math.round(now).toLocaleString("en-US") + "/s";
  });
}

// ---- sessions (GET /api/v1/sessions?host=&protocol=&port=&limit=) ----

function list(body, key) {
  return Array.isArray(body) ? body : (body && body[key]) || [];
}

async function loadSessions() {
  const form = new FormData($("sessions-filter"));
  const query = new URLSearchParams();
  for (const [k, v] of form) if (String(v).trim()) query.set(k, String(v).trim());
  let r;
  try { r = await api("sessions?" + query); } catch (e) { return; }
  if (r.status === 404 || r.status === 405) return; // not served by this jnat yet: the section stays hidden
  $("sessions").hidden = false;
  if (!r.ok) {
    $("sessions-count").textContent = (r.body && r.body.error) || "HTTP " + r.status;
    return;
  }
  const sessions = list(r.body, "sessions");
  const total = r.body && r.body.total !== undefined ? r.body.total : sessions.length;
  $("sessions-count").textContent = "(" + sessions.length + (total > sessions.length ? " of " + total : "") + ")";
  // Packets and bytes per session are optional: a jnat that does not count them leaves the columns out.
  const traffic = sessions.some((s) => s.packets_out !== undefined);
  for (const th of document.querySelectorAll("#sessions-table th.traffic")) th.hidden = !traffic;
  fill($("sessions-table").tBodies[0], sessions, (tr, s) => {
    cell(tr, s.protocol); cell(tr, s.inside, "mono"); cell(tr, s.outside, "mono"); cell(tr, s.remote, "mono");
    cell(tr, s.state || ""); cell(tr, s.idle_seconds, "num"); cell(tr, s.expires_in_seconds, "num");
    if (traffic) {
      cell(tr, s.packets_out, "num"); cell(tr, s.packets_in, "num"); cell(tr, s.bytes_out, "num"); cell(tr, s.bytes_in, "num");
    }
  });
}

// ---- forwards (GET, POST, DELETE /api/v1/forwards) ----

async function loadForwards() {
  let r;
  try { r = await api("forwards"); } catch (e) { return; }
  if (r.status === 404 || r.status === 405) return;
  $("forwards").hidden = false;
  if (!r.ok) return;
  fill($("forwards-table").tBodies[0], list(r.body, "forwards"), (tr, f) => {
    if (f.id === undefined) { // a host's own mapping (PCP, NAT-PMP): its lifetime or the host ends it
      cell(tr, "-", "mono"); cell(tr, f.protocol); cell(tr, f.port, "mono"); cell(tr, f.to, "mono");
      cell(tr, f.by + ", " + f.lifetime_seconds + " s left");
      return;
    }
    tr.dataset.id = f.id;
    cell(tr, f.id, "mono"); cell(tr, f.protocol); cell(tr, f.port, "mono"); cell(tr, f.to, "mono");
    const button = document.createElement("button");
    button.textContent = "remove";
    button.className = "remove";
    button.addEventListener("click", () => removeForward(f.id));
    tr.insertCell().appendChild(button);
  });
}

function refused(r) {
  return (r.body && r.body.error) || "HTTP " + r.status;
}

async function addForward(event) {
  event.preventDefault();
  const form = new FormData(event.target);
  const body = { protocol: form.get("protocol"), port: String(form.get("port")).trim(), to: String(form.get("to")).trim() };
  const r = await api("forwards", { method: "POST", body: JSON.stringify(body) });
  if (!r.ok) {
    message("The forward was not added: " + refused(r));
    return;
  }
  event.target.reset();
  message("Forward added: " + body.protocol + " " + body.port + " → " + body.to, true);
  loadForwards();
}

async function removeForward(id) {
  const r = await api("forwards?id=" + encodeURIComponent(id), { method: "DELETE" });
  if (!r.ok) {
    message("The forward was not removed: " + refused(r));
    return;
  }
  message("Forward " + id + " removed", true);
  loadForwards();
}

// ---- start ----

function every(millis, task) {
  const run = () => task().catch(() => live(false));
  run();
  return setInterval(run, millis);
}

document.addEventListener("DOMContentLoaded", () => {
  $("token").value = token();
  $("token-form").addEventListener("submit", (e) => {
    e.preventDefault();
    sessionStorage.setItem("jnat.token", $("token").value.trim());
    message("Token kept for this tab", true);
  });
  $("token-forget").addEventListener("click", () => {
    sessionStorage.removeItem("jnat.token");
    $("token").value = "";
  });
  $("counter-filter").addEventListener("input", showCounters);
  $("counter-nonzero").addEventListener("change", showCounters);
  $("sessions-filter").addEventListener("input", () => loadSessions());
  $("sessions-filter").addEventListener("submit", (e) => { e.preventDefault(); loadSessions(); });
  $("forward-add").addEventListener("submit", addForward);
  every(5000, loadStatus);
  every(1000, loadCounters);
  every(2000, loadSessions);
  every(5000, loadForwards);
  setInterval(tickUptime, 1000);
});
