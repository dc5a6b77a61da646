// Output safety: every field a creator can type (store, product, customer and fan names,
// tags, goals) is fed a corpus of XSS payloads, and every page that shows it must show the
// text literally, run nothing, and inject no markup.
//
// The Content Security Policy would block most inline scripts on its own, so "no dialog
// fired" is not enough: the test also checks the server's HTML for the raw payload and the
// live DOM for injected elements and event-handler attributes.
import { type APIRequestContext, type Page } from "@playwright/test";
import { expect, newEmail, test } from "./fixtures";
import { addFan, sellNewCourse } from "./setup";
import { collectDialogs, open } from "./helpers";

/** Each fits the shortest limit (a tag: 50 characters) and has no comma (tags split on it). */
const CORPUS = [
  "<script>alert(1)</script>",
  '"><img src=x onerror=alert(1)>',
  "'><svg onload=alert(1)>",
  "</title><script>alert(1)</script>",
  "</textarea><b onmouseover=alert(1)>b",
  "</script><script>alert(1)</script>",
  "javascript:alert(1)//",
  "<style>*{display:none}</style>x",
];

/** Fragments that appear in the HTML only if a payload was written out unescaped. */
function rawMarkup(payload: string): string[] {
  return payload.includes("<") ? [payload] : [];
}

type Seeded = { storeId: number; customerId: number; fanId: number; paths: string[] };

/** One store where every user-editable field holds `payload`. */
async function seed(request: APIRequestContext, payload: string, tag: string): Promise<Seeded> {
  const store = await request.post("/api/stores/create", {
    form: { name: payload, currency: "USD" },
  });
  expect(store.ok(), await store.text()).toBe(true);
  const storeId: number = (await store.json()).id;

  const fanId = await addFan(request, storeId, {
    email: newEmail(),
    name: payload,
    goals: payload,
    tags: tag,
  });

  // The product and the customer are named `payload` too; the purchase also makes a fan.
  const buyer = newEmail();
  const receipt = await sellNewCourse(request, storeId, buyer, payload, "25", payload);
  const customerId: number = receipt.customer_id;

  const base = `/store/${storeId}`;
  return {
    storeId,
    customerId,
    fanId,
    paths: [
      "/",
      `${base}/customers`,
      `${base}/customers/${customerId}`,
      `${base}/customers/new`,
      `${base}/products`,
      `${base}/contacts`,
      `${base}/contacts?all=${encodeURIComponent(tag)}`,
      `${base}/contacts/${fanId}`,
      `${base}/tags`,
    ],
  };
}

/** True when any element carries an event-handler attribute (`onerror`, `onload`, …). */
async function hasEventHandlerAttributes(page: Page): Promise<boolean> {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll("*")).some((element) =>
      Array.from(element.attributes).some((attribute) => attribute.name.startsWith("on")),
    ),
  );
}

for (const [index, payload] of CORPUS.entries()) {
  test(`payload ${index + 1} is shown as text everywhere: ${payload}`, async ({
    page,
    request,
  }, testInfo) => {
    const dialogs = collectDialogs(page);
    const javaScriptEnabled = testInfo.project.name === "js";
    // Tags are compared without case; the payload itself stays the tag's display name.
    const tag = payload;
    const seeded = await seed(request, payload, tag);

    for (const path of seeded.paths) {
      const html = await (await request.get(path)).text();
      for (const raw of rawMarkup(payload)) {
        expect(html.includes(raw), `${path} writes the payload out raw`).toBe(false);
      }

      await open(page, path, javaScriptEnabled);
      await expect(
        page.getByText(payload, { exact: false }).filter({ visible: true }).first(),
        `${path} shows the payload as text`,
      ).toBeVisible();
      expect(await hasEventHandlerAttributes(page), `${path} has injected handlers`).toBe(false);
      expect(await page.locator("img[src='x'], svg[onload], b[onmouseover]").count()).toBe(0);
      expect(await page.evaluate(() => document.querySelectorAll("style").length)).toBe(0);
    }
    expect(dialogs).toEqual([]);
  });
}
