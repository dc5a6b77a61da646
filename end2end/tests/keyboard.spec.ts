// Keyboard alone: from the top of a page, the Tab key reaches every action on it, each
// visibly focused, and the first stop is a link that skips to the main content.
import { type Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { open, unique } from "./helpers";
import { addFan, createProduct, createStore, fansPath, sellNewCourse } from "./setup";

/** Everything a keyboard user should be able to reach: visible, enabled controls. */
const ACTIONS =
  'a[href], button:not([disabled]), input:not([type="hidden"]):not([disabled]), select:not([disabled]), textarea:not([disabled]), summary, [tabindex="0"]';

type Walk = {
  /** The actions the Tab key never reached. */
  missed: string[];
  /** The stops at which the focus could not be seen. */
  unseen: string[];
  reached: number;
};

/** Presses Tab from the top of the page until the focus comes round again. */
async function tabThrough(page: Page): Promise<Walk> {
  const expected: string[] = await page.evaluate((selector) => {
    // Rendered and shown: not inside a closed <details> (its <summary>, a stop of its
    // own, opens it), not hidden.
    const visible = (element: Element) => element.checkVisibility({ visibilityProperty: true });
    const seenRadioGroups = new Set<string>();
    const ids: string[] = [];
    document.querySelectorAll(selector).forEach((element, index) => {
      element.setAttribute("data-tab-id", String(index));
      // The skip link is only shown once focused; it is checked on its own.
      if (!visible(element) && !element.classList.contains("skip-link")) return;
      // A group of radio buttons is one stop: the arrow keys move within it.
      if (element instanceof HTMLInputElement && element.type === "radio") {
        if (seenRadioGroups.has(element.name)) return;
        seenRadioGroups.add(element.name);
        ids.push(`radio:${element.name}`);
        return;
      }
      ids.push(String(index));
    });
    return ids;
  }, ACTIONS);

  const reached = new Set<string>();
  const unseen: string[] = [];
  let first: string | undefined;
  let previous: string | undefined;
  for (let presses = 0; presses < 400; presses++) {
    await page.keyboard.press("Tab");
    const stop = await page.evaluate(() => {
      const element = document.activeElement;
      if (!element || element === document.body) return null;
      const style = getComputedStyle(element);
      const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
      const ring = style.boxShadow !== "" && style.boxShadow !== "none";
      const id =
        element instanceof HTMLInputElement && element.type === "radio"
          ? `radio:${element.name}`
          : element.getAttribute("data-tab-id") ?? "untracked";
      return { id, seen: outline || ring, label: element.outerHTML.slice(0, 120) };
    });
    if (stop === null) {
      if (first !== undefined) break; // past the last stop
      continue;
    }
    // A date field takes several presses (day, month, year): one stop.
    if (stop.id === previous) continue;
    if (stop.id === first) break;
    first ??= stop.id;
    previous = stop.id;
    reached.add(stop.id);
    if (!stop.seen) unseen.push(stop.label);
  }
  const missed = await page.evaluate(
    (ids) => ids.map((id) => (id.startsWith("radio:") ? id : document.querySelector(`[data-tab-id="${id}"]`)?.outerHTML.slice(0, 120) ?? id)),
    expected.filter((id) => !reached.has(id)),
  );
  return { missed, unseen, reached: reached.size };
}

/** The skip link is the first stop, shows itself when focused, and moves on to the main content. */
async function expectSkipLink(page: Page) {
  await page.keyboard.press("Tab");
  const skip = page.getByRole("link", { name: "Skip to main content" });
  await expect(skip).toBeFocused();
  expect((await skip.boundingBox())?.width ?? 0).toBeGreaterThan(40);
  await page.keyboard.press("Enter");
  await page.keyboard.press("Tab");
  expect(await page.evaluate(() => document.activeElement?.closest("main") !== null)).toBe(true);
}

test("the Fans page is usable with the keyboard alone", async ({ page, request, javaScriptEnabled }, testInfo) => {
  const store = await createStore(request, unique("Keys", testInfo));
  await addFan(request, store, { email: "ada@example.com", name: "Ada", tags: "ableton" });
  await sellNewCourse(request, store, "ben@example.com", "Mixing Masterclass", "99", "Ben");

  await open(page, fansPath(store), javaScriptEnabled);
  await expectSkipLink(page);

  await open(page, fansPath(store), javaScriptEnabled);
  const walk = await tabThrough(page);
  expect(walk.missed, "actions the Tab key never reaches").toEqual([]);
  expect(walk.unseen, "stops without a visible focus").toEqual([]);
  expect(walk.reached).toBeGreaterThan(20);
});

test("a purchase is recorded with the keyboard alone", async ({ page, request, javaScriptEnabled }, testInfo) => {
  const store = await createStore(request, unique("Keys", testInfo));
  await createProduct(request, store, "Mixing Masterclass", "course", "99");

  await open(page, `/store/${store}/customers/new`, javaScriptEnabled);
  await expectSkipLink(page);

  await open(page, `/store/${store}/customers/new`, javaScriptEnabled);
  const walk = await tabThrough(page);
  expect(walk.missed, "actions the Tab key never reaches").toEqual([]);
  expect(walk.unseen, "stops without a visible focus").toEqual([]);

  // Fill the form and send it from the keyboard: type, Tab, arrow keys, Enter.
  await page.getByLabel("Buyer's email").focus();
  await page.keyboard.type("keys@example.com");
  await page.keyboard.press("Tab"); // the buyer's name
  await page.keyboard.press("Tab"); // the product
  await expect(page.getByLabel("Product", { exact: true })).toBeFocused();
  await page.keyboard.press("ArrowDown");
  await expect(page.getByLabel("Product", { exact: true })).not.toHaveValue("");
  await page.getByLabel("Amount").focus();
  await page.keyboard.press("Control+A");
  await page.keyboard.type("99");
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/customers$/);
  await expect(page.getByRole("table", { name: "Customers" })).toContainText("keys@example.com");
});
