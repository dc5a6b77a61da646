// The test every spec uses. For each test it
//
// * fails the test when the page logs a console error or throws (a panic in the wasm, an
//   island that failed to hydrate, a script the CSP blocked), except messages a test lists
//   in `allowedConsoleErrors` because it provokes them on purpose.
//
// `account` signs up a new creator, and `request` is the page's own API context signed in
// as them, so set-up calls and the pages the test opens share one session. A test that
// uses neither stays signed out.
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

/** What Chromium logs when a test opens a page that answers 404 on purpose. */
export const NOT_FOUND_LOGGED = /^Failed to load resource: the server responded with a status of 404/;

type Fixtures = {
  /** Console errors a test provokes on purpose; set with `test.use`. */
  allowedConsoleErrors: RegExp[];
  /** Automatic: the console check described above. */
  pageChecks: void;
  account: string;
  request: APIRequestContext;
};

export const test = base.extend<Fixtures>({
  allowedConsoleErrors: [[], { option: true }],

  pageChecks: [
    async ({ page, allowedConsoleErrors }, use, testInfo) => {
      const problems: string[] = [];
      page.on("pageerror", (error) => problems.push(`uncaught: ${error.message}`));
      page.on("console", (message) => {
        if (message.type() !== "error") return;
        const text = message.text();
        if (allowedConsoleErrors.some((allowed) => allowed.test(text))) return;
        problems.push(`console error: ${text} (${message.location().url})`);
      });
      await use();

      // A test that already failed is reported for that.
      if (testInfo.status !== testInfo.expectedStatus) return;
      expect(problems, "the page logged errors").toEqual([]);
    },
    { auto: true },
  ],

  account: async ({ page }, use) => {
    await use(await signUp(page.request));
  },

  request: async ({ page, account }, use) => {
    void account;
    await use(page.request);
  },
});

export { expect };
