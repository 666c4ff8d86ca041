// Remit console: hash routing, the API client and every page. No framework and no build step;
// the DOM is built with createElement and textContent only (never by parsing HTML), so data from the
// API cannot inject markup, and there is no inline script or style for the CSP to refuse.

import { s, stackedArea, bars, meter, flowGraph, shortName } from "./charts.js";

const SEVERITIES = ["critical", "high", "medium", "low", "info"];
const KINDS = ["admin-equivalent", "privilege-escalation", "external-access", "public-access", "over-permission",
  "inactive-identity", "credential-hygiene", "toxic-combination"];
// Roles the built-in policies let suppress findings; the server decides (admins can extend the
// policies), so other roles still get the form folded away and the server's answer shown.
const SUPPRESS_ROLES = ["admin", "security-analyst"];
const PAGE_SIZE = 25;

const state = { user: null, csrf: null, snapshots: null, shell: null, seq: 0 };

// ---------------------------------------------------------------------------------------------
// DOM helpers

/** An HTML element: attrs are attributes (class, for, aria-*, …), `on*` keys add listeners. */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "value" || k === "checked" || k === "selected" || k === "disabled" || k === "hidden") el[k] = v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  append(el, children);
  return el;
}

/** Replaces an element's children (arrays flattened, null and false skipped). */
function fill(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

const enc = encodeURIComponent;

function fmtTime(v) {
  if (v === null || v === undefined || v === "") return "—";
  let d;
  if (typeof v === "number") d = new Date(v > 1e12 ? v : v * 1000);
  else if (/^\d+$/.test(String(v))) d = new Date(Number(v) * 1000);
  else d = new Date(v);
  if (Number.isNaN(d.getTime())) return String(v);
  return `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

function fmtDate(v) {
  const t = fmtTime(v);
  return t.length >= 10 && /^\d{4}-/.test(t) ? t.slice(0, 10) : t;
}

function num(v) {
  return typeof v === "number" ? v.toLocaleString("en-US") : v ?? "—";
}

function sum(obj) {
  return Object.values(obj || {}).reduce((a, b) => a + (Number(b) || 0), 0);
}

function sevBadge(sev) {
  const v = String(sev || "info").toLowerCase();
  return h("span", { class: `badge sev-${SEVERITIES.includes(v) ? v : "info"}` }, v);
}

function badge(text, cls = "") {
  return h("span", { class: `badge ${cls}` }, text);
}

function card(title, ...body) {
  const id = `card-${title.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`;
  return h("section", { class: "card", "aria-labelledby": id }, h("h2", { id }, title), ...body);
}

function empty(text) {
  return h("p", { class: "empty" }, text);
}

/** A table: columns [{label, cls?, th?}] and rows of cell contents. */
function table(columns, rows, { caption, cls = "" } = {}) {
  return h("table", { class: `data ${cls}` },
    caption ? h("caption", { class: "sr-only" }, caption) : null,
    h("thead", {}, h("tr", {}, columns.map((c) => c.th || h("th", { scope: "col", class: c.cls || null }, c.label)))),
    h("tbody", {}, rows.map((r) => h("tr", {}, r.map((cell, i) => h("td", { class: columns[i]?.cls || null }, cell))))));
}

function dl(pairs) {
  return h("dl", { class: "facts" }, pairs.filter(Boolean).map(([k, v]) => [h("dt", {}, k), h("dd", {}, v ?? "—")]));
}

function list(items) {
  return items.length ? h("ul", { class: "plain" }, items.map((it) => h("li", {}, it))) : empty("None.");
}

function code(text) {
  return h("code", {}, String(text));
}

function text(v) {
  if (v === null || v === undefined) return "—";
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

// ---------------------------------------------------------------------------------------------
// Routing: #/<page>/<arg>?<params>; the "as of" parameters (snapshot, at) ride along every link.

function parseHash() {
  const raw = location.hash.replace(/^#/, "") || "/dashboard";
  const q = raw.indexOf("?");
  const path = q >= 0 ? raw.slice(0, q) : raw;
  const params = new URLSearchParams(q >= 0 ? raw.slice(q + 1) : "");
  const segs = path.split("/").filter(Boolean);
  let arg = segs.slice(1).join("/");
  try { arg = decodeURIComponent(arg); } catch { /* keep it raw */ }
  return { name: segs[0] || "dashboard", arg, params };
}

function asOf(params = parseHash().params) {
  const out = {};
  if (params.get("snapshot")) out.snapshot = params.get("snapshot");
  else if (params.get("at")) out.at = params.get("at");
  return out;
}

/** A hash link to a page, keeping the "as of" selection. */
function href(path, extra = {}) {
  const p = new URLSearchParams(asOf());
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined || v === null || v === "") p.delete(k);
    else p.set(k, v);
  }
  const qs = p.toString();
  return `#${path}${qs ? `?${qs}` : ""}`;
}

function go(path, extra) {
  location.hash = href(path, extra);
}

/** Changes parameters of the current page (filters, sort, page) and re-renders through the hash. */
function setParams(changes) {
  const r = parseHash();
  const p = new URLSearchParams(r.params);
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined || v === null || v === "") p.delete(k);
    else p.set(k, v);
  }
  const path = location.hash.replace(/^#/, "").split("?")[0] || "/dashboard";
  const qs = p.toString();
  location.hash = `#${path}${qs ? `?${qs}` : ""}`;
}

const identityHref = (arn) => href(`/identity/${enc(arn)}`);
const resourceHref = (arn) => href(`/resource/${enc(arn)}`);
const findingHref = (id) => href(`/finding/${enc(id)}`);

function principalLink(p) {
  const arn = typeof p === "string" ? p : p?.arn || p?.principal || p?.key;
  if (!arn) return "—";
  const name = typeof p === "object" && p.name ? p.name : shortName(arn);
  return h("a", { href: identityHref(arn), title: arn }, name);
}

function resourceLink(r) {
  const arn = typeof r === "string" ? r : r?.arn || r?.key;
  if (!arn) return "—";
  return h("a", { href: resourceHref(arn), title: arn, class: "mono" }, arn);
}

// ---------------------------------------------------------------------------------------------
// The API client

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function api(path, params = {}, { method = "GET", body, withAsOf = true } = {}) {
  const url = new URL(path, location.origin);
  if (withAsOf && method === "GET") for (const [k, v] of Object.entries(asOf())) url.searchParams.set(k, v);
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== "") url.searchParams.set(k, v);
  }
  const headers = { Accept: "application/json" };
  if (method !== "GET") {
    if (state.csrf) headers["X-CSRF-Token"] = state.csrf;
    if (body !== undefined) headers["Content-Type"] = "application/json";
  }
  let res;
  try {
    res = await fetch(url, { method, headers, credentials: "same-origin", body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, "network", "The server cannot be reached.");
  }
  const raw = await res.text();
  let data = null;
  try { data = raw ? JSON.parse(raw) : null; } catch { data = null; }
  if (!res.ok) {
    const err = data && data.error;
    throw new ApiError(res.status, err?.code || `http-${res.status}`, err?.message || res.statusText || `HTTP ${res.status}`);
  }
  return data;
}

function errorBox(e) {
  const title = e.status === 403 ? "Not allowed" : e.status === 404 ? "Not found" : "Something went wrong";
  return h("div", { class: "alert error", role: "alert" },
    h("strong", {}, `${title}${e.status ? ` (${e.status})` : ""}: `), e.message || String(e),
    e.code && e.status ? h("span", { class: "muted" }, ` [${e.code}]`) : null);
}

async function snapshots(force = false) {
  if (!state.snapshots || force) {
    const d = await api("/api/snapshots", {}, { withAsOf: false });
    state.snapshots = Array.isArray(d) ? d : d?.items || d?.snapshots || [];
  }
  return state.snapshots;
}

// ---------------------------------------------------------------------------------------------
// Login

function renderLogin(message) {
  state.shell = null;
  const error = h("div", { class: "alert error", role: "alert", hidden: !message }, message || "");
  const user = h("input", { id: "login-user", name: "username", autocomplete: "username", required: true });
  const pass = h("input", { id: "login-pass", name: "password", type: "password", autocomplete: "current-password", required: true });
  const submit = h("button", { type: "submit", class: "primary" }, "Sign in");
  const form = h("form", { class: "login-form", "aria-labelledby": "login-title", novalidate: true },
    h("h1", { id: "login-title" }, "Sign in to Remit"),
    h("p", { class: "muted" }, "Cloud entitlement management"),
    error,
    h("label", { for: "login-user" }, "Username"), user,
    h("label", { for: "login-pass" }, "Password"), pass,
    submit);
  // Single sign-on is offered only when the server has an identity provider configured.
  api("/api/auth/methods", {}, { withAsOf: false }).then((m) => {
    if (m?.oidc) {
      form.append(h("div", { class: "or" }, h("span", {}, "or")),
        h("a", { class: "button sso", href: "/auth/oidc/login" }, "Sign in with SSO"));
    }
  }).catch(() => {});
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    error.hidden = true;
    if (!user.value || !pass.value) {
      error.textContent = "Enter a username and a password.";
      error.hidden = false;
      return;
    }
    submit.disabled = true;
    try {
      const d = await api("/api/login", {}, { method: "POST", body: { username: user.value, password: pass.value } });
      state.user = d.user;
      state.csrf = d.csrf;
      state.snapshots = null;
      if (!location.hash || location.hash === "#/login") location.hash = "#/dashboard";
      await render();
    } catch (e) {
      error.textContent = e.status === 401 ? "Wrong username or password." : e.status === 429 ? `Too many attempts: ${e.message}` : e.message;
      error.hidden = false;
      pass.value = "";
      pass.focus();
    } finally {
      submit.disabled = false;
    }
  });
  document.body.className = "login-page";
  document.title = "Sign in · Remit";
  fill(document.getElementById("app"), h("main", { id: "main", class: "login-main", "data-page": "login", "data-ready": "1" },
    h("div", { class: "login-brand" }, logo(), h("span", {}, "Remit")), form));
  user.focus();
}

function logo() {
  return s("svg", { viewBox: "0 0 24 24", width: 28, height: 28, class: "logo", "aria-hidden": "true" },
    s("path", { d: "M12 2 3 6v6c0 5 3.8 9.4 9 10 5.2-.6 9-5 9-10V6z", class: "logo-shield" }),
    s("path", { d: "m8 12 3 3 5-6", class: "logo-check" }));
}

async function logout() {
  try { await api("/api/logout", {}, { method: "POST" }); } catch { /* the session is gone either way */ }
  state.user = null;
  state.csrf = null;
  state.snapshots = null;
  // The next user starts from the dashboard, not from the page the last one left.
  history.replaceState(null, "", "#/dashboard");
  renderLogin();
}

// ---------------------------------------------------------------------------------------------
// The shell: dark header with navigation, search, "as of" selector and the user

const NAV = [["dashboard", "Dashboard"], ["identities", "Identities"], ["resources", "Resources"],
  ["findings", "Findings"], ["snapshots", "Snapshots"], ["diff", "Diff"]];

function buildShell() {
  const nav = h("nav", { "aria-label": "Main" }, NAV.map(([k, label]) => h("a", { href: `#/${k}`, "data-nav": k }, label)));
  const q = h("input", { id: "search-q", type: "search", name: "q", placeholder: "Search principals, resources, findings…", autocomplete: "off" });
  const search = h("form", { role: "search", class: "search" },
    h("label", { for: "search-q", class: "sr-only" }, "Search everywhere"), q,
    h("button", { type: "submit", class: "icon", "aria-label": "Search" }, s("svg", { viewBox: "0 0 20 20", width: 16, height: 16, "aria-hidden": "true" },
      s("circle", { cx: 8, cy: 8, r: 6, class: "icon-stroke" }), s("path", { d: "m13 13 5 5", class: "icon-stroke" }))));
  search.addEventListener("submit", (ev) => {
    ev.preventDefault();
    if (q.value.trim()) go("/search", { q: q.value.trim() });
  });
  const who = h("span", { class: "who" });
  const out = h("button", { type: "button", class: "ghost", onclick: logout }, "Sign out");
  const header = h("header", { class: "topbar" },
    h("a", { class: "brand", href: "#/dashboard" }, logo(), h("span", {}, "Remit")), nav, search, h("div", { class: "user" }, who, out));

  const snapSel = h("select", { id: "asof-snapshot" });
  const date = h("input", { id: "asof-date", type: "date" });
  const latest = h("button", { type: "button", class: "link" }, "Latest");
  const info = h("span", { class: "snapinfo", "aria-live": "polite" });
  const bar = h("div", { class: "contextbar" },
    h("div", { class: "asof", role: "group", "aria-label": "As of" },
      h("label", { for: "asof-snapshot" }, "As of snapshot"), snapSel,
      h("label", { for: "asof-date" }, "or date"), date, latest),
    info);
  const setAsOf = (p) => {
    const r = parseHash();
    const params = new URLSearchParams(r.params);
    params.delete("snapshot");
    params.delete("at");
    params.delete("page");
    for (const [k, v] of Object.entries(p)) if (v) params.set(k, v);
    const path = location.hash.replace(/^#/, "").split("?")[0] || "/dashboard";
    const qs = params.toString();
    location.hash = `#${path}${qs ? `?${qs}` : ""}`;
  };
  snapSel.addEventListener("change", () => setAsOf({ snapshot: snapSel.value }));
  date.addEventListener("change", () => setAsOf({ at: date.value }));
  latest.addEventListener("click", () => setAsOf({}));

  const main = h("main", { id: "main", tabindex: "-1" });
  document.body.className = "";
  fill(document.getElementById("app"), h("a", { class: "skip", href: "#main" }, "Skip to content"), header, bar, main);
  // The skip link must not change the route.
  document.querySelector(".skip").addEventListener("click", (ev) => { ev.preventDefault(); main.focus(); });
  state.shell = { nav, q, who, snapSel, date, info, main };
}

async function updateShell(route) {
  const sh = state.shell;
  fill(sh.who, h("strong", {}, state.user.display || state.user.name), " ", badge(state.user.role, "role"));
  for (const a of sh.nav.querySelectorAll("a")) {
    const k = a.getAttribute("data-nav");
    a.setAttribute("href", href(`/${k}`));
    const active = k === route.name || (k === "identities" && route.name === "identity") || (k === "resources" && route.name === "resource") || (k === "findings" && route.name === "finding");
    if (active) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  if (route.name === "search") sh.q.value = route.params.get("q") || "";
  const a = asOf(route.params);
  let snaps = [];
  try { snaps = await snapshots(); } catch (e) { if (e.status === 401) throw e; }
  fill(sh.snapSel, h("option", { value: "" }, "Latest"),
    snaps.map((sn) => h("option", { value: String(sn.id) }, `#${sn.id} · ${sn.env} · ${fmtDate(sn.taken_at)}`)));
  sh.snapSel.value = a.snapshot || "";
  sh.date.value = a.at && /^\d{4}-\d{2}-\d{2}$/.test(a.at) ? a.at : "";
}

function showSnapshotInfo(snap) {
  const sh = state.shell;
  if (!sh) return;
  if (!snap) { fill(sh.info); return; }
  const a = asOf();
  fill(sh.info, a.snapshot || a.at ? badge("time travel", "travel") : badge("latest", "latest"), " ",
    `Data of snapshot #${snap.id} (${snap.env}), taken ${fmtTime(snap.taken_at)}`);
}

// ---------------------------------------------------------------------------------------------
// Rendering

async function render() {
  const seq = ++state.seq;
  if (!state.user) {
    try {
      const me = await api("/api/me", {}, { withAsOf: false });
      state.user = me.user;
      state.csrf = me.csrf;
    } catch (e) {
      if (seq === state.seq) renderLogin(e.status === 401 ? "" : e.message);
      return;
    }
  }
  const route = parseHash();
  if (route.name === "login") { location.hash = "#/dashboard"; return; }
  if (!state.shell) buildShell();
  const { main } = state.shell;
  main.removeAttribute("data-ready");
  main.setAttribute("data-page", route.name);
  main.setAttribute("aria-busy", "true");
  fill(main, h("p", { class: "loading" }, "Loading…"));
  try {
    await updateShell(route);
    const page = PAGES[route.name] || notFound;
    const view = await page(route);
    if (seq !== state.seq) return;
    fill(main, view);
    main.setAttribute("data-route", location.hash);
    main.setAttribute("data-ready", "1");
  } catch (e) {
    if (seq !== state.seq) return;
    if (e.status === 401) {
      state.user = null;
      renderLogin("Your session has ended: sign in again.");
      return;
    }
    fill(main, h("h1", {}, "Error"), errorBox(e));
    main.setAttribute("data-route", location.hash);
    main.setAttribute("data-ready", "error");
  } finally {
    main.removeAttribute("aria-busy");
  }
  document.title = `${main.querySelector("h1")?.textContent || "Remit"} · Remit`;
}

function pageHeader(title, ...rest) {
  return h("div", { class: "pagehead" }, h("h1", {}, title), ...rest);
}

async function notFound() {
  return h("div", {}, pageHeader("Page not found"), h("p", {}, "No such page. ", h("a", { href: href("/dashboard") }, "Go to the dashboard.")));
}

// ---------------------------------------------------------------------------------------------
// Dashboard

async function dashboard() {
  const d = await api("/api/dashboard");
  showSnapshotInfo(d.snapshot);
  const counts = d.counts || {};
  const bySev = counts.findings_by_severity || {};
  const byKind = counts.principals_by_kind || {};
  const byCloud = counts.principals_by_cloud || {};
  const stats = h("div", { class: "stats" },
    stat("Principals", sum(byCloud), Object.entries(byCloud).map(([k, v]) => `${k}: ${num(v)}`).join(" · ")),
    stat("Resources", counts.resources, counts.accounts !== undefined && counts.accounts !== null ? `${num(counts.accounts)} accounts` : ""),
    stat("Open findings", sum(bySev), `${num(bySev.critical || 0)} critical · ${num(bySev.high || 0)} high`),
    stat("Snapshots", (d.trend || []).length, d.snapshot ? `latest #${d.snapshot.id}` : ""));

  const kindMax = Math.max(1, ...Object.values(byKind).map(Number));
  const kinds = card("Principals by kind",
    Object.keys(byKind).length
      ? table([{ label: "Kind" }, { label: "Count", cls: "num" }, { label: "Share" }],
        Object.entries(byKind).sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, num(v), meter([{ value: v, cls: "fill-accent" }], kindMax, `${k}: ${v}`)]),
        { caption: "Principals by kind" })
      : empty("No principals."));

  const sevChips = h("ul", { class: "sevchips", "aria-label": "Open findings by severity" },
    SEVERITIES.map((sv) => h("li", { class: `sev-${sv}` }, h("span", { class: "n" }, num(bySev[sv] || 0)), h("span", {}, sv))));
  const trend = (d.trend || []).slice().sort((a, b) => (a.taken_at > b.taken_at ? 1 : a.taken_at < b.taken_at ? -1 : a.snapshot - b.snapshot));
  const series = SEVERITIES.slice().reverse().map((sv) => ({ key: sv, label: sv, cls: `sev-${sv}` }));
  const trendChart = trend.length
    ? stackedArea(trend.map((t) => ({ label: `#${t.snapshot} ${fmtDate(t.taken_at)}`, values: t })), series, "Findings by severity over snapshots")
    : empty("No snapshots yet.");
  const legend = h("ul", { class: "legend", "aria-hidden": "true" }, SEVERITIES.map((sv) => h("li", {}, h("span", { class: `swatch fill-sev-${sv}` }), sv)));
  const findings = card("Findings by severity", sevChips, h("h3", {}, "Trend over snapshots"), trendChart, legend);

  const creep = d.creep;
  let creepBody;
  if (!creep) {
    creepBody = [empty("No activity data: ingest CloudTrail to compute the Permission Creep Index.")];
  } else {
    const b = creep.buckets || {};
    const dec = creep.deciles || [];
    creepBody = [
      h("p", { class: "muted" }, "Share of granted permissions a principal did not use over the activity window (higher is worse)."),
      creep.principals !== undefined ? h("p", { class: "creep-stats" }, `${num(creep.principals)} principals scored · mean ${typeof creep.mean === "number" ? creep.mean.toFixed(1) : text(creep.mean)} · median ${text(creep.median)} · p90 ${text(creep.p90)} · max ${text(creep.max)}`) : null,
      bars([{ label: "low", value: b.low || 0, cls: "fill-sev-low" }, { label: "medium", value: b.medium || 0, cls: "fill-sev-medium" },
        { label: "high", value: b.high || 0, cls: "fill-sev-high" }, { label: "inactive", value: creep.inactive || 0, cls: "fill-muted" }],
      "Principals by Permission Creep Index bucket", { height: 170 }),
      dec.length ? h("h3", {}, "Distribution by decile") : null,
      dec.length ? bars(dec.map((v, i) => ({ label: dec.length === 10 ? `${i * 10}–${i * 10 + 9}` : String(i + 1), value: typeof v === "object" ? v.count ?? v.value : v, cls: "fill-accent" })),
        "Permission Creep Index by decile", { height: 170 }) : null,
    ];
  }
  const creepCard = card("Permission Creep Index", ...creepBody);

  const risky = d.riskiest || [];
  const riskCard = card("Riskiest identities", risky.length
    ? table([{ label: "Identity" }, { label: "Kind" }, { label: "Account" }, { label: "Findings", cls: "num" }, { label: "Highest" }, { label: "Score", cls: "num" }],
      risky.map((r) => [principalLink({ arn: r.principal || r.arn, name: r.name }), r.kind, h("span", { class: "mono" }, r.account || "—"),
        num(r.findings), sevBadge(r.highest_severity), typeof r.score === "number" ? r.score.toFixed(r.score % 1 ? 1 : 0) : text(r.score)]),
      { caption: "Riskiest identities" })
    : empty("No findings."));

  return h("div", { class: "dashboard" }, pageHeader("Dashboard"), stats,
    h("div", { class: "grid2" }, findings, creepCard),
    h("div", { class: "grid2 wide-left" }, riskCard, kinds));
}

function stat(label, value, sub) {
  return h("div", { class: "stat card" }, h("div", { class: "label" }, label), h("div", { class: "value" }, num(value)), h("div", { class: "sub" }, sub));
}

// ---------------------------------------------------------------------------------------------
// Identity

async function identity(route) {
  const arn = route.arg;
  const d = await api(`/api/principals/${enc(arn)}`);
  showSnapshotInfo(d.snapshot);
  const p = d.principal || {};
  const prof = p.profile || {};
  const rawTags = p.tags || prof.tags;
  const tags = rawTags && typeof rawTags === "object" ? (Array.isArray(rawTags) ? rawTags.map((t) => [t.key ?? t.Key, t.value ?? t.Value]) : Object.entries(rawTags)) : [];
  const lastUsed = prof.last_used && typeof prof.last_used === "object" ? prof.last_used.last_used_date || prof.last_used.date || JSON.stringify(prof.last_used) : prof.last_used;

  const facts = card("Identity",
    dl([["ARN", code(p.arn || arn)], ["Kind", p.kind], ["Account", p.account ? h("span", { class: "mono" }, p.account) : "—"],
      prof.created ? ["Created", fmtTime(prof.created)] : null,
      lastUsed ? ["Last used", fmtTime(lastUsed)] : null,
      ["Actions granted", num(d.actions_granted ?? perms(d).reduce((a, x) => a + (Number(x.actions) || 0), 0))],
      prof.permissions_boundary ? ["Boundary", h("span", { class: "mono wrap" }, text(prof.permissions_boundary))] : null,
      p.incomplete ? ["Data", badge("incomplete", "sev-medium")] : null,
      tags.length ? ["Tags", h("ul", { class: "tags" }, tags.map(([k, v]) => h("li", {}, badge(`${k}=${v}`, "tag"))))] : null]));
  const groupList = p.groups || prof.groups || [];
  const attached = p.attached || prof.attached_policies || [];
  const inline = prof.inline_policies || [];
  const becomes = d.can_become || [];
  const groups = card("Groups and roles",
    h("h3", {}, "Groups"), list(groupList.map((g) => (typeof g === "string" && g.startsWith("arn:") ? principalLink(g) : h("span", { class: "mono" }, text(g))))),
    h("h3", {}, "Attached policies"), list(attached.map((a) => h("span", { class: "mono wrap" }, text(a)))),
    inline.length ? [h("h3", {}, "Inline policies"), list(inline.map((a) => h("span", { class: "mono" }, text(a))))] : null,
    h("h3", {}, `Can become (${becomes.length})`), becomes.length
      ? table([{ label: "Principal" }, { label: "Kind" }, { label: "How" }], becomes.slice(0, 50).map((c) => [principalLink(c), c.kind || "—",
        h("span", { class: "wrap" }, text(c.how || c.path || c.decision), c.decision === "conditional" ? [" ", badge("conditional", "decision-conditional")] : null)]),
      { caption: "Principals this identity can become", cls: "compact" })
      : empty("No other principal."));

  // Azure and Google Cloud identities answer in entitlements: a grant's actions on a scope.
  const permCard = Array.isArray(d.entitlements)
    ? card("Entitlements", entitlementsTable(d.entitlements))
    : card("Effective permissions", permissionsPivot(perms(d)));

  const used = d.last_used || [];
  const usedCard = card("Last used", used.length
    ? table([{ label: "Action" }, { label: "Resource" }, { label: "Last seen" }, { label: "Allowed", cls: "num" }, { label: "Denied", cls: "num" }],
      used.slice(0, 100).map((u) => [h("span", { class: "mono" }, u.action), h("span", { class: "mono wrap" }, text(u.resource)), fmtTime(u.last_seen), num(u.allowed), num(u.denied)]),
      { caption: "Recently used actions", cls: "compact" })
    : empty("No recorded activity."));

  const fnds = d.findings || [];
  const findCard = card("Findings", fnds.length ? findingsTable(fnds, null, { compact: true }) : empty("No findings."));

  const esc = d.escalations || [];
  const self = p.arn || arn;
  let edges = [];
  const targets = new Set();
  const GRAPHED = 8;
  for (const e of esc.slice(0, GRAPHED)) {
    const path = e.path || [];
    for (const st of path) {
      // A technique on a principal's own permissions (from = to) ends at administrator power.
      if (st.from === st.to) { edges.push({ from: st.from, to: ADMIN_NODE, label: stepLabel(st) }); targets.add(ADMIN_NODE); }
      else edges.push({ from: st.from, to: st.to, label: stepLabel(st) });
    }
    const last = path[path.length - 1];
    if (last && last.from !== last.to) targets.add(last.to);
  }
  let graphNote = null;
  if (!edges.length && becomes.length) {
    edges = becomes.slice(0, 12).map((c) => ({ from: self, to: c.arn, label: c.kind === "role" ? "assume" : text(c.decision) }));
    graphNote = h("p", { class: "muted" }, "No escalation path to an administrator; the graph shows the principals this identity can become.");
  }
  const escCard = card("Escalation paths", edges.length
    ? [graphNote, esc.length > GRAPHED ? h("p", { class: "muted" }, `The graph draws the first ${GRAPHED} of ${esc.length} paths; all are listed below.`) : null,
      h("div", { class: "graphwrap" }, flowGraph(edges, self, (a) => (a === ADMIN_NODE ? null : identityHref(a)), "Escalation paths from this identity", targets)),
      esc.length ? h("ol", { class: "paths" }, esc.map((e) => h("li", {},
        e.severity ? [sevBadge(e.severity), " "] : null,
        (e.path || []).length ? h("strong", { title: e.path[0].from }, shortName(e.path[0].from)) : null,
        (e.path || []).map((st) => [h("span", { class: "via", title: st.description || "" }, ` —${stepLabel(st)}${(st.permissions || []).length ? ` (${st.permissions.map((x) => String(x).split(" on ")[0]).join(", ")})` : st.action ? ` (${st.action})` : ""}→ `),
          st.from === st.to ? h("strong", {}, "administrator") : h("strong", { title: st.to }, shortName(st.to))]),
        e.finding ? [" · ", h("a", { href: findingHref(e.finding) }, e.title ? "finding" : `finding ${e.finding}`)] : null))) : null]
    : empty("No escalation paths."));

  return h("div", { class: "identity" },
    pageHeader(p.name || shortName(arn), p.kind ? badge(p.kind, "kind") : null, h("span", { class: "mono muted arn" }, p.arn || arn)),
    h("div", { class: "grid2" }, facts, groups),
    escCard,
    h("div", { class: "grid2" }, explainCard(p.arn || arn), findCard),
    permCard,
    usedCard);
}

const ADMIN_NODE = "administrator power";

function stepLabel(st) {
  return `${st.technique || st.action || "step"}${st.conditional ? " (if)" : ""}`;
}

const LEVELS = ["List", "Read", "Write", "Permissions management", "Tagging"];
const PIVOT_ROWS = 25;

/**
 * Effective permissions as services × access levels: each cell the actions allowed outright
 * and under conditions, with a bar; the services with the most actions first.
 */
function permissionsPivot(rows) {
  if (!rows.length) return empty("No effective permissions.");
  const services = new Map();
  for (const r of rows) {
    const sv = services.get(r.service) || { service: r.service, total: 0, cond: 0, levels: {} };
    sv.levels[r.access_level] = r;
    sv.total += Number(r.actions) || (Number(r.allowed) || 0) + (Number(r.conditional) || 0);
    sv.cond += Number(r.conditional) || 0;
    services.set(r.service, sv);
  }
  const list = [...services.values()].sort((a, b) => b.total - a.total || String(a.service).localeCompare(String(b.service)));
  const max = Math.max(1, ...rows.map((r) => Number(r.actions) || 0));
  const maxTotal = Math.max(1, ...list.map((x) => x.total));
  const cell = (r, level) => {
    if (!r) return h("span", { class: "muted" }, "—");
    const label = `${r.service} ${level}: ${r.allowed} allowed, ${r.conditional} conditional`;
    return h("div", { class: "pcell", title: label }, h("span", { class: "n" }, num(r.actions ?? r.allowed + r.conditional),
      r.conditional ? h("span", { class: "cond" }, ` (${num(r.conditional)} if)`) : null),
    meter([{ value: r.allowed, cls: "fill-accent" }, { value: r.conditional, cls: "fill-accent-light" }], max, label));
  };
  const tbody = h("tbody");
  const draw = (all) => fill(tbody, (all ? list : list.slice(0, PIVOT_ROWS)).map((sv) => h("tr", {},
    h("th", { scope: "row", class: "mono" }, sv.service),
    LEVELS.map((lv) => h("td", {}, cell(sv.levels[lv], lv))),
    h("td", { class: "num" }, h("strong", {}, num(sv.total)), h("div", {}, meter([{ value: sv.total - sv.cond, cls: "fill-accent" }, { value: sv.cond, cls: "fill-accent-light" }], maxTotal, `${sv.service}: ${sv.total} actions`))))));
  draw(false);
  const more = list.length > PIVOT_ROWS
    ? h("button", { type: "button", class: "link", onclick: (ev) => { draw(true); ev.currentTarget.remove(); } }, `Show all ${list.length} services`)
    : null;
  return [
    h("p", { class: "muted" }, `${num(list.length)} services; actions per access level, allowed outright (dark) and under conditions (light, "if").`),
    h("div", { class: "tablewrap" }, h("table", { class: "data compact pivot" }, h("caption", { class: "sr-only" }, "Effective permissions by service and access level"),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Service"), LEVELS.map((lv) => h("th", { scope: "col" }, lv === "Permissions management" ? "Permissions mgmt" : lv)), h("th", { scope: "col", class: "num" }, "Total"))),
      tbody)),
    more,
  ];
}

/**
 * Azure and Google Cloud entitlements: each grant's action (or pattern, with what it subtracts)
 * on a scope and everything under it, eligible (PIM) grants marked, conditions shown.
 */
function entitlementsTable(rows, all = false) {
  if (!rows.length) return empty("No entitlements.");
  const eligible = rows.filter((e) => e.eligible).length;
  const shown = all ? rows : rows.slice(0, ENTITLEMENT_ROWS);
  const wrap = h("div");
  const more = rows.length > shown.length
    ? h("button", { type: "button", class: "link", onclick: () => fill(wrap, entitlementsTable(rows, true)) }, `Show all ${num(rows.length)} entitlements`)
    : null;
  fill(wrap, [
    h("p", { class: "muted" }, `${num(rows.length)} entitlements: ${num(rows.length - eligible)} standing, ${num(eligible)} eligible (just-in-time).`),
    table([{ label: "Action" }, { label: "Plane" }, { label: "Resource or scope" }, { label: "Decision" }, { label: "Via" }],
      shown.map((e) => [
        h("span", { class: "mono wrap" }, text(e.action), (e.except || []).length ? h("div", { class: "muted" }, `except ${e.except.join(", ")}`) : null),
        e.dataPlane ? "data" : "control",
        h("span", { class: "mono wrap" }, text(e.resource)),
        [badge(e.decision, `decision-${e.decision}`), e.eligible ? [" ", badge("eligible", "sev-low")] : null,
          (e.conditions || []).length ? h("div", { class: "muted wrap" }, e.conditions.map((c) => c.condition).join("; ")) : null],
        h("span", { class: "wrap" }, text(e.path)),
      ]),
      { caption: "Entitlements", cls: "compact" }),
    more,
  ]);
  return wrap;
}

const ENTITLEMENT_ROWS = 40;

/** The permission rows of an identity answer (the contract's `permissions`). */
function perms(d) {
  return d.permissions || [];
}

/** A decision's class: allowed, conditional or denied (implicitly or explicitly). */
function decisionClass(dec) {
  const v = String(dec || "").toLowerCase();
  return v.includes("denied") ? "denied" : v.includes("conditional") ? "conditional" : v.includes("allow") ? "allowed" : "unknown";
}

function decisionText(dec) {
  return String(dec || "unknown").replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
}

function explainCard(principal) {
  const action = h("input", { id: "explain-action", name: "action", placeholder: "s3:GetObject", required: true, autocomplete: "off" });
  const resource = h("input", { id: "explain-resource", name: "resource", placeholder: "arn:aws:s3:::bucket/key or *", value: "*", autocomplete: "off" });
  const out = h("div", { class: "explain-result", "aria-live": "polite" });
  const form = h("form", { class: "inline-form", "aria-label": "Explain a decision" },
    h("div", { class: "field" }, h("label", { for: "explain-action" }, "Action"), action),
    h("div", { class: "field grow" }, h("label", { for: "explain-resource" }, "Resource"), resource),
    h("button", { type: "submit", class: "primary" }, "Explain"));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    if (!action.value.trim()) { fill(out, h("div", { class: "alert error", role: "alert" }, "Enter an action, e.g. s3:GetObject.")); return; }
    fill(out, h("p", { class: "loading" }, "Evaluating…"));
    try {
      const r = await api("/api/explain", { principal, action: action.value.trim(), resource: resource.value.trim() || "*" });
      const dec = String(r.decision || "unknown");
      const effect = (e) => (e ? badge(String(e), `effect-${String(e).toLowerCase()}`) : "—");
      const stmts = r.statements || [];
      fill(out,
        h("p", { class: "decision" }, "Decision: ", h("span", { class: `badge decision-${decisionClass(dec)}`, "data-decision": dec }, decisionText(dec))),
        r.text || r.reason ? h("pre", { class: "explain-text" }, r.text || r.reason) : null,
        stmts.length
          ? table([{ label: "Layer" }, { label: "Effect" }, { label: "Policy" }, { label: "Statement" }, { label: "Conditions" }],
            stmts.map((st) => [st.layer, effect(st.effect), h("span", { class: "mono wrap" }, text(st.source)), h("span", { class: "mono" }, text(st.statement)),
              (st.conditions || []).length ? h("ul", { class: "plain" }, st.conditions.map((c) => h("li", { class: "mono wrap" }, text(c)))) : "—"]),
            { caption: "Statements that apply or may apply, by layer", cls: "compact" })
          : (r.layers || []).length
            ? table([{ label: "Layer" }, { label: "Effect" }, { label: "Statements" }],
              r.layers.map((l) => [l.layer, effect(l.effect),
                (l.statements || []).length ? h("ul", { class: "plain" }, l.statements.map((st) => h("li", { class: "mono wrap" }, text(st)))) : "—"]),
              { caption: "Policy layers that took part", cls: "compact" })
            : h("p", { class: "muted" }, "No statement applies."));
    } catch (e) {
      if (e.status === 401) { state.user = null; renderLogin("Your session has ended: sign in again."); return; }
      fill(out, errorBox(e));
    }
  });
  return card("Explain a decision", h("p", { class: "muted" }, "Would this identity be allowed an action on a resource, and which policy layers decide?"), form, out);
}

// ---------------------------------------------------------------------------------------------
// Lists: identities, resources, findings (filters, sort and pagination kept in the hash)

// Severity sorts by rank (critical first), as the API orders it.
const SORT_KEYS = { severity: "severity_rank", highest_severity: "severity_rank" };

function sortHeader(route, key0, label, defaultSort) {
  const key = SORT_KEYS[key0] || key0;
  const sort = route.params.get("sort") || defaultSort;
  const order = route.params.get("order") || "asc";
  const active = sort === key;
  return h("th", { scope: "col", "aria-sort": active ? (order === "asc" ? "ascending" : "descending") : "none" },
    h("button", { type: "button", class: "sort", onclick: () => setParams({ sort: key, order: active && order === "asc" ? "desc" : "asc", page: "" }) },
      label, h("span", { class: "arrow", "aria-hidden": "true" }, active ? (order === "asc" ? " ▲" : " ▼") : "")));
}

function pager(route, total, offset, limit) {
  const page = Math.floor(offset / limit) + 1;
  const pages = Math.max(1, Math.ceil(total / limit));
  return h("nav", { class: "pager", "aria-label": "Pagination" },
    h("button", { type: "button", disabled: page <= 1, onclick: () => setParams({ page: page - 1 > 1 ? page - 1 : "" }) }, "← Previous"),
    h("span", {}, total ? `${num(offset + 1)}–${num(Math.min(total, offset + limit))} of ${num(total)}` : "No results"),
    h("button", { type: "button", disabled: page >= pages, onclick: () => setParams({ page: page + 1 }) }, "Next →"));
}

function filterForm(route, fields) {
  const form = h("form", { class: "filters", "aria-label": "Filters" });
  const inputs = {};
  for (const f of fields) {
    const id = `filter-${f.name}`;
    const cur = route.params.get(f.name) || "";
    let input;
    if (f.options) {
      input = h("select", { id, name: f.name }, f.options.map(([v, l]) => h("option", { value: v, selected: v === cur }, l)));
      input.value = cur;
      input.addEventListener("change", () => form.requestSubmit());
    } else {
      input = h("input", { id, name: f.name, type: "search", value: cur, placeholder: f.placeholder || "" });
    }
    inputs[f.name] = input;
    form.append(h("div", { class: "field" }, h("label", { for: id }, f.label), input));
  }
  form.append(h("button", { type: "submit" }, "Apply"));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const changes = { page: "" };
    for (const [k, el] of Object.entries(inputs)) changes[k] = el.value;
    setParams(changes);
  });
  return form;
}

function listQuery(route, filters, defaultSort) {
  const page = Math.max(1, Number(route.params.get("page")) || 1);
  const q = { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE, sort: route.params.get("sort") || defaultSort, order: route.params.get("order") || undefined };
  for (const f of filters) q[f] = route.params.get(f) || undefined;
  return q;
}

function items(d) {
  return Array.isArray(d) ? d : d?.items || [];
}

async function findings(route) {
  const filters = ["q", "severity", "kind", "suppressed"];
  const d = await api("/api/findings", listQuery(route, filters, ""));
  showSnapshotInfo(d.snapshot);
  const rows = items(d);
  const form = filterForm(route, [
    { name: "q", label: "Text", placeholder: "title, principal, resource" },
    { name: "severity", label: "Severity", options: [["", "Any"], ...SEVERITIES.map((x) => [x, x])] },
    { name: "kind", label: "Kind", options: [["", "Any"], ...KINDS.map((x) => [x, x])] },
    { name: "suppressed", label: "Status", options: [["", "Open"], ["true", "Suppressed"], ["any", "Any"]] },
  ]);
  return h("div", { class: "findings" }, pageHeader("Findings", h("span", { class: "count" }, `${num(d.total ?? rows.length)} findings`)),
    card("Filter", form),
    h("section", { class: "card", "aria-label": "Findings list" }, rows.length ? findingsTable(rows, route) : empty("No finding matches."),
      pager(route, d.total ?? rows.length, d.offset ?? 0, d.limit || PAGE_SIZE)));
}

function findingsTable(rows, route, { compact = false } = {}) {
  const th = (key, label) => (route ? sortHeader(route, key, label, "") : h("th", { scope: "col" }, label));
  // Search answers carry no first-seen time nor status: no empty columns for them.
  const seen = !compact && rows.some((f) => (f.first_seen ?? f.firstSeen) !== undefined);
  const status = rows.some((f) => f.suppressed !== undefined);
  const account = (arn) => (typeof arn === "string" && arn.split(":")[4]) || "";
  return h("table", { class: "data findings-table" },
    h("caption", { class: "sr-only" }, "Findings"),
    h("thead", {}, h("tr", {}, th("severity", "Severity"), th("title", "Title"), th("kind", "Kind"),
      compact ? null : h("th", { scope: "col" }, "Principals"), seen ? th("first_seen", "First seen") : null, status ? h("th", { scope: "col" }, "Status") : null)),
    h("tbody", {}, rows.map((f) => h("tr", { "data-finding": f.id ?? f.key },
      h("td", {}, sevBadge(f.severity)),
      h("td", {}, h("a", { href: findingHref(f.id ?? f.key) }, f.title || f.id || f.key)),
      h("td", {}, h("span", { class: "kind" }, f.kind || "—")),
      compact ? null : h("td", {}, (f.principals || []).slice(0, 2).map((p, i) => [i ? ", " : "", principalLink(p), account(p) ? h("span", { class: "muted acct" }, ` ${account(p)}`) : null]),
        (f.principals || []).length > 2 ? ` +${f.principals.length - 2}` : ""),
      seen ? h("td", {}, fmtDate(f.first_seen ?? f.firstSeen)) : null,
      status ? h("td", {}, f.suppressed ? badge("suppressed", "suppressed") : badge("open", "open")) : null))));
}

async function identities(route) {
  const d = await api("/api/principals", listQuery(route, ["q", "kind", "account"], "name"));
  showSnapshotInfo(d.snapshot);
  const rows = items(d);
  return h("div", {}, pageHeader("Identities", h("span", { class: "count" }, `${num(d.total ?? rows.length)} principals`)),
    card("Filter", filterForm(route, [
      { name: "q", label: "Text", placeholder: "name or ARN" },
      { name: "kind", label: "Kind", options: [["", "Any"], ...["user", "role", "group", "person", "service-account", "account"].map((k) => [k, k])] },
      { name: "account", label: "Account", placeholder: "123456789012" }])),
    h("section", { class: "card", "aria-label": "Identities list" },
      rows.length ? h("table", { class: "data" }, h("caption", { class: "sr-only" }, "Identities"),
        h("thead", {}, h("tr", {}, sortHeader(route, "name", "Name", "name"), sortHeader(route, "kind", "Kind", "name"), sortHeader(route, "account", "Account", "name"),
          sortHeader(route, "findings", "Findings", "name"), sortHeader(route, "highest_severity", "Highest", "name"))),
        h("tbody", {}, rows.map((p) => h("tr", {}, h("td", {}, principalLink(p)), h("td", {}, p.kind), h("td", { class: "mono" }, p.account || "—"),
          h("td", { class: "num" }, num(p.findings ?? 0)), h("td", {}, p.highest_severity ? sevBadge(p.highest_severity) : "—"))))) : empty("No identity matches."),
      pager(route, d.total ?? rows.length, d.offset ?? 0, d.limit || PAGE_SIZE)));
}

async function resources(route) {
  const d = await api("/api/resources", listQuery(route, ["q", "account"], "arn"));
  showSnapshotInfo(d.snapshot);
  const rows = items(d);
  return h("div", {}, pageHeader("Resources", h("span", { class: "count" }, `${num(d.total ?? rows.length)} resources`)),
    card("Filter", filterForm(route, [{ name: "q", label: "Text", placeholder: "ARN, service or account" }])),
    h("section", { class: "card", "aria-label": "Resources list" },
      rows.length ? h("table", { class: "data" }, h("caption", { class: "sr-only" }, "Resources"),
        h("thead", {}, h("tr", {}, sortHeader(route, "arn", "ARN", "arn"), sortHeader(route, "service", "Service", "arn"), sortHeader(route, "account", "Account", "arn"), sortHeader(route, "findings", "Findings", "arn"))),
        h("tbody", {}, rows.map((r) => h("tr", {}, h("td", {}, resourceLink(r), r.public ? [" ", badge("public", "sev-critical")] : null), h("td", {}, r.service || r.type || "—"), h("td", { class: "mono" }, r.account || "—"),
          h("td", { class: "num" }, num(r.findings ?? 0)))))) : empty("No resource matches."),
      pager(route, d.total ?? rows.length, d.offset ?? 0, d.limit || PAGE_SIZE)));
}

// ---------------------------------------------------------------------------------------------
// Resource

async function resource(route) {
  const arn = route.arg;
  const d = await api(`/api/resources/${enc(arn)}`);
  showSnapshotInfo(d.snapshot);
  const r = d.resource || {};
  const access = d.access || [];
  const rows = [];
  const principals = new Set();
  const sections = access.map((a) => {
    const holders = a.holders || [];
    holders.forEach((hd) => principals.add(hd.principal || hd.arn));
    const body = a.error ? h("div", { class: "alert error" }, a.error)
      : holders.length ? expandable(holders, HOLDERS_SHOWN, (shown) => table([{ label: "Principal" }, { label: "Kind" }, { label: "Access" }, { label: "How (path)" }, { label: "Conditions" }],
        shown.map((hd) => {
          const acc = hd.access || hd.decision;
          const path = Array.isArray(hd.path) ? hd.path : hd.path ? String(hd.path).split(" → ") : [];
          return [principalLink(hd.principal || hd), hd.kind || "—", acc ? badge(String(acc), `decision-${decisionClass(acc)}`) : "—",
            path.length ? h("ol", { class: "steps" }, path.map((st) => h("li", { class: "wrap" }, text(st)))) : h("span", { class: "muted" }, "direct"),
            conditionList(hd.conditions || [])];
        }), { caption: `Who can ${a.action}`, cls: "compact" }), "principals")
        : empty("Nobody.");
    const conditional = holders.filter((hd) => decisionClass(hd.access || hd.decision) === "conditional").length;
    return h("div", { class: "access-action" }, h("h3", {}, h("span", { class: "mono" }, a.action), a.resource && a.resource !== (r.arn || arn) ? h("span", { class: "muted mono" }, ` on ${a.resource}`) : null,
      ` · ${holders.length} principal${holders.length === 1 ? "" : "s"}${conditional ? `, ${conditional} under conditions` : ""}`), body);
  });
  const fnds = d.findings || [];
  return h("div", {}, pageHeader(shortName(r.arn || arn), r.public ? badge("public", "sev-critical") : null, h("span", { class: "mono muted arn" }, r.arn || arn)),
    h("div", { class: "grid2 wide-left" },
      card("Resource", dl([["ARN", code(r.arn || arn)], ["Service", r.service || r.type], ["Account", r.account], r.known === false ? ["Known", "not in this snapshot's resources"] : null])),
      card("Findings", fnds.length ? findingsTable(fnds, null, { compact: true }) : empty("No findings."))),
    card("Who can access it, and how",
      h("p", { class: "muted" }, `${num(principals.size)} principals hold access through ${num(access.length)} telling actions (reading it, changing it, changing who can).`),
      sections.length ? sections : empty("No principal can access it.")));
}

const HOLDERS_SHOWN = 12;

/** Conditions of a grant: the first, the rest folded. */
function conditionList(conds) {
  if (!conds.length) return "—";
  const item = (c) => h("li", { class: "mono wrap" }, typeof c === "object" ? `${c.condition ?? ""}${c.source ? ` (${c.source})` : ""}` : text(c));
  if (conds.length === 1) return h("ul", { class: "plain" }, item(conds[0]));
  return h("details", { class: "conds" }, h("summary", {}, `${conds.length} conditions`), h("ul", { class: "plain" }, conds.map(item)));
}

/** The first `n` items drawn by `draw(items)`, and a button that draws them all. */
function expandable(items, n, draw, noun) {
  const box = h("div", {}, draw(items.slice(0, n)));
  if (items.length > n) {
    box.append(h("button", { type: "button", class: "link more", onclick: () => fill(box, draw(items)) }, `Show all ${num(items.length)} ${noun}`));
  }
  return box;
}

// ---------------------------------------------------------------------------------------------
// Finding detail and suppression

async function finding(route) {
  const id = route.arg;
  const d = await api(`/api/findings/${enc(id)}`);
  showSnapshotInfo(d.snapshot);
  const f = d.finding || d;
  const ev = f.evidence || [];
  const path = f.path || [];
  const head = pageHeader(f.title || id, sevBadge(f.severity), f.suppressed ? badge("suppressed", "suppressed") : badge("open", "open"));
  const facts = card("Finding", dl([["Id", code(f.id || id)], ["Kind", f.kind], ["Rule", f.rule], ["Severity", h("span", {}, sevBadge(f.severity), " ", f.severity_rationale || f.severityRationale || "")],
    ["Account", f.account], ["First seen", fmtTime(f.first_seen ?? f.firstSeen)], (f.categories || []).length ? ["Categories", f.categories.join(", ")] : null,
    ["Principals", list((f.principals || []).map(principalLink))], ["Resources", list((f.resources || []).map(resourceLink))],
    f.reach ? ["Reach", `${f.reach.access || ""}${(f.reach.conditions || []).length ? ` under ${f.reach.conditions.join(", ")}` : ""}`] : null]));
  const evCard = card("Evidence", ev.length
    ? table([{ label: "Layer" }, { label: "Source" }, { label: "Statement" }, { label: "Effect" }, { label: "Action / resource" }, { label: "Conditions" }, { label: "Detail" }],
      ev.map((e) => [e.layer || "—", h("span", { class: "mono wrap" }, text(e.source)), e.statement ? code(e.statement) : "—", e.effect || "—",
        h("span", { class: "mono wrap" }, [e.action, e.resource].filter(Boolean).join(" on ") || "—"), (e.conditions || []).join(", ") || "—", e.detail || "—"]),
      { caption: "Evidence", cls: "compact" })
    : empty("No evidence recorded."));
  const pathCard = path.length ? card("Path", h("ol", { class: "paths" }, path.map((st) => h("li", {},
    principalLink(st.from), ` — ${st.technique || ""} → `, principalLink(st.to),
    st.description ? h("div", { class: "muted" }, st.description) : null,
    (st.permissions || []).length ? h("div", { class: "mono" }, st.permissions.join(", ")) : null)))) : null;
  const remCard = card("Remediation", h("p", { class: "remediation" }, f.remediation || "—"));
  return h("div", { class: "finding" }, head, h("div", { class: "grid2 wide-left" }, facts, suppressionCard(f)), evCard, pathCard, remCard);
}

function suppressionCard(f) {
  const role = state.user?.role || "";
  const allowed = SUPPRESS_ROLES.includes(role);
  const out = h("div", { class: "suppress-result", "aria-live": "polite" });
  if (f.suppressed) {
    const sup = f.suppressed;
    const un = h("button", { type: "button", class: "danger" }, "Remove suppression");
    un.addEventListener("click", async () => {
      un.disabled = true;
      try {
        await api(`/api/findings/${enc(f.id)}/suppression`, {}, { method: "DELETE" });
        await render();
      } catch (e) {
        fill(out, errorBox(e));
        un.disabled = false;
      }
    });
    // `remit` itself marks a risk another control neutralizes (an SCP, a boundary...): not a
    // user's suppression, nothing to lift.
    const byAnalysis = sup.by === "remit";
    return card("Suppression", h("p", { class: "suppressed-note" }, badge("suppressed", "suppressed"),
      byAnalysis ? " by the analysis: another control neutralizes the risk" : ` by ${sup.by || "?"}`),
    dl([["Reason", sup.reason], ["Expires", sup.expires_at || sup.expires ? fmtDate(sup.expires_at ?? sup.expires) : "never"]]),
    allowed && !byAnalysis ? un : null, out);
  }
  const reason = h("textarea", { id: "suppress-reason", name: "reason", rows: 3, required: true, placeholder: "Why this risk is accepted" });
  const expires = h("input", { id: "suppress-expires", name: "expires_at", type: "date" });
  const submit = h("button", { type: "submit", class: "primary" }, "Suppress finding");
  const form = h("form", { class: "suppress-form", "aria-label": "Suppress this finding" },
    h("label", { for: "suppress-reason" }, "Reason"), reason,
    h("label", { for: "suppress-expires" }, "Expires (optional)"), expires,
    submit);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    if (!reason.value.trim()) { fill(out, h("div", { class: "alert error", role: "alert" }, "Give a reason.")); return; }
    submit.disabled = true;
    const body = { reason: reason.value.trim() };
    if (expires.value) body.expires_at = expires.value;
    try {
      await api(`/api/findings/${enc(f.id)}/suppression`, {}, { method: "POST", body });
      await render();
    } catch (e) {
      if (e.status === 401) { state.user = null; renderLogin("Your session has ended: sign in again."); return; }
      fill(out, e.status === 403
        ? h("div", { class: "alert error", role: "alert", "data-status": "403" }, h("strong", {}, "Refused (403): "),
          `${e.message || "your role may not suppress findings"}. Suppressing needs the security-analyst or admin role; you are signed in as ${role}.`)
        : errorBox(e));
      submit.disabled = false;
    }
  });
  if (allowed) return card("Suppress", h("p", { class: "muted" }, "Accept this risk for a while: it leaves the open findings and the counts."), form, out);
  // Other roles: the built-in policies refuse them, but admins can extend the policies, so the
  // form stays reachable, folded, and the server's answer is shown as it comes.
  return card("Suppress",
    h("p", { class: "muted role-note" }, `Your role (${role}) is read-only for findings: suppressing needs the security-analyst or admin role.`),
    h("details", { class: "try" }, h("summary", {}, "Request a suppression anyway"), form), out);
}

// ---------------------------------------------------------------------------------------------
// Snapshots and diff

async function snapshotsPage() {
  const snaps = await snapshots(true);
  showSnapshotInfo(null);
  const sorted = snaps.slice().sort((a, b) => b.id - a.id);
  return h("div", {}, pageHeader("Snapshots", h("span", { class: "count" }, `${sorted.length} snapshots`)),
    h("section", { class: "card", "aria-label": "Snapshots list" }, sorted.length
      ? table([{ label: "Id", cls: "num" }, { label: "Environment" }, { label: "Cloud" }, { label: "Source" }, { label: "Taken" }, { label: "Imported" }, { label: "Summary" }, { label: "" }],
        sorted.map((sn, i) => [`#${sn.id}`, sn.env, sn.cloud, h("span", { class: "mono wrap" }, text(sn.source)), fmtTime(sn.taken_at), fmtTime(sn.created_at), summary(sn.summary),
          h("span", { class: "actions" }, h("a", { href: `#/dashboard?snapshot=${sn.id}` }, "View"),
            sorted[i + 1] ? [" · ", h("a", { href: `#/diff?from=${sorted[i + 1].id}&to=${sn.id}` }, "Diff with previous")] : null)]),
        { caption: "Snapshots" })
      : empty("No snapshot yet: import one with `remit snapshot`.")));
}

function summary(sm) {
  if (!sm || typeof sm !== "object") return text(sm);
  const pick = (n, obj) => (typeof n === "number" ? n : obj && typeof obj === "object" ? sum(obj) : undefined);
  const parts = [["accounts", pick(sm.accounts)], ["principals", pick(sm.principals, sm.principals_by_cloud)], ["resources", pick(sm.resources)],
    ["open findings", pick(sm.findings, sm.findings_by_severity)]].filter(([, v]) => v !== undefined).map(([k, v]) => `${num(v)} ${k}`);
  return h("span", { class: "muted" }, parts.join(" · ") || "—");
}

async function diff(route) {
  const snaps = (await snapshots(true)).slice().sort((a, b) => b.id - a.id);
  showSnapshotInfo(null);
  const from = route.params.get("from") || (snaps[1] ? String(snaps[1].id) : "");
  const to = route.params.get("to") || (snaps[0] ? String(snaps[0].id) : "");
  const opts = (cur) => snaps.map((sn) => h("option", { value: String(sn.id), selected: String(sn.id) === cur }, `#${sn.id} · ${sn.env} · ${fmtTime(sn.taken_at)}`));
  const fromSel = h("select", { id: "diff-from", name: "from" }, opts(from));
  const toSel = h("select", { id: "diff-to", name: "to" }, opts(to));
  fromSel.value = from;
  toSel.value = to;
  const form = h("form", { class: "inline-form", "aria-label": "Pick two snapshots" },
    h("div", { class: "field" }, h("label", { for: "diff-from" }, "From"), fromSel),
    h("div", { class: "field" }, h("label", { for: "diff-to" }, "To"), toSel),
    h("button", { type: "submit", class: "primary" }, "Compare"));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    location.hash = `#/diff?from=${enc(fromSel.value)}&to=${enc(toSel.value)}`;
  });
  const head = [pageHeader("Snapshot diff"), card("Compare snapshots", snaps.length < 2 ? empty("Two snapshots are needed for a diff.") : form)];
  if (!route.params.get("from") || !route.params.get("to")) {
    return h("div", { class: "diff" }, head, snaps.length >= 2 ? h("p", { class: "muted" }, "Pick two snapshots and compare.") : null);
  }
  const d = await api("/api/diff", { from: route.params.get("from"), to: route.params.get("to") }, { withAsOf: false });
  const pr = d.principals || {}, gr = d.grants || {}, fi = d.findings || {};
  const rank = (x) => SEVERITIES.indexOf(String((x && (x.meta || x).severity) || "info"));
  for (const side of ["added", "removed"]) if (Array.isArray(fi[side])) fi[side] = fi[side].slice().sort((a, b) => rank(a) - rank(b));
  const count = (x) => (x || []).length;
  const summaryRow = h("div", { class: "stats" },
    stat("Principals", `+${count(pr.added)} / −${count(pr.removed)}`, "added / removed"),
    stat("Grants changed", `+${count(gr.added)} / −${count(gr.removed)}`, "principals with added / removed grants"),
    stat("Findings", `+${count(fi.added)} / −${count(fi.removed)}`, "new / resolved"));
  const side = (title, arr, render2, cls) => h("div", { class: `diffcol ${cls}` }, h("h3", {}, `${title} (${count(arr)})`),
    count(arr) ? h("ul", { class: "plain" }, arr.slice(0, 200).map((x) => h("li", {}, render2(x)))) : empty("None."));
  const pRender = (x) => (typeof x === "object" && x.meta ? [principalLink({ arn: x.key, name: x.meta.name }), x.meta.kind ? h("span", { class: "muted" }, ` ${x.meta.kind}`) : null] : principalLink(x));
  const gRender = (x) => {
    const n = x.count ?? count(x.lines);
    const shown = (x.lines || []).slice(0, 500);
    return h("details", {}, h("summary", {}, principalLink(x.principal), ` · ${num(n)} line${n === 1 ? "" : "s"}`),
      n > shown.length ? h("p", { class: "muted" }, `The first ${num(shown.length)}; remit diff lists them all.`) : null,
      h("pre", { class: "lines" }, shown.join("\n")));
  };
  const fRender = (x) => {
    if (typeof x === "string") return h("a", { href: findingHref(x) }, x);
    const m = x.meta || x;
    const id = x.id ?? x.key;
    return h("span", {}, sevBadge(m.severity), " ", h("a", { href: findingHref(id) }, m.title || id));
  };
  return h("div", { class: "diff" }, head,
    h("p", { class: "muted" }, `From snapshot #${d.from?.id ?? d.from}${d.from?.taken_at ? ` (${fmtTime(d.from.taken_at)})` : ""} to #${d.to?.id ?? d.to}${d.to?.taken_at ? ` (${fmtTime(d.to.taken_at)})` : ""}.`),
    summaryRow,
    card("Principals", h("div", { class: "grid2" }, side("Added", pr.added, pRender, "added"), side("Removed", pr.removed, pRender, "removed"))),
    card("Grants", h("div", { class: "grid2" }, side("Added", gr.added, gRender, "added"), side("Removed", gr.removed, gRender, "removed"))),
    card("Findings", h("div", { class: "grid2" }, side("New", fi.added, fRender, "added"), side("Resolved", fi.removed, fRender, "removed"))));
}

// ---------------------------------------------------------------------------------------------
// Search

async function search(route) {
  const q = route.params.get("q") || "";
  if (!q) return h("div", {}, pageHeader("Search"), empty("Type in the search box above."));
  const d = await api("/api/search", { q });
  showSnapshotInfo(d.snapshot);
  const ps = d.principals || [], rs = d.resources || [];
  const fs = (d.findings || []).slice().sort((a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity));
  return h("div", { class: "search-results" }, pageHeader(`Search: “${q}”`, h("span", { class: "count" }, `${ps.length + rs.length + fs.length} results`)),
    card(`Principals (${ps.length})`, ps.length ? table([{ label: "Name" }, { label: "Kind" }, { label: "Account" }, { label: "ARN" }],
      ps.map((p) => [principalLink(p), p.kind || "—", h("span", { class: "mono" }, p.account || "—"), h("span", { class: "mono muted wrap" }, p.arn || p.key || text(p))]), { caption: "Matching principals" }) : empty("No principal matches.")),
    card(`Resources (${rs.length})`, rs.length ? table([{ label: "ARN" }, { label: "Service" }, { label: "Account" }],
      rs.map((r) => [resourceLink(r), r.type || r.service || "—", h("span", { class: "mono" }, r.account || "—")]), { caption: "Matching resources" }) : empty("No resource matches.")),
    card(`Findings (${fs.length})`, fs.length ? findingsTable(fs) : empty("No finding matches.")));
}

const PAGES = { dashboard, identity, identities, resource, resources, findings, finding, snapshots: snapshotsPage, diff, search };

window.addEventListener("hashchange", () => { render(); });
render();
