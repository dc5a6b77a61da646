import { expect, test as base, type APIRequestContext } from "@playwright/test";

/** The password of every account the tests create. */
export const PASSWORD = "correct horse battery";

/** A fresh account per test, so tests can run in parallel against one server. */
export function newEmail(): string {
  return `creator-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`;
}

export async function signUp(request: APIRequestContext, email = newEmail()): Promise<string> {
  const response = await request.post("/api/auth/signup", { form: { email, password: PASSWORD } });
  expect(response.ok(), await response.text()).toBe(true);
  return email;
}

/**
 * `request` is the page's own API context, signed in as a new creator: set-up calls made
 * with it and the pages the test then opens share one session.
 */
export const test = base.extend<{ request: APIRequestContext; account: string }>({
  account: async ({ page }, use) => {
    await use(await signUp(page.request));
  },
  request: async ({ page, account }, use) => {
    void account;
    await use(page.request);
  },
});

export { expect };
