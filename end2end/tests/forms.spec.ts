import { expect, test } from "./fixtures";
import { open, unique } from "./helpers";
import { createStore, fansPath } from "./setup";

// A rejected form comes back with what was typed and the message by its field, at the
// page's clean address (#27 item 1); a message in a URL shows nothing (#30 item 9).
test.describe("forms keep what was typed", () => {
  test("a refused sale comes back as typed, at a clean address", async ({ page, request, javaScriptEnabled }, testInfo) => {
    const storeId = await createStore(request, unique("Forms", testInfo));
    const path = `/store/${storeId}/customers/new`;
    await open(page, path, javaScriptEnabled);
    await page.getByLabel("Buyer's email").fill("ada-at-example");
    await page.getByLabel("Buyer's name (optional)").fill("Ada Lovelace");
    await page.getByLabel("Product", { exact: true }).selectOption({ label: "New product…" });
    await page.getByLabel("New product name").fill("Mixing Night");
    await page.getByLabel("Amount").fill("45.50");
    await page.getByRole("button", { name: "Record purchase" }).click();

    await expect(page.locator("#purchase-email-error")).toBeVisible();
    expect(new URL(page.url()).pathname + new URL(page.url()).search).toBe(path);
    await expect(page.getByLabel("Buyer's email")).toHaveValue("ada-at-example");
    await expect(page.getByLabel("Buyer's name (optional)")).toHaveValue("Ada Lovelace");
    await expect(page.getByLabel("Product", { exact: true })).toHaveValue("new");
    await expect(page.getByLabel("New product name")).toHaveValue("Mixing Night");
    await expect(page.getByLabel("Amount")).toHaveValue("45.50");

    // Shown once: a reload is a fresh form.
    await page.reload();
    await expect(page.getByLabel("Buyer's email")).toHaveValue("");
    await expect(page.locator("#purchase-email-error")).toHaveCount(0);
  });

  test("a refused fan comes back with profile and tags as typed", async ({ page, request, javaScriptEnabled }, testInfo) => {
    const storeId = await createStore(request, unique("Forms", testInfo));
    const path = `${fansPath(storeId)}/new`;
    await open(page, path, javaScriptEnabled);
    await page.getByLabel("Email", { exact: true }).fill("ben-at-example");
    await page.getByLabel("Name", { exact: true }).fill("Ben Typed");
    await page.getByLabel("DAW").selectOption({ label: "FL Studio" });
    await page.getByLabel("Goals").fill("Finish a first EP");
    await page.getByLabel("Tags", { exact: true }).fill("workshop, trap");
    await page.getByRole("button", { name: "Add fan" }).click();

    await expect(page.locator("#fan-email-error")).toBeVisible();
    expect(new URL(page.url()).pathname + new URL(page.url()).search).toBe(path);
    await expect(page.getByLabel("Email", { exact: true })).toHaveValue("ben-at-example");
    await expect(page.getByLabel("Name", { exact: true })).toHaveValue("Ben Typed");
    await expect(page.getByLabel("DAW")).toHaveValue("fl_studio");
    await expect(page.getByLabel("Goals")).toHaveValue("Finish a first EP");
    await expect(page.getByLabel("Tags", { exact: true })).toHaveValue("workshop, trap");
  });

  test("a message in the URL shows nothing", async ({ page, request, javaScriptEnabled }, testInfo) => {
    const storeId = await createStore(request, unique("Forms", testInfo));
    const crafted = Buffer.from(JSON.stringify({ Conflict: "Crafted wording" })).toString("base64url");
    await open(page, `/store/${storeId}/customers/new?__path=/api/customers/record_purchase&__err=${crafted}`, javaScriptEnabled);
    await expect(page.getByRole("heading", { name: "Record purchase" })).toBeVisible();
    await expect(page.getByText("Crafted wording")).toHaveCount(0);
    await open(page, `/store/${storeId}/tags?done=renamed&tag=Evil`, javaScriptEnabled);
    await expect(page.getByText("Tag renamed to Evil")).toHaveCount(0);
  });
});
