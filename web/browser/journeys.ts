// What people do in the UI, step by step, as the tests repeat it.
import type { Page } from "playwright-core";
import { expect } from "vitest";
import { PASSWORD, checkPage, mailedToken } from "./kit";

/**
 * Registers `email` and confirms it from the mailed link, as a new visitor does. `earlierTokens`
 * are links mailed to the address before (an invitation), which the confirmation is not.
 */
export async function registerAndConfirm(
  page: Page,
  email: string,
  screenshots = false,
  earlierTokens: string[] = [],
): Promise<void> {
  await page.goto("/signup");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  if (screenshots) await checkPage(page, "signup-register");
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByText("We sent a confirmation link").waitFor();
  if (screenshots) await checkPage(page, "signup-check-email");
  await page.goto(`/verify-email?token=${await mailedToken(email, earlierTokens)}`);
  await page.getByText("Your email address is confirmed.").waitFor();
  if (screenshots) await checkPage(page, "verify-email");
}

export async function logIn(page: Page, email: string, next = "/", tenant?: string): Promise<void> {
  await page.goto(`/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  if (tenant) await page.getByLabel("Organisation (optional)").fill(tenant);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL((url) => url.pathname === next.split("?")[0]);
}

/** Creates the organisation and waits until the live progress says it is ready. */
export async function createTenant(page: Page, tenant: string, screenshots = false): Promise<void> {
  await page.getByLabel("Organisation name").fill(tenant);
  await page.getByText(`${tenant} is available.`).waitFor();
  await page.getByLabel("Display name").fill(`The ${tenant} team`);
  if (screenshots) await checkPage(page, "signup-create-tenant");
  await page.getByRole("button", { name: "Create organisation" }).click();
  await page.getByRole("list", { name: "Provisioning progress" }).waitFor();
  if (screenshots) await checkPage(page, "signup-provisioning");
  await page.getByText(`${tenant} is ready.`).waitFor({ timeout: 90_000 });
}

/** A whole sign-up: account, confirmation, log in, organisation, provisioning. */
export async function signUp(page: Page, email: string, tenant: string, screenshots = false): Promise<void> {
  await registerAndConfirm(page, email, screenshots);
  await page.getByRole("link", { name: "Log in to continue" }).click();
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  if (screenshots) await checkPage(page, "login");
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL("**/signup");
  await createTenant(page, tenant, screenshots);
}

/** The states each backing system's line shows, by condition type. */
export async function provisioningStates(page: Page): Promise<Record<string, string>> {
  const states: Record<string, string> = {};
  for (const item of await page.locator("[data-system]").all()) {
    const system = await item.getAttribute("data-system");
    if (system) states[system] = (await item.getAttribute("data-state")) ?? "";
  }
  expect(Object.keys(states).length).toBeGreaterThan(0);
  return states;
}
