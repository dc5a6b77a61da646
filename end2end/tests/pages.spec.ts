// Every page the router knows, opened in both JavaScript modes, so the shared fixture
// (./fixtures.ts) audits each with axe and the Nu HTML Checker and fails on any console
// error. The list comes from the server (`encore routes`), so a new page is audited the
// day it is added: its path parameters need a sample value below, and a parameter without
// one fails the run with a message saying so.
import { execFileSync } from "node:child_process";
import { expect, NOT_FOUND_LOGGED, test } from "./fixtures";
import { axeViolations, nuErrors } from "./audit";
import { open, unique } from "./helpers";
import { addFan, createCampaign, createStore, sellNewCourse } from "./setup";

const targetDir = process.env.CARGO_TARGET_DIR ?? "target";
const routes = execFileSync(`${targetDir}/debug/encore`, ["routes"], { cwd: "..", encoding: "utf8" })
  .split("\n")
  .map((line) => line.trim())
  .filter((line) => line !== "");

/** A store with a customer (a purchase of a course), a fan with a tag, a campaign draft, and their ids. */
type Sample = Record<string, number>;

async function filledStore(request: Parameters<typeof createStore>[0], name: string): Promise<Sample> {
  const store_id = await createStore(request, name);
  const receipt = await sellNewCourse(request, store_id, "ada@example.com", "Mixing Masterclass", "99", "Ada");
  const fan_id = await addFan(request, store_id, { email: "ben@example.com", name: "Ben", tags: "ableton" });
  const campaign_id = await createCampaign(request, store_id, "New pack", "Hi {first_name|there}", "any=ableton");
  return { store_id, customer_id: receipt.customer_id, purchase_id: receipt.purchase_id, fan_id, campaign_id };
}

/** `route` with each `{param}` replaced by its sample value. */
function fill(route: string, sample: Sample): string {
  return route.replace(/\{(\w+)\}/g, (_, param: string) => {
    const value = sample[param];
    if (value === undefined) {
      throw new Error(`pages.spec.ts has no sample value for {${param}} (route ${route}): add one to filledStore`);
    }
    return String(value);
  });
}

test("the audit reports what axe and the Nu HTML Checker find, and lets Leptos's markers pass", async ({
  page,
  javaScriptEnabled,
}) => {
  // The checks themselves, once: axe needs a page that runs scripts.
  test.skip(!javaScriptEnabled, "checks the audit itself, in the JavaScript project");
  await page.goto("/login");
  await page.evaluate(() => {
    const image = document.createElement("img");
    image.src = "/favicon.svg";
    image.id = "unlabelled";
    document.querySelector("main")?.append(image);
  });
  expect((await axeViolations(page)).join("\n")).toContain("image-alt");
  await page.evaluate(() => document.getElementById("unlabelled")?.remove());

  const page_ = (body: string) =>
    `<!DOCTYPE html><html lang="en"><head><title>t</title></head><body>${body}</body></html>`;
  expect(await nuErrors(page_("<p>fine<!></p>"))).toEqual([]);
  expect((await nuErrors(page_("<p><!-x->bogus</p>"))).join("\n")).toContain("Bogus comment");
  expect((await nuErrors(page_('<time datetime="2026-01-01T00:00:00.123456Z">x</time>'))).join("\n")).toContain(
    "A fraction of a second must be one, two, or three digits",
  );
});

test("the server lists its pages", () => {
  expect(routes).toContain("/");
  expect(routes).toContain("/store/{store_id}/customers");
});

for (const route of routes) {
  test(`${route} passes the audit`, async ({ page, request, javaScriptEnabled }, testInfo) => {
    const sample = await filledStore(request, unique("Audit", testInfo));
    const response = await open(page, fill(route, sample), javaScriptEnabled);
    expect(response?.status()).toBe(200);
    await expect(page.locator("main")).toBeVisible();
  });

  // A store with nothing in it yet: every page that needs only the store shows its empty state.
  if (route.replace("{store_id}", "").includes("{")) continue;
  if (!route.includes("{store_id}")) continue;
  test(`${route} passes the audit for an empty store`, async ({ page, request, javaScriptEnabled }, testInfo) => {
    const store_id = await createStore(request, unique("Empty", testInfo));
    const response = await open(page, fill(route, { store_id }), javaScriptEnabled);
    expect(response?.status()).toBe(200);
    await expect(page.locator("main")).toBeVisible();
  });
}

test.describe(() => {
  test.use({ allowedConsoleErrors: [NOT_FOUND_LOGGED] });

  test("a page that does not exist passes the audit", async ({ page, javaScriptEnabled }) => {
    const response = await open(page, "/no/such/page", javaScriptEnabled);
    expect(response?.status()).toBe(404);
    await expect(page.getByRole("heading", { name: "We couldn't find that page" })).toBeVisible();
  });
});
