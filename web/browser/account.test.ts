// Accounts in a real browser: errors in plain words, the keyboard alone, password reset, a
// profile edited in two places at once, settings and deletion, the platform admin's list.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PASSWORD, alertOf, checkPage, deleteTenants, kubectl, launch, mailedToken, unique, visitor } from "./kit";
import { logIn, signUp } from "./journeys";

const run = promisify(execFile);
const user = { email: `${unique("acct")}@example.test`, tenant: unique("a") };
let browser: Browser;

beforeAll(async () => {
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
  await deleteTenants([user.tenant]);
});

async function makePlatformAdmin(email: string): Promise<void> {
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) throw new Error("DATABASE_URL is not set: run the browser tests with `scripts/web test`");
  const auth = `${databaseUrl.replace(/\/[^/]*$/, "")}/saascript_auth`;
  await run("psql", [auth, "-v", "ON_ERROR_STOP=1", "-c", `UPDATE users SET platform_admin = true WHERE lower(email) = lower('${email}')`]);
}

describe("an account in the browser", () => {
  it("says a failed login in plain words, and logs in from the keyboard alone", async () => {
    const { page } = await visitor(browser);
    await signUp(page, user.email, user.tenant);
    await page.getByRole("button", { name: "Log out" }).click();
    await page.waitForURL((url) => url.pathname === "/login");

    await page.getByLabel("Email").fill(user.email);
    await page.getByLabel("Password").fill("not the password at all");
    await page.getByRole("button", { name: "Log in" }).click();
    const alert = alertOf(page);
    await alert.waitFor();
    expect(await alert.textContent()).toContain("That email and password do not match an account.");
    expect(await alert.textContent()).not.toMatch(/[{}]/);
    await checkPage(page, "login-error");

    // Keyboard only: the skip link, then the fields in order, then Enter.
    await page.goto("/login");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Skip to content");
    await page.getByLabel("Email").focus();
    await page.keyboard.type(user.email);
    await page.keyboard.press("Tab");
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press("Enter");
    await page.waitForURL((url) => url.pathname === "/");
    await page.getByTestId("tenant-status").waitFor();
  });

  it("resets a forgotten password from the emailed link", async () => {
    const { page } = await visitor(browser);
    await page.goto("/reset-password");
    await page.getByLabel("Email").fill(user.email);
    await page.getByRole("button", { name: "Send the reset link" }).click();
    await page.getByText("a link to reset its password is on its way").waitFor();
    await checkPage(page, "reset-request");
    const firstLink = await mailedToken(user.email);
    await page.goto(`/reset-password?token=${firstLink}`);
    await page.getByLabel("New password").fill(`${PASSWORD} again`);
    await checkPage(page, "reset-confirm");
    await page.getByRole("button", { name: "Set the new password" }).click();
    await page.getByText("Your password is changed").waitFor();
    // The old password no longer works; the new one does.
    await page.goto("/login");
    await page.getByLabel("Email").fill(user.email);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Log in" }).click();
    await alertOf(page).waitFor();
    await page.getByLabel("Password").fill(`${PASSWORD} again`);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.waitForURL((url) => url.pathname === "/");
    // Put the password back for the tests that follow.
    await page.goto("/reset-password");
    await page.getByLabel("Email").fill(user.email);
    await page.getByRole("button", { name: "Send the reset link" }).click();
    await page.getByText("on its way").waitFor();
    await expect.poll(() => mailedToken(user.email), { timeout: 30_000 }).not.toBe(firstLink);
    await page.goto(`/reset-password?token=${await mailedToken(user.email)}`);
    await page.getByLabel("New password").fill(PASSWORD);
    await page.getByRole("button", { name: "Set the new password" }).click();
    await page.getByText("Your password is changed").waitFor();
  });

  it("explains a profile conflict (412) and shows the newer version", async () => {
    const first = (await visitor(browser)).page;
    const second = (await visitor(browser)).page;
    for (const page of [first, second]) {
      await logIn(page, user.email, "/profile");
      await page.getByLabel("Display name").waitFor();
    }
    await checkPage(first, "profile");
    await first.getByLabel("Display name").fill("Ada from the first tab");
    await first.getByRole("button", { name: "Save" }).click();
    await first.getByText(/Saved \(version \d+\)/).waitFor();

    await second.getByLabel("Display name").fill("Ada from the second tab");
    await second.getByRole("button", { name: "Save" }).click();
    const conflict = second.getByTestId("profile-conflict");
    await conflict.waitFor();
    expect(await conflict.textContent()).toContain("Ada from the first tab");
    expect(await conflict.textContent()).toContain("Ada from the second tab");
    await checkPage(second, "profile-conflict");
    await second.getByRole("button", { name: "Take the saved version" }).click();
    expect(await second.getByLabel("Display name").inputValue()).toBe("Ada from the first tab");
  });

  it("shows the tenant's status and conditions, and deletes it only with its name typed back", async () => {
    const { page } = await visitor(browser);
    await logIn(page, user.email, "/settings");
    await expect.poll(() => page.getByTestId("tenant-phase").textContent()).toBe("Ready");
    await page.getByRole("cell", { name: "DatabaseReady" }).waitFor();
    await checkPage(page, "settings");

    // A platform admin sees every tenant with its phase and plan.
    await makePlatformAdmin(user.email);
    await page.getByRole("button", { name: "Log out" }).click();
    await logIn(page, user.email, "/admin");
    const row = page.getByRole("row", { name: new RegExp(`^${user.tenant} `) });
    await row.waitFor();
    expect(await row.textContent()).toContain("Ready");
    expect(await row.textContent()).toContain("free");
    await checkPage(page, "admin");

    await page.goto("/settings");
    const remove = page.getByRole("button", { name: `Delete ${user.tenant}` });
    await remove.waitFor();
    expect(await remove.isDisabled()).toBe(true);
    await page.getByLabel(`Type ${user.tenant} to confirm`).fill(`${user.tenant}x`);
    expect(await remove.isDisabled()).toBe(true);
    await page.getByLabel(`Type ${user.tenant} to confirm`).fill(user.tenant);
    await remove.click();
    await page.waitForURL((url) => url.pathname === "/login");
    const deleting = await kubectl("get", "tenant", user.tenant, "--ignore-not-found", "-o", "jsonpath={.metadata.deletionTimestamp}");
    const gone = (await kubectl("get", "tenant", user.tenant, "--ignore-not-found", "-o", "name")).trim() === "";
    expect(gone || deleting.trim() !== "").toBe(true);
  });
});
