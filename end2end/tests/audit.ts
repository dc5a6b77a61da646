// The two outside checks every page passes (./fixtures.ts runs them): axe-core (WCAG 2.1 A
// and AA) in the browser, and the W3C Nu HTML Checker on the HTML the server sent. The
// checker runs as one server for the whole run: playwright.config.ts starts it and sets
// `NU_CHECKER_URL`.
import AxeBuilder from "@axe-core/playwright";
import { type Browser, type Page } from "@playwright/test";

/** The axe rule sets Encore is held to. */
const WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];


/** axe's violations on the page as it is now, one line each (empty when clean). */
export async function axeViolations(page: Page): Promise<string[]> {
  const builder = new AxeBuilder({ page });
  // A frame sandboxed with no script allowed (the campaign preview's: the creator's email,
  // which must run nothing) cannot take axe, and axe's frame-by-frame run then stalls
  // (Playwright cannot run anything there: microsoft/playwright#33343). Such a page is
  // checked in one pass over itself: the frame elements (their titles) are, their insides
  // are not.
  if ((await page.locator("iframe[sandbox]").count()) > 0) {
    builder.setLegacyMode().options({ iframes: false });
  }
  const results = await builder.withTags(WCAG_21_AA).analyze();
  return results.violations.flatMap((violation) =>
    violation.nodes.map(
      (node) => `${violation.id} (${violation.impact}): ${violation.help} at ${node.target.join(" ")}: ${node.failureSummary ?? ""}`,
    ),
  );
}

/**
 * axe's violations on a page with JavaScript off. axe itself needs JavaScript (its checks
 * wait on timers), so it runs in a page of its own with JavaScript on, served `html` as
 * the document at `url` with a policy that runs none of the page's scripts: the same
 * markup and styles a browser without JavaScript shows.
 */
export async function axeViolationsWithoutScripts(browser: Browser, url: string, html: string): Promise<string[]> {
  const context = await browser.newContext({ javaScriptEnabled: true });
  try {
    const page = await context.newPage();
    await page.route(url, (route) =>
      route.fulfill({
        status: 200,
        contentType: "text/html; charset=utf-8",
        headers: { "Content-Security-Policy": "script-src 'none'" },
        body: html,
      }),
    );
    await page.goto(url);
    return await axeViolations(page);
  } finally {
    await context.close();
  }
}

type NuMessage = {
  type: string;
  subType?: string;
  message: string;
  extract?: string;
  hiliteStart?: number;
  hiliteLength?: number;
  lastLine?: number;
};

/**
 * Leptos marks where a view's dynamic parts start with an empty comment, `<!>`, which the
 * HTML parser reads as a "bogus comment" (harmless: it becomes an empty comment node). That
 * one message, on exactly that marker, is the only error let through.
 */
function isLeptosMarker(message: NuMessage): boolean {
  if (message.message !== "Bogus comment." || message.extract === undefined) return false;
  // The highlight ends where the parser noticed: with the marker's `>`.
  const end = (message.hiliteStart ?? 0) + (message.hiliteLength ?? 0);
  return message.extract.slice(end - 3, end) === "<!>";
}

/** The Nu HTML Checker's errors for `html`, one line each (empty when valid). */
export async function nuErrors(html: string): Promise<string[]> {
  const checker = process.env.NU_CHECKER_URL;
  if (!checker) throw new Error("NU_CHECKER_URL is not set (playwright.config.ts sets it)");
  const response = await fetch(`${checker}?out=json`, {
    method: "POST",
    headers: { "Content-Type": "text/html; charset=utf-8" },
    body: html,
  });
  if (!response.ok) throw new Error(`the Nu HTML Checker answered ${response.status}`);
  const { messages } = (await response.json()) as { messages: NuMessage[] };
  return messages
    .filter((message) => message.type === "error" || message.type === "non-document-error")
    .filter((message) => !isLeptosMarker(message))
    .map((message) => `line ${message.lastLine}: ${message.message} in ${JSON.stringify(message.extract)}`);
}
