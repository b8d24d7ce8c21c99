// check_page.mjs - the web checker in a real browser: Debian's chromium, headless, driven by
// Playwright. Opens the form, submits a domain, waits for the report the page fills from the event
// stream, asserts what it shows, and saves a screenshot.
//
// node check_page.mjs --url http://127.0.0.1:PORT --domain DOMAIN --screenshot FILE.png
//                     [--expect-grade A] [--expect-progress]
// Prints one JSON line (what it saw) and exits 0 when every assertion held, 1 otherwise.
import { chromium } from "playwright-core";

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
}
const url = arg("--url");
const domain = arg("--domain");
const screenshot = arg("--screenshot");
const expectGrade = arg("--expect-grade", "");
const expectProgress = process.argv.includes("--expect-progress");

const failures = [];
const check = (ok, what) => {
  if (!ok) failures.push(what);
};

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const seen = { consoleErrors: [], pending: 0 };
try {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  page.on("console", (msg) => {
    if (msg.type() === "error") seen.consoleErrors.push(msg.text());
  });
  page.on("pageerror", (err) => seen.consoleErrors.push(String(err)));

  await page.goto(url + "/", { waitUntil: "load" });
  check((await page.title()).includes("MailCheck"), "the form page has the title");
  await page.getByLabel("Mail domain").fill(domain);
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().includes("/check?domain=")),
    page.getByRole("button", { name: "Check" }).click(),
  ]);
  await page.waitForURL(/\/check\?domain=/);
  seen.url = page.url();

  // Progressive: the page the server sent has placeholders for checks not yet decided (read
  // from the response, since the script may fill them before the test looks at the DOM).
  const sent = await response.text();
  seen.pending = (sent.match(/class="pending"/g) || []).length;
  seen.initialState = /data-state="pending"/.test(sent) ? "pending" : "done";
  if (expectProgress) {
    check(seen.initialState === "pending", "the page starts pending (results stream in)");
  }

  await page.waitForSelector('#report[data-state="done"]', { timeout: 60000 });
  seen.progress = await page.locator("#progress").innerText();
  seen.sections = await page.locator("#report section[id]").evaluateAll(
      (els) => els.map((e) => e.id));
  seen.stillPending = await page.locator("section.pending").count();
  seen.grade = await page.locator(".grade strong").first().innerText();
  seen.statuses = await page.locator("#report section h2 .status").allInnerTexts();
  seen.heading = await page.locator("h1").innerText();

  check(seen.stillPending === 0, "every placeholder was replaced");
  check(seen.sections.length === 10, "ten check sections");
  for (const id of ["mx", "dnssec", "dane", "starttls", "mta_sts", "tls_rpt", "spf", "dkim",
                    "dmarc", "bimi"]) {
    check(seen.sections.includes(id), `a section for ${id}`);
  }
  check(seen.heading.includes(domain), "the heading names the domain");
  check(await page.locator("table caption", { hasText: "Summary" }).count() === 1,
        "the summary table");
  if (expectGrade) check(seen.grade === expectGrade, `grade ${expectGrade}`);
  check(seen.consoleErrors.length === 0, "no console errors (CSP violations included)");

  // The URL is shareable: a second visit shows the same report, whole, from the cache.
  const again = await browser.newPage();
  await again.goto(seen.url, { waitUntil: "load" });
  seen.sharedState = await again.locator("#report").getAttribute("data-state");
  check(seen.sharedState === "done", "the shared URL opens the finished report");

  await page.screenshot({ path: screenshot, fullPage: false });
} catch (e) {
  failures.push(String(e));
} finally {
  await browser.close();
}
seen.failures = failures;
console.log(JSON.stringify(seen));
process.exit(failures.length ? 1 : 0);
