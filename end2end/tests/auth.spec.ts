import { expect, newEmail, PASSWORD, signUp, test } from "./fixtures";
import { open, unique } from "./helpers";

test.describe("accounts", () => {
  test("sign up, log out, log in, create a store, log out: the store needs a log-in", async ({
    page,
    javaScriptEnabled,
  }, testInfo) => {
    test.slow(); // three password hashes and a dozen page loads
    const email = newEmail();
    await open(page, "/signup", javaScriptEnabled);
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Create account" }).click();
    // Signing up leads to the log-in page, with a message that fits a new email and a
    // taken one alike.
    await expect(page).toHaveURL(/\/login$/);
    await expect(page.getByText(/log in with its password/)).toBeVisible();
    if (javaScriptEnabled) await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Log in" }).click();
    await expect(page.getByRole("heading", { name: "Your stores" })).toBeVisible();
    await expect(page.getByRole("link", { name: email })).toBeVisible();

    await page.getByRole("button", { name: "Log out" }).click();
    await expect(page).toHaveURL(/\/login$/);

    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Log in" }).click();
    await expect(page.getByRole("heading", { name: "Your stores" })).toBeVisible();

    const name = unique("Private Beats", testInfo);
    if (javaScriptEnabled) await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
    await page.getByLabel("Store name").fill(name);
    await page.getByRole("button", { name: "Create store" }).click();
    await page.getByRole("link", { name: new RegExp(name) }).click();
    await expect(page).toHaveURL(/\/store\/\d+\/customers$/);
    const storeUrl = new URL(page.url()).pathname;

    await page.getByRole("button", { name: "Log out" }).click();
    await expect(page).toHaveURL(/\/login$/);
    await page.goto(storeUrl);
    await expect(page).toHaveURL(new RegExp(`/login\\?next=${encodeURIComponent(storeUrl).replace(/%2F/g, "%2F")}$`));
    await expect(page.getByRole("heading", { name: "Log in to Encore" })).toBeVisible();

    // Logging in brings the creator back where they were going.
    if (javaScriptEnabled) await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Log in" }).click();
    await expect(page).toHaveURL(new RegExp(`${storeUrl}$`));
    await expect(page.getByRole("heading", { name: "Customers", exact: true })).toBeVisible();
  });

  test("bad sign-ups and log-ins are refused next to the field", async ({ page, javaScriptEnabled }) => {
    await open(page, "/signup", javaScriptEnabled);
    await page.getByLabel("Email").fill("producer@example.com");
    await page.getByLabel("Password").fill("short");
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(page.locator("#signup-password-error")).toHaveText("Use at least 10 characters.");

    const email = await signUp(page.context().request);
    await page.context().clearCookies();
    await open(page, "/login", javaScriptEnabled);
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill("not my password");
    await page.getByRole("button", { name: "Log in" }).click();
    await expect(page.locator("#login-password-error")).toHaveText("That email and password don't match an account.");
  });

  test("a creator changes their password", async ({ page, javaScriptEnabled }) => {
    const email = await signUp(page.request);
    await open(page, "/account", javaScriptEnabled);
    await expect(page.getByText(`Signed in as ${email}`)).toBeVisible();
    await page.getByLabel("Current password").fill(PASSWORD);
    await page.getByLabel("New password").fill("a new and longer phrase");
    await page.getByRole("button", { name: "Change password" }).click();
    const status = page.getByRole("status");
    await expect(status).toHaveText("Password changed. Other devices have been logged out.");

    // A later attempt that fails shows its error, and no longer the earlier success.
    await page.getByLabel("Current password").fill("not my password");
    await page.getByLabel("New password").fill("yet another longer phrase");
    await page.getByRole("button", { name: "Change password" }).click();
    await expect(page.locator("#current-password-error")).toBeVisible();
    await expect(status).toHaveText("");

    await page.context().clearCookies();
    const response = await page.request.post("/api/auth/login", { form: { email, password: "a new and longer phrase" } });
    expect(response.ok()).toBe(true);
  });
});
