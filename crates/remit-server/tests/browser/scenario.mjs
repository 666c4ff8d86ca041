// The console's end-to-end scenario in real headless Chromium (Debian's chromium, driven by
// playwright-core, which downloads no browser). Run by tests/browser.rs against `remit demo`;
// can be run by hand against any server:
//
//   REMIT_URL=http://127.0.0.1:8080 REMIT_PASSWORD=... node scenario.mjs
//
// Environment: REMIT_URL (required), REMIT_PASSWORD (the demo users' password), REMIT_CHROMIUM
// (else `chromium` on PATH), REMIT_BROWSER_DIR (where playwright-core is installed, else next
// to this file), REMIT_SCREENSHOT_DIR (default target/browser-screenshots).
// Exits 0 when every step passed, 1 with the failed step and its reason otherwise; a PNG of
// every page is kept in the screenshot directory (and one of the page at a failure).

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const url = (process.env.REMIT_URL || "").replace(/\/$/, "");
const password = process.env.REMIT_PASSWORD || process.env.REMIT_DEMO_PASSWORD || "";
const shots = path.resolve(process.env.REMIT_SCREENSHOT_DIR || "target/browser-screenshots");
if (!url) fail("setup", "REMIT_URL is not set");
if (!password) fail("setup", "REMIT_PASSWORD is not set");

function loadPlaywright() {
  const places = [process.env.REMIT_BROWSER_DIR, path.dirname(new URL(import.meta.url).pathname)].filter(Boolean);
  for (const dir of places) {
    try {
      return createRequire(path.join(dir, "package.json"))("playwright-core");
    } catch { /* try the next place */ }
  }
  return fail("setup", `playwright-core is not installed (looked in ${places.join(", ")}): run scripts/test.sh or npm ci in ${places[0]}`);
}

function chromiumPath() {
  if (process.env.REMIT_CHROMIUM) return process.env.REMIT_CHROMIUM;
  for (const name of ["chromium", "chromium-browser"]) {
    try {
      return execFileSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).trim();
    } catch { /* not on PATH */ }
  }
  return fail("setup", "chromium is not installed (apt-get install chromium) and REMIT_CHROMIUM is not set");
}

function fail(step, message) {
  console.error(`FAILED at step "${step}": ${message}`);
  process.exit(1);
}

function assert(cond, message) {
  if (!cond) throw new Error(message);
}

// Console errors and CSP violations. The browser also reports every HTTP error status of a fetch
// as a console error: the ones the scenario provokes on purpose are expected, nothing else is.
const problems = [];
const EXPECTED_HTTP = [
  { status: 401, path: /^\/api\/me$/ },
  { status: 401, path: /^\/api\/login$/ },
  { status: 403, path: /^\/api\/findings\/[^/]+\/suppression$/ },
];

const { chromium } = loadPlaywright();
const browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
await context.addInitScript(() => {
  document.addEventListener("securitypolicyviolation", (e) => {
    console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`);
  });
});
const page = await context.newPage();
// Generous: a debug build of the server loads a snapshot's analysis slowly the first time.
page.setDefaultTimeout(Number(process.env.REMIT_BROWSER_TIMEOUT_MS || 300000));
page.on("console", (msg) => {
  if (msg.type() !== "error") return;
  const text = msg.text();
  const m = /status of (\d+)/.exec(text);
  if (m) {
    let p = "";
    try { p = new URL(msg.location().url).pathname; } catch { /* no location */ }
    if (EXPECTED_HTTP.some((e) => e.status === Number(m[1]) && e.path.test(p))) return;
    problems.push(`console error: ${text} (${msg.location().url})`);
    return;
  }
  problems.push(`console error: ${text}`);
});
page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));

fs.mkdirSync(shots, { recursive: true });
let shotNo = 0;
async function shot(name) {
  shotNo += 1;
  const file = path.join(shots, `${String(shotNo).padStart(2, "0")}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`  screenshot ${file}`);
}

let current = "start";
async function step(name, fn) {
  current = name;
  const t0 = Date.now();
  await fn();
  if (problems.length) throw new Error(problems.join("\n"));
  console.log(`ok - ${name} (${Date.now() - t0} ms)`);
}

/** Waits until the console has rendered `name` for the current URL (or shows an error). */
async function ready(name) {
  await page.waitForFunction(() => {
    const m = document.querySelector("main");
    return m && (m.dataset.ready === "1" || m.dataset.ready === "error") && m.dataset.route === location.hash;
  });
  const state = await page.evaluate(() => {
    const m = document.querySelector("main");
    return { ready: m.dataset.ready, page: m.dataset.page, text: m.textContent.slice(0, 400) };
  });
  assert(state.ready === "1", `the ${name} page shows an error: ${state.text}`);
  assert(state.page === name, `expected the ${name} page, got ${state.page}`);
}

async function count(selector) {
  return page.locator(selector).count();
}

async function login(user) {
  await page.waitForSelector("#login-user");
  await page.fill("#login-user", user);
  await page.fill("#login-pass", password);
  await page.click(".login-form button[type=submit]");
  await page.waitForSelector("header.topbar");
  await ready("dashboard");
  const who = await page.textContent(".user .who");
  assert(who.includes(user), `the header names ${who}, not ${user}`);
}

async function logout() {
  await page.click("text=Sign out");
  await page.waitForSelector("#login-user");
}

/** GET an API route with the page's session (to pick test subjects from the demo's data). */
async function apiGet(route) {
  return page.evaluate(async (r) => {
    const res = await fetch(r, { headers: { Accept: "application/json" } });
    if (!res.ok) throw new Error(`${r}: HTTP ${res.status}`);
    return res.json();
  }, route);
}

try {
  let subject = null;
  let suppressedId = null;

  await step("login page", async () => {
    await page.goto(`${url}/`);
    await page.waitForSelector("#login-user");
    // The demo configures no identity provider: no single sign-on link is offered.
    const methods = await (await page.request.get(`${url}/api/auth/methods`)).json();
    assert(methods.oidc === false, `the demo has no OIDC provider, yet /api/auth/methods says ${JSON.stringify(methods)}`);
    assert((await page.locator("a[href='/auth/oidc/login']").count()) === 0, "a Sign in with SSO link without a provider");
    await shot("login");
  });

  await step("log in as the analyst; the dashboard shows numbers and charts", async () => {
    await login("analyst");
    const values = await page.locator(".stat .value").allTextContents();
    assert(values.length >= 3, "no stat cards on the dashboard");
    const principals = Number(values[0].replace(/[^0-9]/g, ""));
    assert(principals > 0, `the dashboard counts ${values[0]} principals`);
    assert(await count("svg[aria-label='Findings by severity over snapshots']") === 1, "no trend chart of findings by severity");
    assert(await count("svg.chart") >= 2, "fewer than two charts on the dashboard");
    assert(await count("section[aria-labelledby='card-riskiest-identities'] tbody tr") >= 1, "no riskiest identities");
    await shot("dashboard");
  });

  await step("search finds a principal", async () => {
    // The subject: the first principal of a privilege-escalation finding (it has a path to draw).
    // An AWS principal's (the demo spans three clouds; this page's permissions pivot is AWS's).
    const esc = await apiGet("/api/findings?kind=privilege-escalation&limit=1000");
    const pick = (esc.items || []).filter((f) => f.cloud === "aws").map((f) => f.principals?.[0]).find(Boolean);
    if (pick) {
      subject = typeof pick === "string" ? pick : pick.arn;
    } else {
      const risky = await page.locator("section[aria-labelledby='card-riskiest-identities'] tbody tr a").first().getAttribute("title");
      subject = risky;
    }
    assert(subject, "no principal to search for");
    const name = subject.split(/[:/]/).pop();
    await page.fill("#search-q", name);
    await page.press("#search-q", "Enter");
    await ready("search");
    const link = page.locator(`section[aria-labelledby^='card-principals'] a[title='${subject}']`);
    assert(await link.count() >= 1, `searching ${name} does not list ${subject}`);
    await shot("search");
    await link.first().click();
  });

  await step("identity page with permissions and the escalation graph", async () => {
    await ready("identity");
    const h1 = await page.textContent("main h1");
    assert(subject.endsWith(h1.trim()) || h1.trim().length > 0, `identity heading is ${h1}`);
    assert(await count("section[aria-labelledby='card-effective-permissions'] tbody tr") >= 1, "no effective permissions");
    assert(await count("svg.graph .node") >= 2, "no escalation graph (fewer than two nodes)");
    assert(await count("svg.graph path.edge") >= 1, "the escalation graph has no edge");
    await shot("identity");
  });

  await step("an Azure and a Google Cloud identity list their entitlements", async () => {
    const all = await apiGet("/api/principals?limit=1000");
    for (const cloud of ["azure", "gcp"]) {
      const who = (all.items || []).find((p) => p.cloud === cloud && Number(p.actions) > 0);
      assert(who, `no ${cloud} principal with entitlements in the demo`);
      await page.goto(`${url}/#/identity/${encodeURIComponent(who.arn)}`);
      await ready("identity");
      const rows = await count("section[aria-labelledby='card-entitlements'] tbody tr");
      assert(rows >= 1, `the ${cloud} identity ${who.arn} lists no entitlement`);
      await shot(`identity-${cloud}`);
    }
    await page.goto(`${url}/#/identity/${encodeURIComponent(subject)}`);
    await ready("identity");
  });

  await step("explain a decision", async () => {
    const detail = await apiGet(`/api/principals/${encodeURIComponent(subject)}`);
    // The first permission of its escalation path ("action on resource"), else something it used.
    const perm = detail.escalations?.[0]?.path?.[0]?.permissions?.[0];
    let [action, resource] = perm ? String(perm).split(" on ") : [];
    action ||= detail.escalations?.[0]?.path?.[0]?.action || detail.last_used?.[0]?.action || "s3:GetObject";
    resource ||= "*";
    await page.fill("#explain-action", action);
    await page.fill("#explain-resource", resource);
    await page.click("form[aria-label='Explain a decision'] button[type=submit]");
    await page.waitForSelector(".explain-result [data-decision], .explain-result .alert");
    const err = await page.locator(".explain-result .alert").count();
    assert(!err, `explain failed: ${await page.locator(".explain-result").textContent()}`);
    const decision = await page.getAttribute(".explain-result [data-decision]", "data-decision");
    assert(["allowed", "conditional", "implicitlyDenied", "explicitlyDenied", "denied"].includes(decision), `unexpected decision ${decision}`);
    await page.locator("section[aria-labelledby='card-explain-a-decision']").scrollIntoViewIfNeeded();
    await shot(`explain-${decision}`);
  });

  await step("findings list with filters and pagination", async () => {
    await page.click("nav a[data-nav=findings]");
    await ready("findings");
    const rows = await count("table.findings-table tbody tr");
    assert(rows >= 1, "the findings list is empty");
    assert(/of \d/.test(await page.textContent(".pager")), "no pagination summary");
    await shot("findings");
    await page.selectOption("#filter-severity", "high");
    await page.waitForFunction(() => location.hash.includes("severity=high"));
    await ready("findings");
    const sevs = await page.locator("table.findings-table tbody tr td:first-child").allTextContents();
    assert(sevs.every((s) => s.trim() === "high"), `the severity filter let through ${[...new Set(sevs)].join(", ")}`);
    await shot("findings-high");
  });

  await step("suppress a finding as the analyst", async () => {
    const link = page.locator("table.findings-table tbody tr a[href^='#/finding/']").first();
    const href = await link.getAttribute("href");
    suppressedId = decodeURIComponent(href.split("?")[0].replace("#/finding/", ""));
    await link.click();
    await ready("finding");
    assert(await count("section[aria-labelledby='card-evidence']") === 1, "no evidence card");
    await shot("finding");
    await page.fill("#suppress-reason", "Accepted risk: end-to-end test");
    await page.click(".suppress-form button[type=submit]");
    await page.waitForSelector(".suppressed-note, .suppress-result .alert");
    assert(!(await count(".suppress-result .alert")), `suppressing failed: ${await page.locator(".suppress-result").textContent()}`);
    assert(await page.locator(".pagehead .badge.suppressed").isVisible(), "the finding is not shown as suppressed");
    await shot("finding-suppressed");
  });

  await step("log out, log in as the auditor: the suppression is refused (403)", async () => {
    await logout();
    await shot("logged-out");
    await login("auditor");
    const open = await apiGet("/api/findings?suppressed=false&limit=5");
    const other = open.items?.find((f) => f.id !== suppressedId);
    assert(other, "no open finding left to try");
    await page.evaluate((h) => { location.hash = h; }, `#/finding/${encodeURIComponent(other.id)}`);
    await ready("finding");
    assert(await page.locator(".role-note").isVisible(), "the auditor is not told the role is read-only");
    await page.click("details.try summary");
    await page.fill("#suppress-reason", "The auditor should not be able to do this");
    await page.click(".suppress-form button[type=submit]");
    await page.waitForSelector(".suppress-result .alert");
    const msg = await page.textContent(".suppress-result .alert");
    assert(/403/.test(msg), `the refusal does not say 403: ${msg}`);
    assert(await page.locator(".pagehead .badge.open").isVisible(), "the finding no longer shows as open");
    await shot("auditor-refused");
    // The analyst's suppression is there for everyone.
    await page.evaluate((h) => { location.hash = h; }, `#/finding/${encodeURIComponent(suppressedId)}`);
    await ready("finding");
    assert(await page.locator(".pagehead .badge.suppressed").isVisible(), "the analyst's suppression is not shown to the auditor");
  });

  await step("resource page: who can access it and how", async () => {
    await page.click("nav a[data-nav=resources]");
    await ready("resources");
    await shot("resources");
    const first = page.locator("main table tbody tr a").first();
    assert(await first.count() === 1, "no resource listed");
    await first.click();
    await ready("resource");
    assert(await count("section[aria-labelledby='card-who-can-access-it-and-how']") === 1, "no access card");
    await shot("resource");
  });

  await step("snapshots and the diff between two of them", async () => {
    await page.click("nav a[data-nav=snapshots]");
    await ready("snapshots");
    assert(await count("main table tbody tr") >= 2, "fewer than two snapshots");
    await shot("snapshots");
    await page.click("nav a[data-nav=diff]");
    await ready("diff");
    await page.click("form[aria-label='Pick two snapshots'] button[type=submit]");
    await page.waitForFunction(() => location.hash.includes("from="));
    await ready("diff");
    assert(await count(".diff .stats .stat") === 3, "no diff summary");
    await shot("diff");
  });

  await step("time travel: the dashboard as of the oldest snapshot", async () => {
    await page.click("nav a[data-nav=dashboard]");
    await ready("dashboard");
    const options = await page.locator("#asof-snapshot option").evaluateAll((os) => os.map((o) => o.value).filter(Boolean));
    const oldest = options[options.length - 1];
    await page.selectOption("#asof-snapshot", oldest);
    await page.waitForFunction((id) => location.hash.includes(`snapshot=${id}`), oldest);
    await ready("dashboard");
    const info = await page.textContent(".snapinfo");
    assert(info.includes(`#${oldest}`), `the dashboard does not say it shows snapshot #${oldest}: ${info}`);
    await shot("dashboard-as-of");
  });

  await step("a wrong password is refused", async () => {
    await logout();
    await page.fill("#login-user", "analyst");
    await page.fill("#login-pass", `${password}-wrong`);
    await page.click(".login-form button[type=submit]");
    await page.waitForSelector(".login-form .alert:not([hidden])");
    const msg = await page.textContent(".login-form .alert");
    assert(/wrong username or password/i.test(msg), `unexpected message: ${msg}`);
    assert(await count("header.topbar") === 0, "signed in with a wrong password");
    await shot("login-refused");
  });

  console.log(`all steps passed; ${shotNo} screenshots in ${shots}`);
  await browser.close();
} catch (e) {
  try { await shot("failure"); } catch { /* the page may be gone */ }
  await browser.close().catch(() => {});
  fail(current, e.message);
}
