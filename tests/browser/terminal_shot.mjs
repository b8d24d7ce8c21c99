// terminal_shot.mjs - render a colour text report (ANSI SGR codes) as a terminal would and save a
// PNG: the README's picture of `mailcheck check`. Uses the same headless chromium as the tests.
//
// node terminal_shot.mjs --in report.txt --out report.png [--title "$ mailcheck check ..."]
import { readFileSync } from "node:fs";
import { chromium } from "playwright-core";

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
}
const text = readFileSync(arg("--in"), "utf8");
const title = arg("--title", "");

const escape = (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const colours = { 31: "#ff6b6b", 32: "#5fd75f", 33: "#ffd75f", 35: "#d787ff", 36: "#5fd7ff" };
let html = "";
let open = 0;
for (const part of text.split(/(\x1b\[[0-9;]*m)/)) {
  const m = part.match(/^\x1b\[([0-9;]*)m$/);
  if (!m) {
    html += escape(part);
    continue;
  }
  for (const code of m[1].split(";").map(Number)) {
    if (code === 0) {
      html += "</span>".repeat(open);
      open = 0;
    } else if (code === 1) {
      html += '<span style="font-weight:bold;color:#fff">';
      open++;
    } else if (code === 2) {
      html += '<span style="opacity:.65">';
      open++;
    } else if (colours[code]) {
      html += `<span style="color:${colours[code]}">`;
      open++;
    }
  }
}
html += "</span>".repeat(open);
const page = `<!DOCTYPE html><html><body style="margin:0;background:#1e1e1e">
<pre style="margin:0;padding:14px 18px;color:#d0d0d0;font:13px/1.35 'DejaVu Sans Mono',monospace;
width:82ch">${title ? `<span style="color:#8a8a8a">${escape(title)}</span>\n` : ""}${html}</pre>
</body></html>`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"],
});
const tab = await browser.newPage({ viewport: { width: 760, height: 400 } });
await tab.setContent(page);
await tab.locator("pre").screenshot({ path: arg("--out") });
await browser.close();
