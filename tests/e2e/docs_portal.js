// Opens a page in headless Chromium (Debian's /usr/bin/chromium, driven by the pinned
// playwright-core of tools/) and prints what a reader sees as one JSON line:
// {"status", "title", "text", "headings", "menu": [{"href", "text"}], "opened", "errors"}.
// With OPEN (an operation's item of the menu, e.g. /organizations/listorgservices: its tag
// and operationId) it follows that item the way a reader clicks it and gives the text shown
// then as "opened".
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
    // Redoc renders after load: wait for its menu of tags, then open each tag (the menu
    // shows a tag's operations once it is opened) and collect every operation's item
    const TAG = /^\/[a-z][a-z-]*$/;
    const links = () => page.evaluate(() => Array.from(document.querySelectorAll("a[href]"))
      .map((a) => ({ href: a.getAttribute("href").replace(/^#/, ""),
        text: a.innerText.replace(/\s+/g, " ").trim() })));
    const isOperation = (m) => /\s(GET|POST|PUT|DELETE|PATCH)$/.test(m.text);
    await page.waitForSelector("a[href^='/section/']", { timeout: TIMEOUT_MS });
    const shown = () => page.evaluate(() => ({
      text: document.body.innerText,
      headings: Array.from(document.querySelectorAll("h1, h2, h3")).map((h) => h.innerText.trim()),
    }));
    const landing = await shown(); // the guide, before any tag is opened
    const operations = new Map();
    const tags = (await links()).filter((m) => TAG.test(m.href) && m.text).map((m) => m.href);
    for (const tag of tags) {
      await page.click(`a[href='${tag}'], a[href='#${tag}']`);
      await page.waitForFunction((t) => Array.from(document.querySelectorAll("a[href]"))
        .some((a) => a.getAttribute("href").replace(/^#/, "").startsWith(t + "/")), tag,
      { timeout: TIMEOUT_MS });
      for (const m of await links()) if (isOperation(m)) operations.set(m.href, m);
    }
    const first = {
      ...landing,
      menu: [...(await links()).filter((m) => m.href.startsWith("/section/") && m.text),
        ...operations.values()],
    };
    let opened = null;
    if (open) {
      const item = first.menu.find((m) => m.href === open);
      if (!item) throw new Error(`no menu item ${open}`);
      const title = item.text.replace(/\s*(GET|POST|PUT|DELETE)$/, "");
      await page.click(`a[href='${open}'], a[href='#${open}']`);
      // the operation's own heading, rendered in the main panel
      await page.waitForFunction((t) => Array.from(document.querySelectorAll("h1, h2"))
        .some((h) => h.innerText.trim() === t), title, { timeout: TIMEOUT_MS });
      await page.waitForTimeout(300);
      opened = (await shown()).text;
    }
    if (screenshot) await page.screenshot({ path: screenshot });
    process.stdout.write(JSON.stringify({
      status: response.status(), title: await page.title(), ...first, opened, errors,
    }) + "\n");
  } finally {
    await browser.close();
  }
})().catch((e) => { console.error(String(e)); process.exit(1); });
