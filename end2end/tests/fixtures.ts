// The test every spec uses. For each test it
//
// * fails the test when the page logs a console error or throws (a panic in the wasm, an
//   island that failed to hydrate, a script the CSP blocked), except messages a test lists
//   in `allowedConsoleErrors` because it provokes them on purpose;
// * checks every HTML page the server sent during the test with the Nu HTML Checker, and
//   the page the test ended on with axe (./audit.ts), so every page and every state a test
//   reaches is audited in both JavaScript modes, with no list to keep up to date
//   (./pages.spec.ts opens every routed page, so none is missed).
//
// `account` signs up a new creator, and `request` is the page's own API context signed in
// as them, so set-up calls and the pages the test opens share one session. A test that
// uses neither stays signed out.
import { expect, test as base, type APIRequestContext } from "@playwright/test";
import { axeViolations, axeViolationsWithoutScripts, nuErrors } from "./audit";

/** The password of every account the tests create. */
export const PASSWORD = "correct horse battery";

/** A fresh account per test, so tests can run in parallel against one server. */
export function newEmail(): string {
  return `creator-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`;
}

export async function signUp(request: APIRequestContext, email = newEmail()): Promise<string> {
  const response = await request.post("/api/auth/signup", { form: { email, password: PASSWORD } });
  expect(response.ok(), await response.text()).toBe(true);
  // Signing up does not sign in (its answer must not tell a new email from a taken one).
  const login = await request.post("/api/auth/login", { form: { email, password: PASSWORD } });
  expect(login.ok(), await login.text()).toBe(true);
  return email;
}

/** What Chromium logs when a test opens a page that answers 404 on purpose. */
export const NOT_FOUND_LOGGED = /^Failed to load resource: the server responded with a status of 404/;

/**
 * What Chromium logs when Playwright itself tries to run its helper script in a sandboxed
 * frame with no scripts allowed (microsoft/playwright#33343): the campaign preview's
 * frames of `preview.html`, which must run no script. The message says the sandbox held;
 * the page ran nothing.
 */
const PLAYWRIGHT_IN_SANDBOXED_PREVIEW =
  /^Blocked script execution in '[^']*\/campaigns\/\d+\/preview\.html' because the document's frame is sandboxed and the 'allow-scripts' permission is not set\.$/;

type Fixtures = {
  /** Console errors a test provokes on purpose; set with `test.use`. */
  allowedConsoleErrors: RegExp[];
  /** Automatic: the console check and the audit described above. */
  pageChecks: void;
  account: string;
  request: APIRequestContext;
};

export const test = base.extend<Fixtures>({
  allowedConsoleErrors: [[], { option: true }],

  pageChecks: [
    async ({ page, browser, javaScriptEnabled, allowedConsoleErrors, baseURL }, use, testInfo) => {
      const problems: string[] = [];
      page.on("pageerror", (error) => problems.push(`uncaught: ${error.message}`));
      page.on("console", (message) => {
        if (message.type() !== "error") return;
        const text = message.text();
        if (allowedConsoleErrors.some((allowed) => allowed.test(text))) return;
        if (PLAYWRIGHT_IN_SANDBOXED_PREVIEW.test(text)) return;
        problems.push(`console error: ${text} (${message.location().url})`);
      });
      // Every page the server sends the browser, loaded or (JavaScript on) fetched by
      // src/navigation.js: form errors, empty lists and "not found" included.
      const documents: Promise<{ url: string; html: string } | null>[] = [];
      page.on("response", (response) => {
        const type = response.headers()["content-type"] ?? "";
        if (!response.url().startsWith(baseURL ?? "") || !type.startsWith("text/html")) return;
        if (response.status() >= 300 && response.status() < 400) return;
        documents.push(response.text().then((html) => ({ url: response.url(), html }), () => null));
      });

      await use();

      // A test that already failed is reported for that; an audit would only add noise.
      if (testInfo.status !== testInfo.expectedStatus) return;
      expect(problems, "the page logged errors").toEqual([]);
      const findings: string[] = [];
      const sent = (await Promise.all(documents)).filter((document) => document !== null);
      for (const document of sent) {
        const path = new URL(document.url).pathname;
        findings.push(...(await nuErrors(document.html)).map((line) => `Nu: ${path}: ${line}`));
      }
      // axe checks the page the test ended on: live with JavaScript on; without it, the
      // page's last HTML replayed in a page that runs no script (see ./audit.ts).
      const url = page.url().split("#")[0];
      if (url.startsWith(baseURL ?? "")) {
        const path = new URL(url).pathname;
        const last = sent.filter((document) => document.url === url).pop();
        const violations = javaScriptEnabled
          ? await axeViolations(page)
          : last
            ? await axeViolationsWithoutScripts(browser, url, last.html)
            : [`no HTML was captured for ${url}`];
        findings.push(...violations.map((line) => `axe: ${path}: ${line}`));
      }
      expect(findings, "axe and the Nu HTML Checker").toEqual([]);
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
