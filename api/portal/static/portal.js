"use strict";
// BenchSight admin portal: plain JS, no library, no build step. Every call goes to the same API
// any client uses, with the key kept in this browser's localStorage.

const $ = (id) => document.getElementById(id);
const KEY = "benchsight.key";
const state = { watching: null, runId: null, runCursors: [null], gameCursors: [null], browse: { table: null, offset: 0, total: 0 }, tables: [], nodes: new Map() };

// `make run` prints a link with the key in the fragment (never sent to the server): keep it, then
// drop it from the address bar.
const fragmentKey = new URLSearchParams(location.hash.slice(1)).get("key");
if (fragmentKey) { localStorage.setItem(KEY, fragmentKey); history.replaceState(null, "", location.pathname + "#pipeline"); }
const apiKey = () => (localStorage.getItem(KEY) || "").trim();

function esc(value) {
  return String(value ?? "").replace(/[&<>"']/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
}

// An API error in words: the body's `detail`, then what its `errors` name.
class ApiError extends Error {
  constructor(status, body) {
    let words = (body && body.detail) || (typeof body === "string" && body) || `HTTP ${status}`;
    const extra = (body && Array.isArray(body.errors) ? body.errors : []).map((e) => {
      if (typeof e === "string") return e;
      const where = e.field || e.key || e.column || "";
      const values = Array.isArray(e.values) ? e.values.join(", ") : (e.value ?? "");
      const message = e.message || e.detail || "";
      return [where, message, values].filter((x) => x !== "" && x != null).join(": ");
    }).filter(Boolean);
    if (extra.length && !extra.every((x) => words.includes(x))) words += "\n" + extra.map((x) => "- " + x).join("\n");
    super(words);
    this.status = status;
    this.body = body;
  }
}

async function api(path, options = {}) {
  const headers = Object.assign({"Accept": "application/json"}, options.headers || {});
  if (apiKey()) headers["Authorization"] = "Bearer " + apiKey();
  if (options.json !== undefined) { headers["Content-Type"] = "application/json"; options.body = JSON.stringify(options.json); }
  const response = await fetch(path, Object.assign({}, options, {headers}));
  const type = response.headers.get("content-type") || "";
  const body = type.includes("json") ? await response.json() : await response.text();
  if (!response.ok) throw new ApiError(response.status, body);
  if (options.withHeaders) return {body, headers: response.headers};
  return body;
}

const fmtTime = (t) => (t ? new Date(t).toLocaleString() : "");
const fmtSeconds = (s) => (s == null ? "" : Number(s).toFixed(1));
const list = (text) => text.split(",").map((s) => s.trim()).filter(Boolean);
const ids = (text) => list(text).map((s) => Number(s.replace(/[^0-9]/g, "")) || s);
function show(id, text, cls) { const el = $(id); el.textContent = text || ""; if (cls !== undefined) el.className = cls; }

// ------------------------------------------------------------------------------- navigation
const VIEWS = ["pipeline", "games", "game", "staging", "schema", "models", "settings"];
function route() {
  const [view, arg] = (location.hash.slice(1) || "pipeline").split("/");
  const name = VIEWS.includes(view) ? view : "pipeline";
  for (const v of VIEWS) $("view-" + v).hidden = v !== name;
  document.querySelectorAll("header nav a").forEach((a) => {
    const active = a.dataset.view === name || (name === "game" && a.dataset.view === "games");
    if (active) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
  });
  $("no-key").hidden = !!apiKey() || name === "settings";
  if (!apiKey()) { if (name === "settings") loadSettings(); return; }
  ({pipeline: loadPipeline, games: loadGames, game: () => loadGame(Number(arg)), staging: loadStaging,
    schema: () => {}, models: loadModels, settings: loadSettings})[name]();
}
window.addEventListener("hashchange", route);

async function health() {
  try {
    const h = await api("/api/health");
    show("health", "API " + h.status + " · v" + h.version, "badge ok");
  } catch (e) { show("health", "API unreachable", "badge bad"); }
}

// ------------------------------------------------------------------------------- pipeline
let pipelineLoaded = false;
function loadPipeline() {
  loadRuns();
  loadSchedules();
}

// The search lists load when a field is first used, so the page is ready without them: tables
// from the manifest the lineage site publishes, games from the games list.
let optionsLoaded = false;
for (const id of ["t-games", "t-exclude-games", "t-tables", "t-exclude-tables", "p-exclude"]) {
  $(id).addEventListener("focus", () => { if (!optionsLoaded || !pipelineLoaded) { optionsLoaded = pipelineLoaded = true; loadOptions(); } });
}

async function loadOptions() {
  try {
    let manifest = await fetch("/lineage/manifest.json").then((r) => (r.ok ? r.json() : null));
    if (!manifest) {  // no lineage site yet: the manifest of the last good build
      const last = (await api("/api/etl/runs?limit=1&status=succeeded")).runs[0];
      if (last) manifest = await api(`/api/etl/runs/${last.run_id}/artifacts/manifest.json`);
    }
    if (manifest) {
      const names = Object.values(manifest.nodes).filter((n) => n.resource_type === "model").map((n) => n.name).sort();
      $("model-options").innerHTML = names.map((n) => `<option value="${esc(n)}">`).join("");
    }
  } catch (e) { /* free text still works */ }
  try {
    const page = await api("/api/games?limit=500");
    $("game-options").innerHTML = page.games.map((g) => `<option value="${g.game_id}">${esc(g.date)} ${esc(g.home_team_name)} v ${esc(g.away_team_name)}</option>`).join("");
  } catch (e) { /* ids can still be typed */ }
}

$("trigger-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  show("trigger-error", "");
  const body = {mode: $("t-mode").value, source: $("t-source").value, options: {
    validate: $("t-validate").checked, wipe: $("t-wipe").checked,
    upload_to_supabase: $("t-publish").checked, regenerate_schema: $("t-schema").checked}};
  const games = ids($("t-games").value), exclude = ids($("t-exclude-games").value);
  if (games.length) body.game_ids = games;
  if (exclude.length) body.exclude_game_ids = exclude;
  const tables = list($("t-tables").value), excludeTables = list($("t-exclude-tables").value);
  if (tables.length) body.tables = tables;
  if (excludeTables.length) body.exclude_tables = excludeTables;
  if ($("t-threads").value) body.options.threads = Number($("t-threads").value);
  if ($("t-batch").value) body.options.batch_size = Number($("t-batch").value);
  const query = $("t-conflict").value === "reject" ? "?on_conflict=reject" : "";
  $("trigger").disabled = true;
  try {
    const run = await api("/api/etl/trigger" + query, {method: "POST", json: body});
    state.runCursors = [null];
    loadRuns();
    watch(run.run_id);
  } catch (e) { show("trigger-error", e.message); }
  finally { $("trigger").disabled = false; }
});

function statusCell(status) { return `<span class="status-${esc(status)}">${esc(status)}</span>`; }

async function loadRuns() {
  const params = new URLSearchParams({limit: $("h-limit").value});
  if ($("h-status").value) params.set("status", $("h-status").value);
  if ($("h-mode").value) params.set("mode", $("h-mode").value);
  if ($("h-since").value) params.set("since", new Date($("h-since").value + "T00:00:00").toISOString());
  if ($("h-until").value) params.set("until", new Date($("h-until").value + "T23:59:59").toISOString());
  const page = state.runCursors.length - 1, cursor = state.runCursors[page];
  if (cursor) params.set("cursor", cursor);
  try {
    const result = await api("/api/etl/runs?" + params);
    $("runs").innerHTML = result.runs.map((r) => `<tr class="clickable" tabindex="0" data-run="${r.run_id}">
      <td>${r.run_id}</td><td>${statusCell(r.status)}</td><td>${esc(r.mode)}</td>
      <td>${esc(fmtTime(r.created_at))}</td><td>${r.nodes.done}/${r.nodes.total}</td>
      <td>${r.result ? fmtSeconds(r.result.duration_seconds) : ""}</td>
      <td>${r.result ? r.result.tests_passed + " passed" + (r.result.tests_failed ? ", " + r.result.tests_failed + " failed" : "") : ""}</td>
      <td>${r.retry_of ?? ""}</td></tr>`).join("")
      || `<tr><td colspan="8" class="muted">No runs match.</td></tr>`;
    $("runs").querySelectorAll("tr[data-run]").forEach((tr) => {
      const open = () => watch(Number(tr.dataset.run));
      tr.addEventListener("click", open);
      tr.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); open(); } });
    });
    state.runNext = result.next_cursor;
    $("runs-next").disabled = !result.next_cursor;
    $("runs-prev").disabled = page === 0;
    show("runs-page", `page ${page + 1}`);
    const live = result.runs.find((r) => ["queued", "running", "cancelling"].includes(r.status));
    if (live && !state.watching) watch(live.run_id);
  } catch (e) { $("runs").innerHTML = `<tr><td colspan="8" class="error">${esc(e.message)}</td></tr>`; }
}
$("history-filters").addEventListener("submit", (e) => { e.preventDefault(); state.runCursors = [null]; loadRuns(); });
$("runs-next").addEventListener("click", () => { state.runCursors.push(state.runNext); loadRuns(); });
$("runs-prev").addEventListener("click", () => { state.runCursors.pop(); loadRuns(); });

const LIVE = ["queued", "running", "cancelling"];
function showRun(run) {
  state.runId = run.run_id;
  $("run-title").innerHTML = `Run #${run.run_id} · ${statusCell(run.status)} · ${esc(run.mode)} · ${esc(run.source)}` +
    (run.retry_of ? ` · retry of #${run.retry_of}` : "");
  const percent = Math.round(run.progress || 0);
  $("run-bar").style.width = percent + "%";
  $("run-progress").setAttribute("aria-valuenow", String(percent));
  show("run-percent", percent + " %");
  show("run-node", run.current_node ? "building " + run.current_node : "");
  show("run-detail", `${run.nodes.done} of ${run.nodes.total} nodes` + (run.nodes.failed ? `, ${run.nodes.failed} failed` : "") +
    (run.nodes.skipped ? `, ${run.nodes.skipped} skipped` : "") + (run.current_step ? ` · ${run.current_step}` : "") +
    (run.result && run.result.duration_seconds != null ? ` · ${fmtSeconds(run.result.duration_seconds)} s` : ""));
  show("run-errors", (run.errors || []).map((e) => (e.node ? e.node + ": " : "") + (e.message || "")).join("\n"));
  $("cancel").disabled = !["queued", "running"].includes(run.status);
  const retryable = ["failed", "cancelled"].includes(run.status);
  $("retry-failure").hidden = !retryable || run.mode === "test";
  $("retry-start").hidden = !retryable;
}

function appendLog(line) {
  const log = $("log");
  log.textContent += line + "\n";
  if ($("follow").checked) log.scrollTop = log.scrollHeight;
}

async function watch(runId) {
  if (state.watching) state.watching.abort();
  const controller = new AbortController();
  state.watching = controller;
  $("log").textContent = "";
  state.nodes = new Map();
  drawTimeline();
  try {
    showRun(await api(`/api/etl/runs/${runId}`));
    for (const step of (await api(`/api/etl/runs/${runId}/steps`)).steps) state.nodes.set(step.unique_id, step);
    drawTimeline();
    // EventSource cannot send an Authorization header, so the stream is read with fetch.
    const response = await fetch(`/api/etl/runs/${runId}/events`, {
      headers: {"Authorization": "Bearer " + apiKey(), "Accept": "text/event-stream"}, signal: controller.signal});
    if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => null));
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const {value, done} = await reader.read();
      if (done) break;
      // Litestar ends SSE lines with CRLF; a CR split from its LF by a chunk joins it next round.
      buffer = (buffer + decoder.decode(value, {stream: true})).replace(/\r\n/g, "\n");
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, cut); buffer = buffer.slice(cut + 2);
        let event = "message", data = "";
        for (const line of block.split("\n")) {
          if (line.startsWith("event:")) event = line.slice(6).trim();
          else if (line.startsWith("data:")) data += line.slice(5).trim();
        }
        if (!data) continue;
        const payload = JSON.parse(data);
        if (event === "progress" || event === "end") showRun(payload);
        if (event === "node") {
          state.nodes.set(payload.unique_id || payload.name, payload);
          appendLog(`${String(payload.status).padEnd(8)} ${payload.name} ${payload.seconds != null ? Number(payload.seconds).toFixed(2) + " s" : ""}`);
          scheduleTimeline();
        }
        if (event === "log" && payload.message) appendLog(payload.message);
        if (event === "error") appendLog("error: " + (payload.detail || data));
        if (event === "end") {
          for (const step of (await api(`/api/etl/runs/${runId}/steps`)).steps) state.nodes.set(step.unique_id, step);
          drawTimeline();
          state.watching = null;
          loadRuns();
          return;
        }
      }
    }
  } catch (e) { if (e.name !== "AbortError") appendLog("stream ended: " + e.message); }
  if (state.watching === controller) state.watching = null;
}

let timelineTimer = null;
function scheduleTimeline() { if (!timelineTimer) timelineTimer = setTimeout(() => { timelineTimer = null; drawTimeline(); }, 400); }

// Which nodes took the time: one bar per finished node from its start to its end, longest named.
function drawTimeline() {
  const nodes = [...state.nodes.values()].filter((n) => n.started_at && n.completed_at);
  const box = $("timeline");
  if (!nodes.length) { box.innerHTML = `<p class="muted">Nodes appear here as they finish.</p>`; return; }
  const t = (x) => new Date(x).getTime();
  const start = Math.min(...nodes.map((n) => t(n.started_at))), end = Math.max(...nodes.map((n) => t(n.completed_at)));
  const span = Math.max(end - start, 1);
  nodes.sort((a, b) => t(a.started_at) - t(b.started_at));
  const shown = nodes.length > 40 ? [...nodes].sort((a, b) => (b.seconds || 0) - (a.seconds || 0)).slice(0, 40).sort((a, b) => t(a.started_at) - t(b.started_at)) : nodes;
  const width = 560, label = 200, row = 16, height = shown.length * row + 24;
  const scale = (width - label - 60) / span;
  const colour = (s) => ({success: "#1a7f37", pass: "#1a7f37", error: "#c11f2b", fail: "#c11f2b", skipped: "#9aa3af", warn: "#8a5d00"}[s] || "#1f5fd6");
  const bars = shown.map((n, i) => {
    const x = label + (t(n.started_at) - start) * scale, w = Math.max((t(n.completed_at) - t(n.started_at)) * scale, 2), y = i * row + 4;
    const secs = n.seconds != null ? Number(n.seconds) : (t(n.completed_at) - t(n.started_at)) / 1000;
    return `<g class="node"><title>${esc(n.name)}: ${secs.toFixed(2)} s (${esc(n.status)})</title>` +
      `<text x="${label - 6}" y="${y + 11}" text-anchor="end">${esc(String(n.name).slice(0, 30))}</text>` +
      `<rect x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${row - 4}" rx="2" fill="${colour(n.status)}"></rect>` +
      `<text x="${(x + w + 4).toFixed(1)}" y="${y + 11}">${secs.toFixed(1)} s</text></g>`;
  }).join("");
  const axis = `<text x="${label}" y="${height - 4}">0 s</text><text x="${width - 60}" y="${height - 4}" text-anchor="end">${(span / 1000).toFixed(1)} s</text>`;
  box.innerHTML = `<svg role="img" aria-label="Node timeline: ${shown.length} of ${nodes.length} nodes over ${(span / 1000).toFixed(1)} s" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${bars}${axis}</svg>` +
    (shown.length < nodes.length ? `<p class="muted">The ${shown.length} longest of ${nodes.length} nodes.</p>` : "");
}

$("cancel").addEventListener("click", async () => {
  try { await api(`/api/etl/cancel/${state.runId}`, {method: "POST"}); showRun(await api(`/api/etl/runs/${state.runId}`)); }
  catch (e) { show("run-errors", "cancel: " + e.message); }
});
for (const [button, from] of [["retry-failure", "failure"], ["retry-start", "start"]]) {
  $(button).addEventListener("click", async () => {
    try { const run = await api(`/api/etl/retry/${state.runId}?from=${from}`, {method: "POST"}); loadRuns(); watch(run.run_id); }
    catch (e) { show("run-errors", "retry: " + e.message); }
  });
}

async function loadSchedules() {
  try {
    const result = await api("/api/etl/schedules");
    $("schedules").innerHTML = result.schedules.map((s, i) => `<tr data-name="${esc(s.name)}">
      <td>${esc(s.name)}</td>
      <td><label class="sr-only" for="cron-${i}">Cron of ${esc(s.name)}</label><input id="cron-${i}" class="cron" type="text" value="${esc(s.cron)}"></td>
      <td><label class="check"><input class="enabled" type="checkbox" ${s.enabled ? "checked" : ""}><span class="sr-only">${esc(s.name)} enabled</span></label></td>
      <td>${esc(s.mode)}</td><td>${esc(fmtTime(s.next_run_at))}</td><td>${s.last_run_id ?? ""}</td>
      <td><button type="button" class="secondary save">Save</button></td></tr>`).join("")
      || `<tr><td colspan="7" class="muted">No schedules yet.</td></tr>`;
    $("schedules").querySelectorAll("tr[data-name]").forEach((tr) => {
      const schedule = result.schedules.find((s) => s.name === tr.dataset.name);
      tr.querySelector(".save").addEventListener("click", () => saveSchedule(schedule.name, tr.querySelector(".cron").value, tr.querySelector(".enabled").checked, schedule.request));
    });
  } catch (e) { $("schedules").innerHTML = `<tr><td colspan="7" class="error">${esc(e.message)}</td></tr>`; }
}
async function saveSchedule(name, cron, enabled, request) {
  show("schedule-error", "");
  try { await api(`/api/etl/schedules/${encodeURIComponent(name)}`, {method: "PUT", json: {cron, enabled, request: request || {}}}); loadSchedules(); }
  catch (e) { show("schedule-error", e.message); }
}
$("schedule-new").addEventListener("submit", (e) => {
  e.preventDefault();
  saveSchedule($("s-name").value.trim(), $("s-cron").value.trim(), true, {mode: $("s-mode").value});
});

// ------------------------------------------------------------------------------- games
function gradeBadge(grade) { return grade ? `<span class="grade g-${esc(grade)}">${esc(grade)}</span>` : ""; }
function score(home, away) { return home == null && away == null ? "" : `${home ?? "?"}-${away ?? "?"}`; }

async function loadGames() {
  const params = new URLSearchParams({limit: "50"});
  for (const [id, name] of [["g-season", "season_id"], ["g-team", "team_id"], ["g-status", "status"], ["g-grade", "grade"]]) {
    if ($(id).value.trim()) params.set(name, $(id).value.trim());
  }
  const page = state.gameCursors.length - 1;
  if (state.gameCursors[page]) params.set("cursor", state.gameCursors[page]);
  try {
    const result = await api("/api/games?" + params);
    $("games-table").innerHTML = result.games.map((g) => `<tr>
      <td><a href="#game/${g.game_id}">${g.game_id}</a></td><td>${esc(g.date)}</td><td>${esc(g.home_team_name)}</td><td>${esc(g.away_team_name)}</td>
      <td>${score(g.home_goals_official, g.away_goals_official)}</td><td>${esc(g.tracking_status)}</td><td>${gradeBadge(g.grade)}</td></tr>`).join("")
      || `<tr><td colspan="7" class="muted">No games match.</td></tr>`;
    state.gameNext = result.next_cursor;
    $("games-next").disabled = !result.next_cursor;
    $("games-prev").disabled = page === 0;
    show("games-page", `page ${page + 1}`);
  } catch (e) { $("games-table").innerHTML = `<tr><td colspan="7" class="error">${esc(e.message)}</td></tr>`; }
}
$("games-filters").addEventListener("submit", (e) => { e.preventDefault(); state.gameCursors = [null]; loadGames(); });
$("games-next").addEventListener("click", () => { state.gameCursors.push(state.gameNext); loadGames(); });
$("games-prev").addEventListener("click", () => { state.gameCursors.pop(); loadGames(); });

let uploadFile = null;
function pickFile(file) {
  uploadFile = file || null;
  show("u-name", file ? `${file.name} (${Math.ceil(file.size / 1024)} KB)` : "");
  const match = file && file.name.match(/^(\d+)/);
  if (match && !$("u-game").value) $("u-game").value = match[1];
}
$("u-file").addEventListener("change", () => pickFile($("u-file").files[0]));
const drop = $("drop");
drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (e) => { e.preventDefault(); drop.classList.remove("over"); pickFile(e.dataTransfer.files[0]); });

$("upload-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  show("upload-error", ""); $("upload-result").innerHTML = "";
  if (!uploadFile) { show("upload-error", "Choose a tracker file (JSON or xlsx) first."); return; }
  const game = Number($("u-game").value);
  if (!game) { show("upload-error", "Game id: enter the game this file tracks (a number)."); $("u-game").focus(); return; }
  const form = new FormData();
  form.append("file", uploadFile, uploadFile.name);
  try {
    const result = await api(`/api/games/${game}/tracking${$("u-build").checked ? "?build=true" : ""}`, {method: "POST", body: form});
    const g = result.grade || {};
    $("upload-result").innerHTML = `<p class="ok">${esc(result.file_name)}: ${esc(result.outcome)} (${esc(result.reason)})</p>
      <p>${result.events ?? 0} events, ${result.shifts ?? 0} shifts, ${result.warnings ?? 0} warnings.</p>
      <p>Grade: ${gradeBadge(g.grade) || "<span class=muted>not graded yet</span>"} ${g.note ? `<span class="muted">${esc(g.note)}</span>` : ""}</p>
      ${(g.reasons || []).length ? `<ul>${g.reasons.map((r) => `<li>${esc(r)}</li>`).join("")}</ul>` : ""}
      ${result.build ? `<p>Build queued: <a href="#pipeline" data-watch="${result.build.run_id}">run #${result.build.run_id}</a></p>` : ""}
      <p><a href="#game/${game}">Open game ${game}</a></p>`;
    const link = $("upload-result").querySelector("[data-watch]");
    if (link) link.addEventListener("click", () => watch(Number(link.dataset.watch)));
    loadGames();
  } catch (e) { show("upload-error", e.message); }
});

async function loadGame(gameId) {
  show("game-error", "");
  $("game-title").textContent = `Game ${gameId}`;
  for (const id of ["game-score", "game-grade", "game-reasons", "game-build", "game-files", "shot-map", "shot-legend", "box-score"]) $(id).innerHTML = "";
  try {
    const [detail, status] = await Promise.all([api(`/api/games/${gameId}`), api(`/api/games/${gameId}/status`)]);
    const s = detail.schedule || {};
    $("game-title").textContent = `Game ${gameId}` + (s.date ? ` · ${s.date}` : "") + (s.home_team_name ? ` · ${s.home_team_name} v ${s.away_team_name}` : "");
    const goals = status.goals;
    $("game-score").innerHTML = `<p class="score">Official ${esc(score(goals.home_official, goals.away_official) || "none")}</p>
      <p class="score">Tracked ${esc(score(goals.home_tracked, goals.away_tracked) || "none")}</p>
      <p>${goals.matches == null ? "" : goals.matches ? '<span class="ok">the tracked goals match the official score</span>' : '<span class="error">the tracked goals differ from the official score</span>'}</p>`;
    $("game-grade").innerHTML = `<p>Tracking ${esc(status.tracking_status)} · grade ${gradeBadge(status.grade) || "none"}</p>`;
    $("game-reasons").innerHTML = (status.reasons || []).map((r) => `<li>${esc(r)}</li>`).join("");
    const b = status.last_build;
    $("game-build").textContent = b ? `Last built ${fmtTime(b.built_at)}${b.run_id ? " by run #" + b.run_id : ""}${b.stale ? " (stale: files changed since)" : ""}` : "Not built yet.";
    $("game-files").innerHTML = detail.tracking_files.map((f) => `<tr><td>${esc(f.file_name)}</td><td>${esc(f.source_format)}</td><td>${esc(f.version)}</td>
      <td>${f.events ?? ""}</td><td>${f.shifts ?? ""}</td><td>${f.chosen ? "yes" : "no"}</td><td>${esc(f.reason)}</td></tr>`).join("")
      || `<tr><td colspan="7" class="muted">No tracking files.</td></tr>`;
  } catch (e) { show("game-error", e.message); return; }
  try { drawShotMap(await api(`/api/portal/games/${gameId}/shots`)); }
  catch (e) { $("shot-map").innerHTML = `<p class="error">${esc(e.message)}</p>`; }
  try { drawBoxScore(await api(`/api/portal/games/${gameId}/box-score`)); }
  catch (e) { $("box-score").innerHTML = `<p class="error">${esc(e.message)}</p>`; }
}

// A rink 200 x 85 ft, centre ice at 0,0; each team's shots drawn attacking its own end (home to
// the right, away to the left), coloured by outcome and sized by xG when the model gives one.
function drawShotMap(data) {
  const OUT = {goal: "#c11f2b", saved: "#1f5fd6", missed: "#8a5d00", blocked: "#6b7280"};
  const placed = data.shots.filter((s) => s.x != null && s.y != null);
  const dots = placed.map((s) => {
    const away = s.venue === "away";
    const x = away ? -s.x : s.x, y = away ? -s.y : s.y;
    const r = s.xg != null ? 2 + 10 * Math.sqrt(s.xg) : 2.6;
    const fill = OUT[s.outcome] || "#111827";
    const shape = away ? `<rect class="shot" x="${(x - r).toFixed(1)}" y="${(-y - r).toFixed(1)}" width="${(2 * r).toFixed(1)}" height="${(2 * r).toFixed(1)}" fill="${fill}" fill-opacity=".8"></rect>`
      : `<circle class="shot" cx="${x.toFixed(1)}" cy="${(-y).toFixed(1)}" r="${r.toFixed(1)}" fill="${fill}" fill-opacity=".8"></circle>`;
    return `<g data-outcome="${esc(s.outcome)}"><title>${esc(s.venue)} ${esc(s.outcome)} · period ${s.period}${s.shot_type ? " · " + esc(s.shot_type) : ""}${s.xg != null ? " · xG " + Number(s.xg).toFixed(2) : ""}</title>${shape}</g>`;
  }).join("");
  const rink = `<rect x="-100" y="-42.5" width="200" height="85" rx="28" fill="#fff" stroke="#111827" stroke-width="1"></rect>
    <line x1="0" y1="-42.5" x2="0" y2="42.5" stroke="#c11f2b" stroke-width="1"></line>
    <line x1="-25" y1="-42.5" x2="-25" y2="42.5" stroke="#1f5fd6" stroke-width="1"></line><line x1="25" y1="-42.5" x2="25" y2="42.5" stroke="#1f5fd6" stroke-width="1"></line>
    <line x1="-89" y1="-40" x2="-89" y2="40" stroke="#c11f2b" stroke-width=".5"></line><line x1="89" y1="-40" x2="89" y2="40" stroke="#c11f2b" stroke-width=".5"></line>
    <circle cx="0" cy="0" r="15" fill="none" stroke="#1f5fd6" stroke-width=".5"></circle>
    <circle cx="69" cy="22" r="15" fill="none" stroke="#c11f2b" stroke-width=".5"></circle><circle cx="69" cy="-22" r="15" fill="none" stroke="#c11f2b" stroke-width=".5"></circle>
    <circle cx="-69" cy="22" r="15" fill="none" stroke="#c11f2b" stroke-width=".5"></circle><circle cx="-69" cy="-22" r="15" fill="none" stroke="#c11f2b" stroke-width=".5"></circle>
    <path d="M89 -4 A4 4 0 0 0 89 4 Z" fill="#bfdbfe"></path><path d="M-89 -4 A4 4 0 0 1 -89 4 Z" fill="#bfdbfe"></path>`;
  $("shot-map").innerHTML = `<svg id="rink" role="img" aria-label="Shot map: ${placed.length} of ${data.shots.length} shots with a location" viewBox="-102 -45 204 90">${rink}${dots}</svg>`;
  const counts = {};
  for (const s of data.shots) counts[s.outcome] = (counts[s.outcome] || 0) + 1;
  $("shot-legend").innerHTML = `${data.shots.length} shots (${placed.length} with a location): ` +
    Object.entries(counts).map(([k, v]) => `<span style="color:${OUT[k] || "#111827"}">&#9679;</span> ${esc(k)} ${v}`).join(", ") +
    `. Home (circles) attacks right, away (squares) left.` + (data.shots.some((s) => s.xg != null) ? " Sized by xG." : "");
}

function drawBoxScore(data) {
  if (!data.players.length) { $("box-score").innerHTML = `<p class="muted">No player lines for this game (not built, or untracked).</p>`; return; }
  const cols = data.columns;
  $("box-score").innerHTML = `<table><caption class="sr-only">Box score</caption><thead><tr>${cols.map((c) => `<th>${esc(c.replace(/_/g, " "))}</th>`).join("")}</tr></thead>
    <tbody>${data.players.map((p) => `<tr>${cols.map((c) => `<td>${esc(p[c])}</td>`).join("")}</tr>`).join("")}</tbody></table>`;
}

// ------------------------------------------------------------------------------- staging
async function loadStaging() {
  try {
    const result = await api("/api/staging/blb-tables");
    state.tables = result.tables;
    $("staging-tables").innerHTML = result.tables.map((t) => `<tr class="clickable" tabindex="0" data-table="${esc(t.table_name)}"><td>${esc(t.table_name)}</td><td>${t.rows}</td><td>${esc(t.key.join(", "))}</td></tr>`).join("");
    $("staging-tables").querySelectorAll("tr[data-table]").forEach((tr) => {
      const open = () => { $("b-table").value = tr.dataset.table; browse(0); };
      tr.addEventListener("click", open);
      tr.addEventListener("keydown", (e) => { if (e.key === "Enter") open(); });
    });
    document.querySelectorAll(".table-select").forEach((select) => {
      const current = select.value;
      select.innerHTML = result.tables.map((t) => `<option value="${esc(t.table_name)}">${esc(t.table_name)} (${t.rows})</option>`).join("");
      if (current) select.value = current;
    });
    fillColumns();
    if (state.browse.table) browse(state.browse.offset);
  } catch (e) { $("staging-tables").innerHTML = `<tr><td colspan="3" class="error">${esc(e.message)}</td></tr>`; }
}
function fillColumns() {
  const table = state.tables.find((t) => t.table_name === $("e-table").value);
  if (!table) return;
  for (const id of ["e-column", "e-set-column"]) {
    const current = $(id).value;
    $(id).innerHTML = table.columns.map((c) => `<option>${esc(c)}</option>`).join("");
    if (table.columns.includes(current)) $(id).value = current;
  }
}
$("e-table").addEventListener("change", fillColumns);

async function browse(offset) {
  const table = $("b-table").value;
  show("browse-error", "");
  try {
    const page = await api(`/api/portal/staging/${encodeURIComponent(table)}/rows?offset=${offset}&limit=25`);
    state.browse = {table, offset, total: page.total};
    $("browse").innerHTML = `<table id="browse-table"><caption class="sr-only">Rows of ${esc(table)}</caption><thead><tr>${page.columns.map((c) => `<th>${esc(c)}</th>`).join("")}</tr></thead>
      <tbody>${page.rows.map((r) => `<tr>${page.columns.map((c) => `<td>${esc(r[c])}</td>`).join("")}</tr>`).join("") || `<tr><td class="muted" colspan="${page.columns.length}">No rows.</td></tr>`}</tbody></table>`;
    $("browse-prev").disabled = offset === 0;
    $("browse-next").disabled = offset + 25 >= page.total;
    show("browse-page", page.total ? `rows ${offset + 1}-${Math.min(offset + 25, page.total)} of ${page.total}` : "0 rows");
  } catch (e) { show("browse-error", e.message); }
}
$("browse-form").addEventListener("submit", (e) => { e.preventDefault(); browse(0); });
$("browse-prev").addEventListener("click", () => browse(Math.max(state.browse.offset - 25, 0)));
$("browse-next").addEventListener("click", () => browse(state.browse.offset + 25));

$("edit-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  show("edit-error", ""); show("edit-result", "");
  const body = {table_name: $("e-table").value, filter_column: $("e-column").value, filter_value: $("e-value").value,
    updates: {[$("e-set-column").value]: $("e-set-value").value}};
  try {
    const result = await api("/api/staging/blb-tables/update", {method: "PUT", json: body});
    show("edit-result", `${result.rows_updated} rows of ${result.table_name} updated.`, "ok");
    $("b-table").value = body.table_name;
    await loadStaging();
    browse(state.browse.table === body.table_name ? state.browse.offset : 0);
  } catch (e) { show("edit-error", e.message); }
});

function parseCsv(text) {
  const rows = [];
  let row = [], field = "", quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") { row.push(field); field = ""; }
    else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field); field = "";
      if (row.some((v) => v !== "")) rows.push(row);
      row = [];
    } else field += c;
  }
  row.push(field);
  if (row.some((v) => v !== "")) rows.push(row);
  const [header, ...data] = rows;
  if (!header) return [];
  return data.map((values) => Object.fromEntries(header.map((h, i) => [h.trim(), values[i] ?? ""])));
}
$("rows-upload").addEventListener("submit", async (event) => {
  event.preventDefault();
  show("rows-error", ""); show("rows-result", "");
  const file = $("r-file").files[0];
  if (!file) { show("rows-error", "Choose a CSV or JSON file first."); return; }
  let data;
  try {
    const text = await file.text();
    data = /\.json$/i.test(file.name) ? JSON.parse(text) : parseCsv(text);
    if (!Array.isArray(data)) data = data.data || data.rows;
    if (!Array.isArray(data)) throw new Error("the JSON must be a list of rows (objects), or {data: [...]}");
  } catch (e) { show("rows-error", `${file.name}: ${e.message}`); return; }
  try {
    const result = await api("/api/staging/blb-tables/upload", {method: "POST", json: {table_name: $("r-table").value, data, replace: $("r-replace").checked}});
    show("rows-result", `${result.rows_inserted} rows added to ${result.table_name}` + (result.rows_deleted ? `, ${result.rows_deleted} replaced` : "") + ".", "ok");
    loadStaging();
  } catch (e) { show("rows-error", e.message); }
});

$("clear-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  show("clear-error", ""); show("clear-result", "");
  const table = $("c-table").value;
  if ($("c-confirm").value.trim() !== table) { show("clear-error", `Type ${table} exactly to confirm clearing it.`); $("c-confirm").focus(); return; }
  try {
    const result = await api(`/api/staging/blb-tables/${encodeURIComponent(table)}?confirm=true`, {method: "DELETE"});
    show("clear-result", `${result.rows_deleted} rows deleted from ${result.table_name}.`, "ok");
    $("c-confirm").value = "";
    loadStaging();
  } catch (e) { show("clear-error", e.message); }
});

// ------------------------------------------------------------------------------- schema & sync
$("gen-schema").addEventListener("click", async () => {
  show("schema-error", "");
  try { $("schema-result").textContent = JSON.stringify(await api("/api/upload/generate-schema", {method: "POST"}), null, 2).slice(0, 20000); }
  catch (e) { show("schema-error", e.message); }
});
$("schema-file").addEventListener("click", async (event) => {
  event.preventDefault();
  show("schema-error", "");
  try {
    const response = await fetch("/api/upload/schema-file", {headers: {"Authorization": "Bearer " + apiKey()}});
    if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => null));
    const url = URL.createObjectURL(await response.blob());
    const a = document.createElement("a"); a.href = url; a.download = "published_tables.sql"; a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  } catch (e) { show("schema-error", e.message); }
});
$("load-schema").addEventListener("click", async () => {
  show("schema-error", "");
  try { $("schema-result").textContent = JSON.stringify(await api("/api/upload/load-schema", {method: "POST"}), null, 2); }
  catch (e) { show("schema-error", e.message); }
});
$("publish-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  show("publish-error", ""); $("publish-result").innerHTML = "";
  const body = {mode: $("p-mode").value};
  if ($("p-pattern").value.trim()) body.pattern = $("p-pattern").value.trim();
  if (list($("p-exclude").value).length) body.exclude_tables = list($("p-exclude").value);
  try {
    const job = await api("/api/upload/to-supabase", {method: "POST", json: body});
    $("publish-result").innerHTML = `<p>Run #${job.run_id || job.job_id} queued; its count appears when it ends.</p>`;
    const id = job.run_id || job.job_id;
    for (;;) {
      await new Promise((r) => setTimeout(r, 1000));
      const s = await api(`/api/upload/status/${id}`);
      if (!["pending", "running"].includes(s.status)) {
        $("publish-result").innerHTML = `<p class="${s.status === "completed" ? "ok" : "error"}">Run #${id} ${esc(s.status)}: ${s.tables_uploaded} tables, ${s.rows_uploaded} rows published${s.published_to ? " to " + esc(s.published_to) : ""}.${s.error ? " " + esc(s.error) : ""}</p>`;
        break;
      }
    }
  } catch (e) { show("publish-error", e.message); }
});

// ------------------------------------------------------------------------------- models
// Every number here is the API's, shown with the model version that produced it; when the API
// refuses (`insufficient_data`, 404, 503) its reason is shown in words instead of a number.
const pct = (p) => (p == null ? "" : (100 * p).toFixed(1) + " %");
const modelLine = (m) => (m ? `${esc(m.name)} v${esc(m.version)}, trained ${esc(fmtTime(m.trained_at))} on ${esc(m.training_rows)} rows` : "");
const refusal = (body) => `<p class="refusal">${esc(body.model_name)}: ${esc(body.reason)}</p>`;

function metricText(v) {
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : v.toFixed(4);
  if (v && typeof v === "object" && !Array.isArray(v)) {
    return Object.entries(v).map(([k, x]) => `${k} ${x && typeof x === "object" ? "{" + metricText(x) + "}" : metricText(x)}`).join(", ");
  }
  return v == null ? "none" : String(v);
}

// Reliability (calibration) plot: each bin's mean prediction against its observed rate, on the same
// scale for both axes so the diagonal is a perfectly calibrated model.
function reliabilityPlot(name, table) {
  const highest = Math.min(1, Math.max(0.05, ...table.map((b) => Math.max(b.mean_predicted, b.observed_rate, b.p_max ?? 0))));
  const max = Math.ceil(highest * 20) / 20;  // axes to the next 0.05
  const left = 48, top = 8, inner = 208, width = left + inner + 16, height = top + inner + 36;
  const px = (v) => left + (v / max) * inner, py = (v) => top + inner - (v / max) * inner;
  const ticks = [0, max / 2, max].map((t) => `<text x="${px(t)}" y="${top + inner + 14}" text-anchor="middle">${t.toFixed(2)}</text>` +
    `<text x="${left - 4}" y="${py(t) + 3}" text-anchor="end">${t.toFixed(2)}</text>`).join("");
  const line = table.map((b) => `${px(b.mean_predicted).toFixed(1)},${py(b.observed_rate).toFixed(1)}`).join(" ");
  const dots = table.map((b) => `<circle class="bin" cx="${px(b.mean_predicted).toFixed(1)}" cy="${py(b.observed_rate).toFixed(1)}" r="3.5" fill="#1f5fd6">` +
    `<title>bin ${esc(b.bin)}: ${esc(b.rows)} rows, predicted ${b.mean_predicted.toFixed(3)}, observed ${b.observed_rate.toFixed(3)}</title></circle>`).join("");
  return `<div class="reliability"><h4>Reliability (held-out games)</h4>
    <svg role="img" aria-label="Reliability plot of ${esc(name)}: ${table.length} bins, mean prediction against observed rate" viewBox="0 0 ${width} ${height}">
    <rect x="${left}" y="${top}" width="${inner}" height="${inner}" fill="#fff" stroke="#d8dce3"></rect>
    <line x1="${px(0)}" y1="${py(0)}" x2="${px(max)}" y2="${py(max)}" stroke="#9aa3af" stroke-dasharray="4 3"></line>
    <polyline points="${line}" fill="none" stroke="#1f5fd6" stroke-width="1.5"></polyline>${dots}${ticks}
    <text x="${left + inner / 2}" y="${height - 4}" text-anchor="middle">mean predicted (dashed: calibrated)</text>
    <text x="10" y="${top + inner / 2}" text-anchor="middle" transform="rotate(-90 10 ${top + inner / 2})">observed rate</text></svg></div>`;
}

function modelCard(m) {
  const metrics = Object.entries(m.metrics || {}).filter(([k]) => k !== "reliability");
  const table = Array.isArray((m.metrics || {}).reliability) ? m.metrics.reliability : null;
  return `<div class="card model-card" data-model="${esc(m.name)}"><h3>${esc(m.name)} v${esc(m.version ?? "")}${m.is_active === false ? " (inactive)" : ""}</h3><p>${esc(m.description || "")}</p>
    <p class="muted">trained ${esc(fmtTime(m.trained_at))} on ${esc(m.training_rows ?? "?")} rows${m.games != null ? " from " + esc(m.games) + " games" : ""}${m.data_from ? ", " + esc(m.data_from) + " to " + esc(m.data_to) : ""}</p>
    <dl class="status">${metrics.map(([k, v]) => `<dt>${esc(k.replace(/_/g, " "))}</dt><dd>${esc(metricText(v))}</dd>`).join("")}</dl>
    ${table && table.length ? reliabilityPlot(m.name, table) : ""}</div>`;
}

async function loadModels() {
  const box = $("models");
  try {
    const result = await api("/api/ml/models");
    const models = Array.isArray(result) ? result : (result.models || []);
    box.innerHTML = models.length ? models.map(modelCard).join("") : `<p>No models trained yet.</p>`;
  } catch (e) {
    box.innerHTML = e.status === 404 ? `<p>No models trained: this server has no model endpoint (/api/ml/models) yet.</p>` : `<p class="error">${esc(e.message)}</p>`;
  }
  const season = await loadPlayoffOdds();
  loadUpcoming(season);
}

// Returns the simulated season (to look for its upcoming games), or null.
async function loadPlayoffOdds() {
  const box = $("playoff-odds");
  try {
    const odds = await api("/api/ml/predict/playoff-probability");
    if (!Array.isArray(odds)) { box.innerHTML = refusal(odds); return null; }
    if (!odds.length) { box.innerHTML = `<p class="muted">The simulation holds no teams.</p>`; return null; }
    const o = odds[0];
    box.innerHTML = `<p class="muted" id="odds-source">Season ${esc(o.season_id)}: ${esc(o.spots)} playoff spots, ${esc(o.simulations)} simulations of the remaining games (${esc(fmtTime(o.simulated_at))}), model ${modelLine(o.model)}.</p>
      <table id="odds-table" data-spots="${esc(o.spots)}"><caption class="sr-only">Playoff odds by current standing</caption>
      <thead><tr><th class="num">Standing</th><th>Team</th><th class="num">Playoff %</th><th class="num">Expected points</th><th class="num">Points</th><th class="num">Played</th><th class="num">Remaining</th><th>Clinched / eliminated</th></tr></thead>
      <tbody>${odds.map((t) => `<tr data-team="${esc(t.team_id)}"><td class="num">${esc(t.current_standing)}</td><td>${esc(t.team_name || t.team_id)}</td>
        <td class="num playoff-pct">${pct(t.playoff_probability)}</td><td class="num">${Number(t.expected_points).toFixed(1)}</td>
        <td class="num">${esc(t.current_points)}</td><td class="num">${esc(t.games_played)}</td><td class="num">${esc(t.games_remaining)}</td>
        <td>${t.clinched ? "clinched" : t.eliminated ? "eliminated" : ""}</td></tr>`).join("")}</tbody></table>`;
    return o.season_id;
  } catch (e) { box.innerHTML = `<p class="error">${esc(e.message)}</p>`; return null; }
}

// The next scheduled games (the games list's `Upcoming` schedule type, earliest first), each
// predicted by POST /api/ml/predict/game-outcome.
const UPCOMING = 10;
async function loadUpcoming(season) {
  const box = $("upcoming");
  let games = [];
  try {
    let cursor = null;
    for (let page = 0; page < 6; page++) {
      const params = new URLSearchParams({limit: "500"});
      if (season) params.set("season_id", season);
      if (cursor) params.set("cursor", cursor);
      const result = await api("/api/games?" + params);
      games.push(...result.games.filter((g) => g.schedule_type === "Upcoming"));
      cursor = result.next_cursor;
      if (!cursor) break;
    }
  } catch (e) { box.innerHTML = `<p class="error">${esc(e.message)}</p>`; return; }
  games.sort((a, b) => (a.date || "").localeCompare(b.date || "") || a.game_id - b.game_id);
  games = games.slice(0, UPCOMING);
  if (!games.length) { box.innerHTML = `<p class="muted">No upcoming games in the schedule${season ? " of " + esc(season) : ""}.</p>`; return; }
  const answers = await Promise.all(games.map((g) => api("/api/ml/predict/game-outcome", {method: "POST", json: {game_id: g.game_id}})
    .catch((e) => ({status: "error", detail: e.message}))));
  const refused = answers.find((a) => a.status === "insufficient_data");
  if (refused && answers.every((a) => a.status === "insufficient_data")) { box.innerHTML = refusal(refused); return; }
  const versions = [...new Set(answers.filter((a) => a.model).map((a) => modelLine(a.model)))];
  box.innerHTML = (versions.length ? `<p class="muted">Model ${versions.join("; ")}.</p>` : "") +
    `<table id="upcoming-table"><caption class="sr-only">Predictions for the next scheduled games</caption>
    <thead><tr><th>Game</th><th>Date</th><th>Home</th><th>Away</th><th class="num">Home win</th><th class="num">Draw</th><th class="num">Away win</th><th>Likeliest score</th><th>Expected goals</th></tr></thead>
    <tbody>${games.map((g, i) => {
      const a = answers[i], head = `<td>${g.game_id}</td><td>${esc(g.date)}</td><td>${esc(g.home_team_name)}</td><td>${esc(g.away_team_name)}</td>`;
      if (a.status !== "ok") return `<tr data-game="${g.game_id}">${head}<td colspan="5" class="${a.status === "error" ? "error" : "muted"}">${esc(a.detail || a.reason)}</td></tr>`;
      return `<tr data-game="${g.game_id}">${head}<td class="num">${pct(a.probabilities.home_win)}</td><td class="num">${pct(a.probabilities.draw)}</td><td class="num">${pct(a.probabilities.away_win)}</td>
        <td>${esc(a.predicted_score.home)}-${esc(a.predicted_score.away)}</td><td>${a.expected_goals.home.toFixed(2)}-${a.expected_goals.away.toFixed(2)}</td></tr>`;
    }).join("")}</tbody></table>`;
}

// ------------------------------------------------------------------------------- settings
async function loadSettings() {
  $("key").value = apiKey();
  if (!apiKey()) { $("status").innerHTML = ""; show("status-error", "Enter an API key to see the server status."); return; }
  show("status-error", "");
  try {
    const s = await api("/api/status");
    const flat = Object.entries(s).map(([k, v]) => `<dt>${esc(k.replace(/_/g, " "))}</dt><dd>${esc(typeof v === "object" && v !== null ? JSON.stringify(v) : v)}</dd>`);
    $("status").innerHTML = flat.join("");
  } catch (e) { $("status").innerHTML = ""; show("status-error", e.message); }
}
$("key-form").addEventListener("submit", (e) => {
  e.preventDefault();
  localStorage.setItem(KEY, $("key").value.trim());
  show("key-result", "Key saved in this browser.", "ok");
  pipelineLoaded = false;
  loadSettings();
  $("no-key").hidden = !!apiKey();
});
$("forget-key").addEventListener("click", () => { localStorage.removeItem(KEY); $("key").value = ""; show("key-result", "Key removed from this browser."); loadSettings(); });

health();
setInterval(health, 15000);
route();
document.body.dataset.ready = "true";
