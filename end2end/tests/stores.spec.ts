import { expect, NOT_FOUND_LOGGED, test } from "./fixtures";
import { documentIsMarked, markDocument, open, unique } from "./helpers";

test.describe("stores", () => {
  // Every test starts signed in as a new creator.
  test.beforeEach(async ({ account }) => {
    void account;
  });

  test("a creator creates a store and it appears in the list", async ({
    page,
    javaScriptEnabled,
  }, testInfo) => {
    const name = unique("Night Owl Beats", testInfo);
    await open(page, "/", javaScriptEnabled);

    await page.getByLabel("Store name").fill(name);
    await page.getByLabel("Currency").selectOption("EUR");
    if (javaScriptEnabled) await markDocument(page);
    await page.getByRole("button", { name: "Create store" }).click();

    const stores = page.getByRole("region", { name: "Stores" });
    const link = stores.getByRole("link", { name: new RegExp(name) });
    await expect(link).toBeVisible();
    await expect(link).toContainText("EUR");

    await expect(page.getByRole("status")).toHaveText(`Created “${name}”.`);
    await expect(page.getByLabel("Store name")).toHaveValue("");
    // With JavaScript, the page came in without a full page load.
    if (javaScriptEnabled) expect(await documentIsMarked(page)).toBe(true);

    // Back and forward move between pages the same way.
    await link.click();
    const customers = page.getByRole("heading", { name: "Customers", exact: true });
    await expect(customers).toBeVisible();
    // Without a reload, focus moves to the new page's heading, as a screen reader expects.
    if (javaScriptEnabled) await expect(customers).toBeFocused();
    await page.goBack();
    await expect(page.getByRole("heading", { name: "Your stores" })).toBeVisible();
    await page.goForward();
    await expect(page.getByRole("heading", { name: "Customers", exact: true })).toBeVisible();
    if (javaScriptEnabled) expect(await documentIsMarked(page)).toBe(true);
  });

  test("an empty name is refused next to the field and creates nothing", async ({
    page,
    javaScriptEnabled,
  }) => {
    await open(page, "/", javaScriptEnabled);
    await page.getByLabel("Store name").fill("   ");
    await page.getByRole("button", { name: "Create store" }).click();

    const message = page.locator("#store-name-error");
    await expect(message).toHaveText("Give the store a name.");
    await expect(page.getByLabel("Store name")).toHaveAttribute("aria-invalid", "true");
    await expect(page.getByLabel("Store name")).toHaveAttribute(
      "aria-describedby",
      "store-name-error",
    );
    // Other tests create stores in parallel, so check that no nameless store exists.
    await page.goto("/");
    const names = await page
      .getByRole("region", { name: "Stores" })
      .getByTestId("store-name")
      .allTextContents();
    expect(names.filter((name) => name.trim() === "")).toEqual([]);
  });

  test("an unknown currency is refused next to the field", async ({
    page,
    javaScriptEnabled,
  }, testInfo) => {
    const name = unique("Tampered", testInfo);
    await open(page, "/", javaScriptEnabled);
    // A tampered form: the list only offers valid codes, so add one that is not.
    await page.getByLabel("Currency").evaluate((select: HTMLSelectElement) => {
      select.add(new Option("Monopoly money", "XYZ"));
    });
    await page.getByLabel("Store name").fill(name);
    await page.getByLabel("Currency").selectOption("XYZ");
    await page.getByRole("button", { name: "Create store" }).click();

    await expect(page.locator("#store-currency-error")).toHaveText(
      "Pick a currency from the list.",
    );
    await page.goto("/");
    await expect(page.getByRole("link", { name: new RegExp(name) })).toHaveCount(0);
  });

  test("a store has the app's navigation, its campaigns, and says which pages are not built yet", async ({
    page,
    javaScriptEnabled,
  }, testInfo) => {
    const name = unique("Beat Lab", testInfo);
    await open(page, "/", javaScriptEnabled);
    await page.getByLabel("Store name").fill(name);
    await page.getByRole("button", { name: "Create store" }).click();
    await page.getByRole("link", { name: new RegExp(name) }).click();

    await expect(page).toHaveURL(/\/store\/\d+\/customers$/);
    const nav = page.getByRole("navigation", { name: "Store" });
    await expect(nav.getByRole("link", { name: "Customers" })).toHaveAttribute(
      "aria-current",
      "page",
    );
    await expect(nav.getByText("Email Campaigns")).toBeVisible();
    await expect(page.getByRole("heading", { name: "Customers", exact: true })).toBeVisible();

    await nav.getByRole("link", { name: "Fans" }).click();
    await expect(page).toHaveURL(/\/store\/\d+\/contacts$/);
    await expect(page.getByRole("heading", { name: "Fans" })).toBeVisible();
    await expect(page.getByText("No fans yet")).toBeVisible();
    await expect(page.getByText(/contacts/i)).toHaveCount(0);

    await nav.getByRole("link", { name: "Campaigns" }).click();
    await expect(page.getByRole("heading", { name: "Campaigns", level: 1 })).toBeVisible();
    await expect(page.getByText("No campaigns yet")).toBeVisible();

    await nav.getByRole("link", { name: "Automations" }).click();
    await expect(page.getByRole("heading", { name: "Automations" })).toBeVisible();
    await expect(page.getByText("This page is not built yet.")).toBeVisible();
  });

  test.describe(() => {
    test.use({ allowedConsoleErrors: [NOT_FOUND_LOGGED] });

    test("an unknown store answers 404 with a way back", async ({ page, javaScriptEnabled }) => {
      const response = await open(page, "/store/987654321/customers", javaScriptEnabled);
      expect(response?.status()).toBe(404);
      await expect(page.getByRole("heading", { name: "We couldn't find that page" })).toBeVisible();
      await page.getByRole("link", { name: "Back to your stores" }).click();
      await expect(page.getByRole("heading", { name: "Your stores" })).toBeVisible();
    });
  });
});
