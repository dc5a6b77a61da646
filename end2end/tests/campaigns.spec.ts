// The product's second scenario, sending half (#28): tag "ableton" → filter the Fans page →
// "Use as campaign audience" → compose → send → the messages are saved to the outbox (the
// e2e server has no SMTP server) → the unsubscribe link in a saved message works.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "./fixtures";
import { addFan, createStore, fansPath } from "./setup";
import { open, unique } from "./helpers";

// The server's ENCORE_OUTBOX_DIR (playwright.config.ts), from the repository root.
const outbox = join("..", "target", "e2e", "outbox");

function savedMessages(campaignId: string): string[] {
  try {
    return readdirSync(join(outbox, campaignId))
      .filter((name) => name.endsWith(".eml"))
      .map((name) => readFileSync(join(outbox, campaignId, name), "utf8"));
  } catch {
    return [];
  }
}

test("a campaign to the fans tagged ableton is written, sent, and can be unsubscribed from", async ({
  page,
  request,
  javaScriptEnabled,
}, testInfo) => {
  const store = await createStore(request, unique("Campaigns", testInfo));
  await addFan(request, store, { email: "ada@example.com", name: "Ada Lovelace", tags: "ableton" });
  await addFan(request, store, { email: "ben@example.com", tags: "Ableton" });
  await addFan(request, store, { email: "cy@example.com", name: "Cy", tags: "fl studio" });
  const settings = await request.post("/api/campaigns/settings/save", {
    form: {
      store_id: String(store),
      sender_name: "Night Owl",
      sender_address: "hello@nightowl.test",
      reply_to: "",
      postal_address: "1 Loop Street, Berlin",
    },
  });
  expect(settings.ok(), await settings.text()).toBe(true);

  await open(page, `${fansPath(store)}?any=ableton`, javaScriptEnabled);
  await page.getByRole("link", { name: "Use as campaign audience →" }).click();
  await expect(page.getByRole("heading", { name: "New campaign" })).toBeVisible();
  await expect(page.locator("#audience-reach")).toContainText("2 fans would receive it now");
  await expect(page.getByText("Mail is saved, not sent.")).toBeVisible();

  await page.getByLabel("Subject").fill("The Ableton pack is out");
  await page.getByLabel("Email (Markdown)").fill("Hi **{first_name|there}**, it is [here](https://nightowl.test).");
  await page.getByRole("button", { name: "Save draft" }).click();
  await expect(page.getByText("Draft saved.")).toBeVisible();
  const campaignId = new URL(page.url()).pathname.split("/").pop()!;

  await page.getByRole("button", { name: "Send now" }).click();
  await expect(page.getByText(/of 2 sent/).first()).toBeVisible();
  await expect.poll(() => savedMessages(campaignId).length, { timeout: 20_000 }).toBe(2);

  const ada = savedMessages(campaignId).find((message) => message.includes("To: ada@example.com"))!;
  // Quoted-printable soft line breaks and folded headers undone.
  const text = ada.replace(/=\r?\n/g, "").replace(/=3D/g, "=").replace(/\r?\n[ \t]+/g, " ");
  expect(text).toContain("Hi <strong>Ada</strong>");
  const link = /List-Unsubscribe: *<([^>]+)>/.exec(text)![1];
  await open(page, new URL(link).pathname, false);
  await page.getByRole("button", { name: "Unsubscribe" }).click();
  await expect(page.getByRole("heading", { name: "You are unsubscribed" })).toBeVisible();
});
