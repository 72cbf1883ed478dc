// Opens a page in headless Chromium (Debian's /usr/bin/chromium, driven by the pinned
// playwright-core of tools/) and prints what a reader sees as one JSON line:
// {"status", "title", "text", "headings", "menu": [{"href", "text"}], "opened", "errors"}.
// With OPEN (a menu item's href, e.g. /paths/~1api~1v1~1org~1services/get) it follows that
// item of the page's menu the way a reader clicks it and gives the text shown then as
// "opened".
// Usage: node tests/e2e/docs_portal.js URL [OPEN] [SCREENSHOT.png]
const path = require("path");
const { chromium } = require(path.join(__dirname, "..", "..", "tools", "node_modules",
  "playwright-core"));

const TIMEOUT_MS = 60000;

(async () => {
  const [url, open, screenshot] = process.argv.slice(2);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    // no sandbox (root in a container), no GPU, nothing fetched behind the page's back
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--disable-default-apps", "--disable-extensions",
      "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"],
  });
  const errors = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on("pageerror", (e) => errors.push(String(e)));
    const response = await page.goto(url, { waitUntil: "load", timeout: TIMEOUT_MS });
    // Redoc renders after load: wait for its menu
    await page.waitForSelector("a[href^='/paths/']", { timeout: TIMEOUT_MS });
    const read = () => page.evaluate(() => ({
      text: document.body.innerText,
      headings: Array.from(document.querySelectorAll("h1, h2, h3")).map((h) => h.innerText.trim()),
      menu: Array.from(document.querySelectorAll("a[href^='/paths/'], a[href^='/section/']"))
        .map((a) => ({ href: a.getAttribute("href"), text: a.innerText.replace(/\s+/g, " ").trim() }))
        .filter((m) => m.text),
    }));
    const first = await read();
    let opened = null;
    if (open) {
      const item = first.menu.find((m) => m.href === open);
      if (!item) throw new Error(`no menu item ${open}`);
      const title = item.text.replace(/\s*(GET|POST|PUT|DELETE)$/, "");
      await page.click(`a[href='${open}']`);
      // the operation's own heading, rendered in the main panel
      await page.waitForFunction((t) => Array.from(document.querySelectorAll("h1, h2"))
        .some((h) => h.innerText.trim() === t), title, { timeout: TIMEOUT_MS });
      await page.waitForTimeout(300);
      opened = (await read()).text;
    }
    if (screenshot) await page.screenshot({ path: screenshot });
    process.stdout.write(JSON.stringify({
      status: response.status(), title: await page.title(), ...first, opened, errors,
    }) + "\n");
  } finally {
    await browser.close();
  }
})().catch((e) => { console.error(String(e)); process.exit(1); });
