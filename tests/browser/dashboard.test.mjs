// dashboard.test.mjs - the demo dashboard in a real browser (Debian's
// chromium, driven by playwright-core): live prices, recovery after the
// responder is killed with nothing lost or repeated, and more than six
// EventSources on one page over HTTP/2; a finished topic stops EventSource.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";

const TOP = resolve(import.meta.dirname, "../..");
const BUILD = resolve(TOP, process.env.BUILD || "build");
const T = mkdtempSync(join(tmpdir(), "sse-browser."));
const DB = join(T, "events.db");
const children = [];
let responder, browser, BASE, TLS;

function freePort() {
  return new Promise((ok) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

function start(cmd, args, env = {}) {
  const p = spawn(cmd, args, { env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "inherit"] });
  children.push(p);
  return p;
}

const push = (...args) =>
  Number(execFileSync(join(BUILD, "sse-push"), ["-d", DB, ...args]).toString());

async function until(what, fn, ms = 10000) {
  const end = Date.now() + ms;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > end) throw new Error("timed out waiting for " + what);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function startResponder() {
  rmSync(join(T, "sse.sock"), { force: true });
  responder = start(join(BUILD, "sse-fcgi"), ["-d", DB, "-l", "unix:" + join(T, "sse.sock")],
    // SSE_GZIP: Chromium takes gzip, so every test here runs compressed.
    { SSE_RETRY_MS: "1000", SSE_GZIP: "1" });
  writeFileSync(join(T, "sse-fcgi.pid"), String(responder.pid));
  return until("the responder's socket", () => {
    try { return readFileSync("/proc/net/unix", "utf8").includes(join(T, "sse.sock")); }
    catch { return false; }
  });
}

before(async () => {
  push("AAPL", "189.50");
  const port = await freePort(), tls = await freePort();
  BASE = `http://127.0.0.1:${port}`;
  TLS = `https://127.0.0.1:${tls}`;
  execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt",
    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", join(T, "key.pem"),
    "-out", join(T, "cert.pem"), "-days", "2", "-subj", "/CN=localhost"],
    { stdio: "ignore" });
  writeFileSync(join(T, "lighttpd.conf"),
    readFileSync(join(TOP, "tests/browser/lighttpd.conf.in"), "utf8")
      .replaceAll("@PORT@", port).replaceAll("@TLS_PORT@", tls)
      .replaceAll("@T@", T).replaceAll("@WEB@", join(TOP, "web"))
      .replaceAll("@BUILD@", BUILD));
  await startResponder();
  start("lighttpd", ["-D", "-f", join(T, "lighttpd.conf")]);
  await until("lighttpd", async () => {
    try { return (await fetch(BASE + "/")).ok; } catch { return false; }
  });
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update",
      "--disable-sync", "--ignore-certificate-errors"],
  });
});

after(async () => {
  if (browser) await browser.close();
  for (const p of children) if (p.exitCode === null) p.kill("SIGKILL");
  rmSync(T, { recursive: true, force: true });
});

const status = (page) => page.locator("#status").getAttribute("data-state");
const received = (page) => page.evaluate(() => window.received.slice());

test("the dashboard shows live prices", async () => {
  const page = await browser.newPage({ viewport: { width: 1000, height: 760 } });
  let encoding = null;
  page.on("response", (r) => {
    if (new URL(r.url()).pathname.startsWith("/sse")) encoding = r.headers()["content-encoding"];
  });
  await page.goto(BASE + "/");
  await until("live", async () => (await status(page)) === "live");
  const prices = [["AAPL", "190.02"], ["META", "512.30"], ["GOOGL", "141.80"],
    ["META", "509.99"], ["AAPL", "190.47"], ["GOOGL", "142.35"]];
  for (const [sym, price] of prices) {
    const id = push(sym, price);
    await until(`id ${id} on the page`, async () => (await received(page)).includes(id));
  }
  const card = (sym) => page.locator(".card", { hasText: sym });
  assert.equal(await card("AAPL").locator(".price").textContent(), "190.47");
  assert.equal(await card("META").locator(".chg").textContent(), "▼ 0.45 %");
  assert.match(await card("GOOGL").locator(".chg").textContent(), /^▲ 0\.39 %$/);
  assert.equal(await page.locator("#last-id").textContent(), String(push("AAPL", "190.50") - 1));
  await until("the last push", async () => (await received(page)).length === 7);
  // Each event came one by one above, through a compressed stream.
  assert.equal(encoding, "gzip");
  // Exactly as pushed: a float would show 190.5.
  assert.equal(await card("AAPL").locator(".price").textContent(), "190.50");
  mkdirSync(join(BUILD, "test-artifacts"), { recursive: true });
  await page.screenshot({ path: join(BUILD, "test-artifacts", "dashboard.png") });
  await page.close();
});

test("after the responder is killed and restarted, nothing is lost or repeated", async () => {
  const page = await browser.newPage();
  await page.goto(BASE + "/");
  await until("live", async () => (await status(page)) === "live");
  const first = push("AAPL", "200");
  await until("first event", async () => (await received(page)).includes(first));

  responder.kill("SIGKILL");
  await until("the page to notice", async () =>
    ["reconnecting", "offline"].includes(await status(page)));
  const seenDown = await status(page);
  for (const p of ["201", "202", "203"]) push("AAPL", p);	// while it is down
  await startResponder();
  const last = push("AAPL", "204");
  await until("the page to catch up", async () => (await received(page)).includes(last), 20000);
  await until("live again", async () => (await status(page)) === "live");

  const ids = await received(page);
  assert.ok(["reconnecting", "offline"].includes(seenDown));
  assert.deepEqual(ids, Array.from({ length: last - first + 1 }, (_, i) => first + i),
    "every id from the first to the last, once each, in order");
  assert.ok(Number(await page.locator("#reconnects").textContent()) >= 1);
  await page.close();
});

test("the demo's buttons push a price and drop the connection", async () => {
  const page = await browser.newPage();
  await page.goto(BASE + "/");
  await until("live", async () => (await status(page)) === "live");
  await until("the buttons", () => page.locator("#controls").isVisible());

  await page.selectOption("#push-symbol", "META");
  await page.fill("#push-price", "123.40");
  await page.click("#push");
  const meta = page.locator(".card", { hasText: "META" }).locator(".price");
  await until("META 123.40", async () => (await meta.textContent().catch(() => "")) === "123.40");
  // The event may arrive over SSE before the POST's answer is shown.
  await until("the answer", async () =>
    /^pushed as id [0-9]+$/.test(await page.locator("#api-msg").textContent()));
  await page.fill("#push-price", "12,5");
  await page.click("#push");
  await until("the refusal", async () =>
    /not a decimal/.test(await page.locator("#api-msg").textContent()));

  const before = Number(await page.locator("#reconnects").textContent());
  const first = push("AAPL", "210");
  await until("first", async () => (await received(page)).includes(first));
  await page.click("#drop");
  for (const p of ["211", "212"]) push("AAPL", p);	// while it reconnects
  await until("a reconnect", async () =>
    Number(await page.locator("#reconnects").textContent()) > before);
  const last = push("AAPL", "213");
  await until("the catch-up", async () => (await received(page)).includes(last));
  const ids = (await received(page)).filter((id) => id >= first);
  assert.deepEqual(ids, Array.from({ length: last - first + 1 }, (_, i) => first + i));
  assert.equal(await status(page), "live");
  await page.close();
});

test("over HTTP/2 one page holds more than 6 EventSources, all live", async () => {
  const page = await browser.newPage();
  await page.goto(TLS + "/");
  assert.equal(await page.evaluate(() =>
    performance.getEntriesByType("navigation")[0].nextHopProtocol), "h2");
  await until("live", async () => (await status(page)) === "live");
  // The dashboard holds one; seven more make eight (lighttpd's h2 limit).
  await page.evaluate(() => {
    window.extra = [];
    for (let i = 0; i < 7; i++) {
      const s = { open: false, ids: [] };
      const es = new EventSource("/sse?n=" + i);
      es.onopen = () => { s.open = true; };
      es.addEventListener("price", (e) => s.ids.push(Number(e.lastEventId)));
      window.extra.push(s);
    }
  });
  await until("7 more open", () => page.evaluate(() => window.extra.every((s) => s.open)));
  for (const p of ["300", "301"]) {
    const id = push("META", p);
    await until(`id ${id} on all 8`, () => page.evaluate((id) =>
      window.extra.every((s) => s.ids.includes(id)) && window.received.includes(id), id));
  }
  await page.close();
});

test("a finished topic stops EventSource: one reconnect, a 204, no more", async () => {
  const page = await browser.newPage();
  const requests = [];
  page.on("request", (r) => { if (r.url().includes("/sse/jobs/b1")) requests.push(r.url()); });
  await page.goto(BASE + "/");
  await page.evaluate(() => {
    window.job = { ids: [], data: [], errors: 0, opened: 0 };
    const es = new EventSource("/sse/jobs/b1");
    window.jobES = es;
    es.onopen = () => { window.job.opened++; };
    es.onerror = () => { window.job.errors++; };
    es.addEventListener("progress", (e) => {
      window.job.ids.push(Number(e.lastEventId));
      window.job.data.push(e.data);
    });
  });
  await until("the job stream open", () => page.evaluate(() => window.job.opened === 1));
  const a = push("--topic", "jobs/b1", "-e", "progress", "-m", "50");
  push("--topic", "jobs/b2", "-e", "progress", "-m", "other job");
  const b = push("--topic", "jobs/b1", "-e", "progress", "-m", "100");
  push("--topic", "jobs/b1", "--close");
  // The stream ends after the close; EventSource comes back once (1 s,
  // SSE_RETRY_MS) with the close's id, gets 204, and is CLOSED for good.
  await until("CLOSED", () => page.evaluate(() => window.jobES.readyState === 2), 15000);
  await new Promise((r) => setTimeout(r, 3500));	// three more retry times
  const job = await page.evaluate(() => window.job);
  assert.deepEqual(job.ids, [a, b]);
  assert.deepEqual(job.data, ["50", "100"]);
  assert.equal(await page.evaluate(() => window.jobES.readyState), 2);
  assert.equal(requests.length, 2, "the stream, one reconnect, nothing after the 204");
  await page.close();
});

test("the jobs page: progress resumes after a drop and ends at 100 %; an answer streams word by word and ends", async () => {
  const page = await browser.newPage();
  await page.goto(BASE + "/topics.html");
  const value = () => page.evaluate(() => document.getElementById("bar").value);
  const state = (id) => page.locator(id).getAttribute("data-state");
  await page.click("#start-job");
  await until("the job under way", async () => (await value()) >= 25);
  await page.click("#drop");		// every stream ends; the page resumes
  await until("the job finished", async () => (await state("#job-state")) === "finished", 20000);
  assert.equal(await value(), 100);
  const ids = await page.evaluate(() => window.jobIds);
  assert.equal(ids.length, 21, "0 to 100 by 5, each once");
  assert.ok(ids.every((id, i) => i === 0 || id > ids[i - 1]), "in order, no repeat");

  await page.click("#ask");
  await until("the answer finished", async () => (await state("#answer-state")) === "finished", 20000);
  const text = await page.locator("#text").textContent();
  assert.equal(text, "Server-Sent Events carry one answer to one page, word by word, " +
    "over a plain GET. The stream ends when the answer does, and EventSource stops for good. ");
  assert.equal((await page.evaluate(() => window.answerIds)).length, text.trim().split(" ").length);
  await page.close();
});
