import { type Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { documentIsMarked, markDocument, open, unique } from "./helpers";
import { createProduct, createStore, recordPurchase } from "./setup";

/** The value shown on a dashboard card. */
function card(page: Page, label: string) {
  return page.locator("dl div").filter({ has: page.getByText(label, { exact: true }) }).locator("dd").first();
}

/** Customer emails in table order. */
async function listedEmails(page: Page): Promise<string[]> {
  const cells = page.getByRole("table", { name: "Customers" }).locator("tbody tr td:first-child");
  return (await cells.allInnerTexts()).map((text) => text.split("\n").pop()!.trim());
}

test.describe("customers", () => {
  test("a manual sale shows up at once: list, dashboard and fan", async ({
    page,
    request,
    javaScriptEnabled,
  }, testInfo) => {
    const storeId = await createStore(request, unique("Night Owl", testInfo));
    await createProduct(request, storeId, "Mixing Masterclass", "course", "99");
    await open(page, `/store/${storeId}/customers`, javaScriptEnabled);
    await expect(card(page, "Net revenue")).toHaveText("$0.00");
    await expect(page.getByText("No customers yet")).toBeVisible();

    await page.getByRole("link", { name: "Record purchase" }).click();
    await expect(page.getByRole("heading", { name: "Record purchase" })).toBeVisible();
    if (javaScriptEnabled) {
      await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
    }
    await page.getByLabel("Buyer's email").fill("Ada@Example.com");
    await page.getByLabel("Product", { exact: true }).selectOption({ label: "Mixing Masterclass" });
    if (javaScriptEnabled) {
      // Hydrated, picking a product fills in its price.
      await expect(page.getByLabel("Amount")).toHaveValue("99.00");
    }
    await page.getByRole("button", { name: "Record purchase" }).click();

    await expect(page).toHaveURL(/\/customers$/);
    await expect(page.getByRole("status").filter({ hasText: "Purchase recorded" })).toBeVisible();
    const firstRow = page.getByRole("table", { name: "Customers" }).locator("tbody tr").first();
    await expect(firstRow).toContainText("ada@example.com");
    await expect(firstRow).toContainText("$99.00");
    await expect(firstRow).toContainText("Mixing Masterclass");
    await expect(card(page, "Net revenue")).toHaveText("$99.00");
    await expect(card(page, "Orders")).toHaveText("1");

    // The unified view: the fan behind the customer has the purchase's points and tag.
    await expect(firstRow.getByRole("link", { name: "9" })).toBeVisible();
    await firstRow.getByRole("link", { name: "ada@example.com" }).click();
    const fanPanel = page.getByRole("complementary", { name: "As a fan" });
    await expect(fanPanel).toContainText("Engagement score");
    await expect(fanPanel).toContainText("9");
    await expect(fanPanel).toContainText("customer");
  });

  test("the chart gives each bar's figures: as a tooltip, and on hover or focus once hydrated", async ({
    page,
    request,
    javaScriptEnabled,
  }, testInfo) => {
    const storeId = await createStore(request, unique("Chart", testInfo));
    const productId = await createProduct(request, storeId, "Mixing Masterclass", "course", "99");
    await recordPurchase(request, storeId, productId, "ada@example.com", "99", "chart1");
    await open(page, `/store/${storeId}/customers`, javaScriptEnabled);
    const chart = page.getByRole("img", { name: "Net revenue by day: $99.00 in total" });
    const bars = chart.locator("g[data-bar]");
    await expect(bars).toHaveCount(30);
    const today = bars.last();
    const sale = /: \$99\.00 net \(\$99\.00 gross, \$0\.00 refunded\), 1 order$/;
    // Without JavaScript the figures are the bar's native tooltip.
    await expect(today.locator("title")).toHaveText(sale);
    if (!javaScriptEnabled) return;

    await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
    const readout = page.locator("figure p[aria-live]");
    await today.hover();
    await expect(readout).toHaveText(sale);
    await bars.first().hover();
    await expect(readout).toHaveText(/: \$0\.00 net \(\$0\.00 gross, \$0\.00 refunded\), 0 orders$/);
    await page.getByRole("heading", { name: "Revenue", exact: true }).hover();
    await expect(readout).toHaveText("");
    await today.focus();
    await expect(readout).toHaveText(sale);
  });

  test("a double submit records one purchase", async ({ page, request, javaScriptEnabled }, testInfo) => {
    const storeId = await createStore(request, unique("Double", testInfo));
    const productId = await createProduct(request, storeId, "Drum Kit", "sample_pack", "29");
    const key = `double-${testInfo.project.name}-${Date.now()}`;
    await recordPurchase(request, storeId, productId, "twice@example.com", "29", key);
    await recordPurchase(request, storeId, productId, "twice@example.com", "29", key);
    await open(page, `/store/${storeId}/customers`, javaScriptEnabled);
    await expect(page.getByText("1 customer", { exact: true })).toBeVisible();
    await expect(card(page, "Orders")).toHaveText("1");
    await expect(card(page, "Net revenue")).toHaveText("$29.00");
  });

  test("customers sort by total spent, both ways", async ({ page, request, javaScriptEnabled }, testInfo) => {
    const storeId = await createStore(request, unique("Sorting", testInfo));
    const productId = await createProduct(request, storeId, "Coaching", "coaching", "50");
    await recordPurchase(request, storeId, productId, "small@example.com", "10", "s1");
    await recordPurchase(request, storeId, productId, "big@example.com", "300", "s2");
    await recordPurchase(request, storeId, productId, "middle@example.com", "75.50", "s3");

    await open(page, `/store/${storeId}/customers`, javaScriptEnabled);
    expect(await listedEmails(page)).toEqual(["big@example.com", "middle@example.com", "small@example.com"]);
    const header = page.getByRole("columnheader", { name: /Total spent/ });
    await expect(header).toHaveAttribute("aria-sort", "descending");

    await header.getByRole("link").click();
    await expect(page).toHaveURL(/sort=total_spent&dir=asc/);
    await expect(page.getByRole("columnheader", { name: /Total spent/ })).toHaveAttribute("aria-sort", "ascending");
    await expect
      .poll(() => listedEmails(page))
      .toEqual(["small@example.com", "middle@example.com", "big@example.com"]);

    await page.getByLabel("Search").fill("MIDDLE");
    await page.getByRole("button", { name: "Apply" }).click();
    await expect(page.getByText("1 customer", { exact: true })).toBeVisible();
    await expect.poll(() => listedEmails(page)).toEqual(["middle@example.com"]);
  });

  test("a partial refund updates the totals, the dashboard and the fan", async ({
    page,
    request,
    javaScriptEnabled,
  }, testInfo) => {
    const storeId = await createStore(request, unique("Refunds", testInfo));
    const productId = await createProduct(request, storeId, "Mixing Masterclass", "course", "99");
    const receipt = await recordPurchase(request, storeId, productId, "ada@example.com", "99", "r1");
    await open(page, `/store/${storeId}/customers/${receipt.customer_id}`, javaScriptEnabled);
    // A course enrolls; empty lists say so.
    await expect(page.getByRole("region", { name: "Enrollments" })).toContainText(
      "Mixing Masterclass · enrolled",
    );
    await expect(page.getByRole("region", { name: "Subscriptions" })).toHaveText(
      "SubscriptionsNo subscriptions.",
    );
    await expect(page.getByRole("region", { name: "Refunds" })).toHaveText("RefundsNo refunds.");

    await page.getByRole("link", { name: "Refund Mixing Masterclass" }).click();
    await expect(page.getByRole("heading", { name: "Refund Mixing Masterclass" })).toBeVisible();
    if (javaScriptEnabled) await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");

    await page.getByLabel("Amount to refund").fill("100");
    await page.getByRole("button", { name: "Confirm refund" }).click();
    await expect(page.locator("#refund-amount-error")).toHaveText("You can refund at most $99.00.");

    await page.getByLabel("Amount to refund").fill("25");
    await page.getByRole("button", { name: "Confirm refund" }).click();
    await expect(page).toHaveURL(new RegExp(`/customers/${receipt.customer_id}$`));
    await expect(page.getByRole("status").filter({ hasText: "Refund recorded" })).toBeVisible();
    await expect(page.getByText("$74.00").first()).toBeVisible();
    await expect(page.getByRole("region", { name: "Refunds" })).toContainText("$25.00 for Mixing Masterclass");
    await expect(page.getByRole("complementary", { name: "As a fan" })).toContainText("7");

    await page.getByRole("link", { name: "← All customers" }).click();
    await expect(card(page, "Refunds")).toHaveText("$25.00");
    await expect(card(page, "Net revenue")).toHaveText("$74.00");
  });

  test("bad input is refused next to the field and records nothing", async ({
    page,
    request,
    javaScriptEnabled,
  }, testInfo) => {
    const storeId = await createStore(request, unique("Invalid", testInfo));
    await createProduct(request, storeId, "Preset Pack", "preset", "19");
    await open(page, `/store/${storeId}/customers/new`, javaScriptEnabled);

    await page.getByLabel("Buyer's email").fill("not-an-email");
    await page.getByLabel("Product", { exact: true }).selectOption({ label: "Preset Pack" });
    await page.getByLabel("Amount").fill("abc");
    await page.getByRole("button", { name: "Record purchase" }).click();
    await expect(page.locator("#purchase-email-error")).toHaveText(
      "Enter a valid email address, like name@example.com.",
    );
    await expect(page.locator("#purchase-amount-error")).toHaveText("Enter a number, like 99 or 1,299.99.");
    await expect(page.getByLabel("Buyer's email")).toHaveAttribute("aria-invalid", "true");

    await page.getByLabel("Buyer's email").fill("fine@example.com");
    await page.getByLabel("Product", { exact: true }).selectOption({ label: "Preset Pack" });
    await page.getByLabel("Amount").fill("-5");
    await page.getByRole("button", { name: "Record purchase" }).click();
    await expect(page.locator("#purchase-amount-error")).toHaveText("The amount cannot be negative.");

    await page.getByLabel("Buyer's email").fill("fine@example.com");
    await page.getByLabel("Product", { exact: true }).selectOption("");
    await page.getByRole("button", { name: "Record purchase" }).click();
    await expect(page.locator("#purchase-product-error")).toHaveText("Pick a product, or create a new one.");

    await open(page, `/store/${storeId}/customers`, javaScriptEnabled);
    await expect(page.getByText("No customers yet")).toBeVisible();
    await expect(card(page, "Orders")).toHaveText("0");
  });

  test("a sale of a new product creates the product too", async ({ page, request, javaScriptEnabled }, testInfo) => {
    const storeId = await createStore(request, unique("New product", testInfo));
    await open(page, `/store/${storeId}/customers/new`, javaScriptEnabled);
    await page.getByLabel("Buyer's email").fill("lin@example.com");
    await page.getByLabel("Product", { exact: true }).selectOption("new");
    await page.getByLabel("New product name").fill("Beat Review Call");
    await page.getByLabel("Kind").selectOption("coaching");
    await page.getByLabel("Amount").fill("$45");
    await page.getByRole("button", { name: "Record purchase" }).click();
    await expect(page).toHaveURL(/\/customers$/);
    await expect(page.getByRole("table", { name: "Customers" })).toContainText("Beat Review Call");
    await page.getByRole("link", { name: "Products" }).click();
    await expect(page.getByLabel("Price of Beat Review Call")).toHaveValue("45.00");
  });

  test("products are added, repriced and archived", async ({ page, request, javaScriptEnabled }, testInfo) => {
    const storeId = await createStore(request, unique("Catalogue", testInfo));
    await open(page, `/store/${storeId}/products`, javaScriptEnabled);
    await expect(page.getByText("No products yet")).toBeVisible();

    await page.getByLabel("Name", { exact: true }).fill("Lo-fi Drum Kit");
    await page.getByLabel("Kind").selectOption("sample_pack");
    await page.getByLabel("Price (USD)").fill("nope");
    await page.getByRole("button", { name: "Add product" }).click();
    await expect(page.locator("#product-price-error")).toHaveText("Enter a number, like 99 or 1,299.99.");

    await page.getByLabel("Name", { exact: true }).fill("Lo-fi Drum Kit");
    await page.getByLabel("Price (USD)").fill("29");
    await page.getByRole("button", { name: "Add product" }).click();
    await expect(page.getByLabel("Price of Lo-fi Drum Kit")).toHaveValue("29.00");

    await page.getByLabel("Price of Lo-fi Drum Kit").fill("34.50");
    await page.getByRole("form", { name: "Edit Lo-fi Drum Kit" }).getByRole("button", { name: "Save" }).click();
    await expect(page.getByLabel("Price of Lo-fi Drum Kit")).toHaveValue("34.50");

    // With JavaScript on, archiving swaps the page in without a reload: the mark survives.
    if (javaScriptEnabled) await markDocument(page);
    await page.getByRole("button", { name: "Archive Lo-fi Drum Kit" }).click();
    await expect(page.getByText("Archived")).toBeVisible();
    if (javaScriptEnabled) expect(await documentIsMarked(page)).toBe(true);
  });

  test("pages walk 120 customers without duplicates or gaps", async ({ page, request, javaScriptEnabled }, testInfo) => {
    test.slow();
    const storeId = await createStore(request, unique("Paging", testInfo));
    const productId = await createProduct(request, storeId, "Preset", "preset", "10");
    for (let i = 0; i < 120; i++) {
      // Totals repeat every 7 customers, so ties must be broken consistently.
      await recordPurchase(request, storeId, productId, `buyer${i}@example.com`, String(10 + (i % 7)), `p${i}`);
    }
    await open(page, `/store/${storeId}/customers`, javaScriptEnabled);
    await expect(page.getByText("120 customers")).toBeVisible();

    const pages: string[][] = [];
    for (;;) {
      const shown = await listedEmails(page);
      pages.push(shown);
      const next = page.getByRole("link", { name: "Next →" });
      if ((await next.count()) === 0) break;
      await next.click();
      // With JavaScript on the table changes in place: wait until it shows another page.
      await expect.poll(async () => (await listedEmails(page))[0]).not.toBe(shown[0]);
    }
    expect(pages.map((p) => p.length)).toEqual([50, 50, 20]);
    const seen = pages.flat();
    expect(new Set(seen).size).toBe(120);

    // And back again.
    await page.getByRole("link", { name: "← Previous" }).click();
    await expect.poll(() => listedEmails(page)).toEqual(pages[1]);
    await page.getByRole("link", { name: "← Previous" }).click();
    await expect.poll(() => listedEmails(page)).toEqual(pages[0]);
    await expect(page.getByText("← Previous")).toHaveAttribute("aria-disabled", "true");
  });

  test("the list exports as CSV, neutralising formulas", async ({ page, request, javaScriptEnabled }, testInfo) => {
    const storeId = await createStore(request, unique("Export", testInfo));
    const productId = await createProduct(request, storeId, "Preset", "preset", "10");
    await request.post("/api/customers/record_purchase", {
      form: {
        store_id: String(storeId),
        request_key: "csv-1",
        email: "sheet@example.com",
        name: "=HYPERLINK(\"http://evil\")",
        product_id: String(productId),
        amount: "12",
      },
    });
    await open(page, `/store/${storeId}/customers`, javaScriptEnabled);
    const href = await page.getByRole("link", { name: "Export CSV" }).getAttribute("href");
    const csv = await (await request.get(href!)).text();
    const lines = csv.trim().split("\n");
    expect(lines[0]).toBe(
      "name,email,total_spent,currency,refunded,purchases,first_purchase,last_purchase,products,subscription,fan_score",
    );
    expect(lines[1]).toContain(`"'=HYPERLINK(""http://evil"")",sheet@example.com,12.00,USD,0.00,1,`);
  });
});
