// A tenant's whole journey in a real browser (Debian's chromium), against the running web UI,
// gateway, services, operator and dependencies that `make up` starts. The steps build on each
// other, in order: sign-up, a paid plan, the product with a member, a second tenant, suspension.
import { readFileSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { alertOf, checkPage, deleteTenants, kubectl, launch, mailedToken, unique, visitor } from "./kit";
import { logIn, provisioningStates, registerAndConfirm, signUp } from "./journeys";

const owner = { email: `${unique("owner")}@example.test`, tenant: unique("w") };
const member = { email: `${unique("member")}@example.test` };
const stranger = { email: `${unique("other")}@example.test`, tenant: unique("x") };

let browser: Browser;
let ownerPage: Page;
let projectUrl = "";

beforeAll(async () => {
  browser = await launch();
  ownerPage = (await visitor(browser)).page;
});

afterAll(async () => {
  await browser?.close();
  await deleteTenants([owner.tenant, stranger.tenant]);
});

async function createProject(page: Page, name: string): Promise<void> {
  await page.getByLabel("Project name").fill(name);
  await page.getByRole("button", { name: "Create project" }).click();
  await page.getByRole("link", { name, exact: true }).waitFor();
}

describe("a tenant in the browser", () => {
  it("signs up and watches provisioning reach Ready, one line per backing system", async () => {
    await signUp(ownerPage, owner.email, owner.tenant, true);
    const states = await provisioningStates(ownerPage);
    expect(Object.values(states).every((s) => s === "ready"), JSON.stringify(states)).toBe(true);
    expect(Object.keys(states)).toEqual([
      "NamespaceReady",
      "DatabaseReady",
      "QueueReady",
      "TopicsReady",
      "TableReady",
      "CacheReady",
    ]);
    await checkPage(ownerPage, "signup-ready");
    await ownerPage.getByRole("link", { name: "Go to your organisation" }).click();
    await expect.poll(() => ownerPage.getByTestId("tenant-status").textContent()).toBe("Ready");
    await checkPage(ownerPage, "overview");
  });

  it("stays signed in across a reload, with no token in storage", async () => {
    await ownerPage.reload();
    await ownerPage.getByTestId("tenant-status").waitFor();
    const stored = await ownerPage.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
    expect(stored).toBe("{}{}");
    // The refresh token is in an httpOnly cookie that page scripts cannot read.
    expect(await ownerPage.evaluate(() => document.cookie)).not.toContain("saascript_refresh");
    const cookies = await ownerPage.context().cookies();
    const refresh = cookies.find((c) => c.name === "saascript_refresh");
    expect(refresh).toMatchObject({ httpOnly: true, sameSite: "Strict", path: "/session" });
  });

  it("subscribes to pro, and the project limit lifts", async () => {
    await ownerPage.getByRole("link", { name: "Projects" }).click();
    await ownerPage.getByText("No projects yet").waitFor();
    await checkPage(ownerPage, "projects-empty");
    for (const name of ["Alpha", "Beta", "Gamma"]) await createProject(ownerPage, name);
    await expect.poll(() => ownerPage.getByTestId("project-usage").textContent()).toBe("3 of 3 projects used");
    await ownerPage.getByTestId("project-limit").waitFor();
    expect(await ownerPage.getByRole("button", { name: "Create project" }).isDisabled()).toBe(true);
    await checkPage(ownerPage, "projects-at-limit");

    await ownerPage.getByRole("link", { name: "Upgrade your plan" }).click();
    await ownerPage.getByRole("heading", { name: "Plans" }).waitFor();
    await checkPage(ownerPage, "billing-free");
    await ownerPage.getByLabel("Payment method").selectOption("pm_card_visa");
    await ownerPage.getByRole("button", { name: "Choose Pro", exact: true }).click();
    await expect.poll(() => ownerPage.getByTestId("plan-in-force").textContent(), { timeout: 60_000 }).toBe("pro");
    await expect.poll(() => ownerPage.getByTestId("max-projects").textContent(), { timeout: 60_000 }).toBe("100");
    await checkPage(ownerPage, "billing-pro");

    await ownerPage.getByRole("link", { name: "Projects" }).click();
    await expect.poll(() => ownerPage.getByTestId("project-usage").textContent()).toBe("3 of 100 projects used");
    await createProject(ownerPage, "Launch");
    await expect.poll(() => ownerPage.getByTestId("project-usage").textContent()).toBe("4 of 100 projects used");
  });

  it("creates a task, invites a member who accepts as a new user and sees it", async () => {
    await ownerPage.getByRole("link", { name: "Launch", exact: true }).click();
    await ownerPage.getByRole("heading", { name: "Launch" }).waitFor();
    projectUrl = new URL(ownerPage.url()).pathname;
    await ownerPage.getByLabel("Task title").fill("Write the announcement");
    await ownerPage.getByRole("button", { name: "Add task" }).click();
    await ownerPage.getByText("Write the announcement").first().waitFor();
    await ownerPage.getByRole("button", { name: "Comments" }).click();
    await ownerPage.getByLabel("Comment on Write the announcement").fill("Draft by Friday");
    await ownerPage.getByRole("button", { name: "Add comment" }).click();
    await ownerPage.getByText("Draft by Friday").waitFor();
    await checkPage(ownerPage, "project");

    await ownerPage.getByRole("link", { name: "Members" }).click();
    await ownerPage.getByLabel("Their email").fill(member.email);
    await ownerPage.getByRole("button", { name: "Send invitation" }).click();
    await ownerPage.getByText(`Invitation sent to ${member.email}`).waitFor();
    await ownerPage.getByTestId("invitation-list").getByText(member.email).waitFor();
    await checkPage(ownerPage, "members");
    const invitation = await mailedToken(member.email);

    // The member opens the link without an account: signs up, confirms, logs in, accepts.
    const memberPage = (await visitor(browser)).page;
    await memberPage.goto(`/invitations/accept?token=${invitation}`);
    await memberPage.getByRole("link", { name: "Sign up" }).waitFor();
    await checkPage(memberPage, "invitation-anonymous");
    await registerAndConfirm(memberPage, member.email, false, [invitation]);
    await logIn(memberPage, member.email, `/invitations/accept?token=${invitation}`);
    await memberPage.getByRole("button", { name: "Accept the invitation" }).click();
    await memberPage.getByText(`You joined ${owner.tenant} as member`).waitFor();
    await checkPage(memberPage, "invitation-accepted");
    await memberPage.getByRole("link", { name: "Open its projects" }).click();
    await memberPage.getByRole("link", { name: "Launch", exact: true }).click();
    await memberPage.getByText("Write the announcement").first().waitFor();

    // The owner assigns the task to the member, who sees it assigned on a reload.
    await ownerPage.goto(projectUrl);
    await ownerPage.getByLabel("Assignee of Write the announcement").selectOption({ label: member.email });
    await ownerPage.getByText(`assigned to ${member.email}`).waitFor();
    await memberPage.reload();
    await memberPage.getByText(`assigned to ${member.email}`).waitFor();
    await memberPage.getByLabel("Status of Write the announcement").selectOption("in_progress");
    await memberPage.getByText("In progress · assigned to").waitFor();
    await checkPage(memberPage, "member-project");

    // Filters: by status, and by assignee.
    await ownerPage.reload();
    await ownerPage.getByLabel("Status", { exact: true }).selectOption("done");
    await ownerPage.getByText("No task matches the filter.").waitFor();
    await ownerPage.getByLabel("Status", { exact: true }).selectOption("in_progress");
    await ownerPage.getByTestId("task-list").getByText("Write the announcement", { exact: true }).waitFor();
    await ownerPage.getByLabel("Status", { exact: true }).selectOption("");
    await ownerPage.getByLabel("Assignee", { exact: true }).selectOption({ label: owner.email });
    await ownerPage.getByText("No task matches the filter.").waitFor();
  });

  it("requests an export of every project and downloads it", async () => {
    await ownerPage.goto("/projects");
    await ownerPage.getByRole("button", { name: "Request an export" }).click();
    await expect.poll(() => ownerPage.getByTestId("export-state").textContent(), { timeout: 60_000 }).toMatch(/^Export ready/);
    const [download] = await Promise.all([
      ownerPage.waitForEvent("download"),
      ownerPage.getByRole("button", { name: "Download CSV" }).click(),
    ]);
    const path = await download.path();
    const csv = readFileSync(path, "utf8");
    expect(csv).toContain("Launch");
    expect(csv).toContain("Write the announcement");
    await checkPage(ownerPage, "projects-export");
  });

  it("shows a second tenant's user none of it", async () => {
    const strangerPage = (await visitor(browser)).page;
    await signUp(strangerPage, stranger.email, stranger.tenant);
    await strangerPage.goto("/projects");
    await strangerPage.getByText("No projects yet").waitFor();
    await strangerPage.goto(projectUrl);
    await alertOf(strangerPage).waitFor();
    expect(await alertOf(strangerPage).textContent()).not.toContain("Launch");
    expect(await strangerPage.content()).not.toContain("Write the announcement");
    await checkPage(strangerPage, "other-tenant-project");
    await strangerPage.goto("/members");
    await strangerPage.getByTestId("member-list").waitFor();
    const members = (await strangerPage.getByTestId("member-list").textContent()) ?? "";
    expect(members).toContain(stranger.email);
    expect(members).not.toContain(owner.email);
    expect(members).not.toContain(member.email);
  });

  it("shows a suspended tenant the banner, and refuses its writes", async () => {
    await kubectl("patch", "tenant", owner.tenant, "--type=merge", "-p", '{"spec":{"suspended":true}}');
    await expect
      .poll(
        async () => {
          await ownerPage.goto("/projects");
          return ownerPage
            .getByTestId("suspended-banner")
            .waitFor({ timeout: 3000 })
            .then(
              () => true,
              () => false,
            );
        },
        { timeout: 30_000, interval: 1000 },
      )
      .toBe(true);
    await ownerPage.getByText("This organisation is suspended: its projects").first().waitFor();
    expect(await ownerPage.getByRole("button", { name: "Create project" }).isDisabled()).toBe(true);
    await checkPage(ownerPage, "suspended");
    // Not only the UI: the gateway refuses the write itself.
    const refused = await ownerPage.evaluate(async (gateway) => {
      const grant = await (await fetch("/session/refresh", { method: "POST" })).json();
      const answer = await fetch(`${gateway}/api/projects`, {
        method: "POST",
        headers: { authorization: `Bearer ${grant.access_token}`, "content-type": "application/json" },
        body: JSON.stringify({ name: "Sneaky" }),
      });
      return { status: answer.status, code: (await answer.json()).code };
    }, process.env.GATEWAY_URL ?? "http://127.0.0.1:8080");
    expect(refused).toEqual({ status: 403, code: "tenant_suspended" });

    // Lifted, everything is back.
    await kubectl("patch", "tenant", owner.tenant, "--type=merge", "-p", '{"spec":{"suspended":false}}');
    await expect
      .poll(
        async () => {
          await ownerPage.goto("/projects");
          return ownerPage
            .getByRole("link", { name: "Launch", exact: true })
            .waitFor({ timeout: 3000 })
            .then(
              () => true,
              () => false,
            );
        },
        { timeout: 30_000, interval: 1000 },
      )
      .toBe(true);
    // The tenant's view is loaded on the settings page; the banner is gone with the suspension.
    await ownerPage.goto("/settings");
    await expect.poll(() => ownerPage.getByTestId("tenant-phase").textContent()).toBe("Ready");
    expect(await ownerPage.getByTestId("suspended-banner").count()).toBe(0);
  });
});
