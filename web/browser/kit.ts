// The browser tests' kit: Debian's chromium through playwright-core (no browser download), the
// mail sink for emailed links, kubectl for what a platform admin does, and axe-core in the page.
import { execFile } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { basename, join } from "node:path";
import { promisify } from "node:util";
import axe from "axe-core";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { expect } from "vitest";

const run = promisify(execFile);

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the browser tests with \`scripts/web test\` after \`make up\``);
  return value;
}

export const WEB_URL = required("WEB_URL");
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const SCREENSHOTS = required("SCREENSHOTS");
const ROOT = join(import.meta.dirname, "..", "..");
const KUBECONFIG = required("KUBECONFIG");

// Without the background-networking flags, chromium keeps dialling Google on this closed network.
const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
];

export async function launch(): Promise<Browser> {
  try {
    return await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true });
  } catch (error) {
    throw new Error(`chromium at ${CHROMIUM} did not start (install it with \`apt-get install chromium\`): ${String(error)}`);
  }
}

/** A visitor of their own: cookies and memory apart from every other visitor. */
export async function visitor(browser: Browser): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ baseURL: WEB_URL, viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  // What went wrong in the page is printed with the test's output, for a failure read from CI.
  page.on("console", (message) => {
    if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) console.log(`[page console] ${message.text()}`);
  });
  page.on("requestfailed", (request) => {
    // Next.js drops the prefetches of pages it did not go to; that is no failure.
    if (request.url().includes("_rsc=")) return;
    console.log(`[page request failed] ${request.method()} ${request.url()}: ${request.failure()?.errorText}`);
  });
  page.on("response", (response) => {
    // An anonymous page's refresh is refused by design: it is how the page learns it is anonymous.
    if (response.status() === 401 && response.url().endsWith("/session/refresh")) return;
    if (response.status() >= 400) console.log(`[page response] ${response.status()} ${response.request().method()} ${response.url()}`);
  });
  return { context, page };
}

/** A name no other run has used: tenants and addresses stay apart across runs and machines. */
export function unique(prefix: string): string {
  return `${prefix}${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
}

export const PASSWORD = "correct horse battery staple";

/**
 * The token of the last link mailed to `address`, read from the mail sink (scripts/mail-token).
 * `except` names tokens already seen: the mail wanted is a newer one (the sink keeps them all, and
 * the mailer sends in the background).
 */
export async function mailedToken(address: string, except: string[] = []): Promise<string> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const { stdout } = await run(join(ROOT, "scripts/mail-token"), [address]);
      const token = stdout.trim();
      if (!except.includes(token)) return token;
      if (Date.now() > deadline) throw new Error(`no new mail reached ${address}`);
      await new Promise((resolve) => setTimeout(resolve, 300));
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`no mail reached ${address}: ${String(error)}`);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }
}

export async function kubectl(...args: string[]): Promise<string> {
  const { stdout } = await run("kubectl", ["--kubeconfig", KUBECONFIG, ...args]);
  return stdout;
}

/** Deletes the tenants a test made, with everything provisioned for them. */
export async function deleteTenants(names: string[]): Promise<void> {
  for (const name of names) {
    await kubectl("patch", "tenant", name, "--type=merge", "-p", '{"spec":{"deletionPolicy":"Delete","preventDeletion":false}}').catch(
      () => undefined,
    );
    await kubectl("delete", "tenant", name, "--ignore-not-found", "--wait=false").catch(() => undefined);
  }
}

/** The page's own alerts (Next.js's route announcer also has role=alert, and is always there). */
export function alertOf(page: Page) {
  return page.locator('[role="alert"]:not(#__next-route-announcer__)');
}

let shot = 0;

/** Keeps a screenshot of the page as it is now: `<test file>-<order taken>-<name>.png`. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true });
  shot += 1;
  const file = basename(expect.getState().testPath ?? "browser", ".test.ts");
  const path = join(SCREENSHOTS, `${file}-${String(shot).padStart(2, "0")}-${name}.png`);
  await page.screenshot({ path, fullPage: true });
}

const AXE_SOURCE = axe.source;

/** Runs axe-core in the page: no serious or critical violation is allowed. */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  await page.addScriptTag({ content: AXE_SOURCE });
  const violations = await page.evaluate(async () => {
    const w = window as unknown as { axe: typeof axe };
    const results = await w.axe.run(document, { resultTypes: ["violations"] });
    return results.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  });
  expect(violations, `accessibility of ${what}`).toEqual([]);
}

/** Screenshot and accessibility check, for every page the tests visit. */
export async function checkPage(page: Page, name: string): Promise<void> {
  await screenshot(page, name);
  await expectAccessible(page, name);
}
