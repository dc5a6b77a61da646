import { type Page } from "@playwright/test";
import { expect, NOT_FOUND_LOGGED, test } from "./fixtures";
import { addFan, createStore, fansPath, sellNewCourse } from "./setup";
import { collectDialogs, documentIsMarked, markDocument, open, unique } from "./helpers";

/** The names in the fan table, in the order shown. */
async function shownFans(page: Page): Promise<string[]> {
  return page
    .getByRole("table", { name: "Fans" })
    .locator("tbody tr td:nth-child(2) a")
    .allTextContents();
}

/** Waits for the list to show exactly these fans (in any order) and this count. */
async function expectFans(page: Page, count: string, names: string[]) {
  await expect.poll(async () => (await shownFans(page)).sort()).toEqual([...names].sort());
  await expect(page.locator("#fan-count")).toHaveText(count);
}

async function filterBy(page: Page, field: string, value: string) {
  await page.getByLabel(field).fill(value);
  await page.getByRole("button", { name: "Show fans" }).click();
}

test.describe("fans: the audience builder", () => {
  test("email all Ableton users: the tag filter finds exactly the tagged fans", async ({
    page,
    request,
    javaScriptEnabled,
  }, testInfo) => {
    const store = await createStore(request, unique("Fans", testInfo));
    await addFan(request, store, { email: "ada@example.com", name: "Ada", tags: "Ableton, trap" });
    await addFan(request, store, { email: "ben@example.com", name: "Ben", tags: "ableton" });
    await addFan(request, store, { email: "cy@example.com", name: "Cy", tags: "fl studio" });
    await addFan(request, store, { email: "di@example.com", name: "Di" });

    await open(page, fansPath(store), javaScriptEnabled);
    await expectFans(page, "4 fans", ["Ada", "Ben", "Cy", "Di"]);
    if (javaScriptEnabled) await markDocument(page);
    await filterBy(page, "Has any of these tags", "ableton");

    await expect(page).toHaveURL(/[?&]any=ableton(&|$)/);
    await expectFans(page, "2 fans", ["Ada", "Ben"]);
    if (javaScriptEnabled) {
      // Hydrated, the filter applied without a page load, and the link carries only it.
      expect(await documentIsMarked(page)).toBe(true);
      expect(new URL(page.url()).search).toBe("?any=ableton");
    }
    // Type-ahead over the store's tags, with their counts.
    await expect(page.locator("#fan-tag-suggestions option[value='Ableton']")).toHaveAttribute(
      "label",
      "2 fans",
    );
    await expect(page.getByRole("link", { name: /Use as campaign audience/ })).toHaveAttribute(
      "href",
      `/store/${store}/campaigns/new?any=ableton`,
    );
    // The filter is a link: opening it again gives the same audience.
    await open(page, `${fansPath(store)}?any=ABLETON`, javaScriptEnabled);
    await expectFans(page, "2 fans", ["Ada", "Ben"]);
    await expect(page.getByLabel("Has any of these tags")).toHaveValue("ABLETON");
  });

  test("any / all / none with two tags give the right sets", async ({
    page,
    request,
    javaScriptEnabled,
  }, testInfo) => {
    const store = await createStore(request, unique("Fans", testInfo));
    await addFan(request, store, { email: "both@example.com", name: "Both", tags: "ableton, trap" });
    await addFan(request, store, { email: "abl@example.com", name: "Abl", tags: "ableton" });
    await addFan(request, store, { email: "trap@example.com", name: "Trap", tags: "trap" });
    await addFan(request, store, { email: "neither@example.com", name: "Neither", tags: "house" });

    await open(page, fansPath(store), javaScriptEnabled);
    await filterBy(page, "Has any of these tags", "ableton, trap");
    await expectFans(page, "3 fans", ["Both", "Abl", "Trap"]);

    await page.getByLabel("Has any of these tags").fill("");
    await filterBy(page, "Has all of these tags", "ableton, trap");
    await expectFans(page, "1 fan", ["Both"]);

    await page.getByLabel("Has all of these tags").fill("");
    await filterBy(page, "Has none of these tags", "ableton, trap");
    await expectFans(page, "1 fan", ["Neither"]);

    // Combined with a profile field, and cleared again.
    await page.getByLabel("Has none of these tags").fill("");
    await page.getByLabel("Customer").selectOption("yes");
    await page.getByRole("button", { name: "Show fans" }).click();
    await expect(page.getByText("No fans match this filter")).toBeVisible();
    await page.getByRole("link", { name: "Clear filters" }).click();
    await expectFans(page, "4 fans", ["Both", "Abl", "Trap", "Neither"]);
  });

  test("profile fields and the score range narrow the audience", async ({
    page,
    request,
    javaScriptEnabled,
  }, testInfo) => {
    const store = await createStore(request, unique("Fans", testInfo));
    await addFan(request, store, { email: "ada@example.com", name: "Ada", daw: "ableton_live" });
    await addFan(request, store, { email: "ben@example.com", name: "Ben", daw: "ableton_live" });
    await addFan(request, store, { email: "cy@example.com", name: "Cy", daw: "logic_pro" });
    // Purchases score floor(amount / $10): Ada 20, Cy 9.
    await sellNewCourse(request, store, "ada@example.com", "Mastering Course", "200");
    await sellNewCourse(request, store, "cy@example.com", "Mixing Masterclass", "99");

    await open(page, fansPath(store), javaScriptEnabled);
    await page.getByLabel("DAW").selectOption("ableton_live");
    await page.getByRole("button", { name: "Show fans" }).click();
    await expectFans(page, "2 fans", ["Ada", "Ben"]);

    await page.getByLabel("Score at least").fill("5");
    await page.getByRole("button", { name: "Show fans" }).click();
    await expectFans(page, "1 fan", ["Ada"]);

    await page.getByLabel("DAW").selectOption("");
    await page.getByLabel("Score at most").fill("10");
    await page.getByRole("button", { name: "Show fans" }).click();
    await expectFans(page, "1 fan", ["Cy"]);
    await expect(page).toHaveURL(/min=5/);
    // The default sort is the most engaged first.
    await page.getByLabel("Score at least").fill("");
    await page.getByLabel("Score at most").fill("");
    await page.getByRole("button", { name: "Show fans" }).click();
    await expect.poll(() => shownFans(page)).toEqual(["Ada", "Cy", "Ben"]);
  });

  test("bad URL values are shown next to their field", async ({
    page,
    request,
    javaScriptEnabled,
  }, testInfo) => {
    const store = await createStore(request, unique("Fans", testInfo));
    await open(page, `${fansPath(store)}?min=lots&daw=garageband&opened=0`, javaScriptEnabled);
    await expect(page.locator("#filter-min-error")).toHaveText("Enter a whole number.");
    await expect(page.getByLabel("Score at least")).toHaveAttribute("aria-invalid", "true");
    await expect(page.getByLabel("Score at least")).toHaveValue("lots");
    await expect(page.locator("#filter-daw-error")).toHaveText("Pick a DAW from the list.");
    await expect(page.locator("#filter-opened-error")).toHaveText("Enter between 1 and 3650 days.");
  });

  test("sorting and keyset pages of 50", async ({ page, request, javaScriptEnabled }, testInfo) => {
    const store = await createStore(request, unique("Fans", testInfo));
    for (let batch = 0; batch < 11; batch++) {
      await Promise.all(
        Array.from({ length: 5 }, (_, i) => {
          const n = String(batch * 5 + i + 1).padStart(2, "0");
          return addFan(request, store, { email: `fan${n}@example.com`, name: `Fan ${n}` });
        }),
      );
    }
    await open(page, fansPath(store), javaScriptEnabled);
    await expect(page.locator("#fan-count")).toHaveText("55 fans");
    const sort = page.getByRole("navigation", { name: "Sort fans" });
    await sort.getByRole("link", { name: "Name" }).click();
    await expect(page).toHaveURL(/sort=name/);
    await expect(sort.getByRole("link", { name: /Name/ })).toHaveAttribute("aria-current", "true");
    await expect(page.getByRole("table", { name: "Fans" }).locator("tbody tr")).toHaveCount(50);
    expect((await shownFans(page))[0]).toBe("Fan 01");

    await page.getByRole("link", { name: "Next →" }).click();
    await expect(page.getByRole("table", { name: "Fans" }).locator("tbody tr")).toHaveCount(5);
    expect(await shownFans(page)).toEqual(["Fan 51", "Fan 52", "Fan 53", "Fan 54", "Fan 55"]);
    await expect(page.locator("#fan-count")).toHaveText("55 fans");

    await page.getByRole("link", { name: "← Previous" }).click();
    await expect(page.getByRole("table", { name: "Fans" }).locator("tbody tr")).toHaveCount(50);
    expect((await shownFans(page))[49]).toBe("Fan 50");
  });
});

test.describe("fans: bulk tagging", () => {
  test("all fans matching a filter get a tag after a confirmation that states the count", async ({
    page,
    request,
    javaScriptEnabled,
  }, testInfo) => {
    const store = await createStore(request, unique("Fans", testInfo));
    await addFan(request, store, { email: "ada@example.com", name: "Ada", tags: "ableton" });
    await addFan(request, store, { email: "ben@example.com", name: "Ben", tags: "Ableton" });
    await addFan(request, store, { email: "cy@example.com", name: "Cy", tags: "logic" });

    await open(page, `${fansPath(store)}?any=ableton`, javaScriptEnabled);
    await expect(page.locator("#fan-count")).toHaveText("2 fans");
    await page.getByLabel("All 2 fans matching this filter").check();
    await page.getByLabel("Tag", { exact: true }).fill("trap");
    await page.getByRole("button", { name: "Add tag" }).click();

    await expect(page).toHaveURL(/\/contacts\/bulk\?/);
    await expect(page.getByRole("heading", { name: "Add tag trap to 2 fans?" })).toBeVisible();
    await page.getByRole("button", { name: "Add tag" }).click();
    await expect(page.getByRole("status")).toHaveText("Tag trap added to 2 fans.");

    await page.getByRole("link", { name: "← Back to the audience" }).click();
    await expect(page).toHaveURL(new RegExp(`/store/${store}/contacts\\?any=ableton$`));
    await open(page, `${fansPath(store)}?any=trap`, javaScriptEnabled);
    await expectFans(page, "2 fans", ["Ada", "Ben"]);
  });

  test("ticked fans lose a tag, and the result is reported", async ({
    page,
    request,
    javaScriptEnabled,
  }, testInfo) => {
    const store = await createStore(request, unique("Fans", testInfo));
    await addFan(request, store, { email: "ada@example.com", name: "Ada", tags: "beta" });
    await addFan(request, store, { email: "ben@example.com", name: "Ben", tags: "beta" });

    await open(page, fansPath(store), javaScriptEnabled);
    await page.getByRole("checkbox", { name: "Select Ada" }).check();
    await page.getByLabel("Tag", { exact: true }).fill("Beta");
    await page.getByRole("button", { name: "Remove tag" }).click();
    await expect(page.getByRole("heading", { name: "Remove tag beta from 1 fan?" })).toBeVisible();
    await page.getByRole("button", { name: "Remove tag" }).click();
    await expect(page.getByRole("status")).toHaveText("Tag beta removed from 1 fan.");

    await open(page, `${fansPath(store)}?any=beta`, javaScriptEnabled);
    await expectFans(page, "1 fan", ["Ben"]);
  });

  test("nothing ticked, or a bad tag, is explained and changes nothing", async ({
    page,
    request,
    javaScriptEnabled,
  }, testInfo) => {
    const store = await createStore(request, unique("Fans", testInfo));
    await addFan(request, store, { email: "ada@example.com", name: "Ada" });
    await open(page, fansPath(store), javaScriptEnabled);
    await page.getByLabel("Tag", { exact: true }).fill("trap");
    await page.getByRole("button", { name: "Add tag" }).click();
    await expect(page.getByRole("alert")).toContainText("Select some fans first");

    await open(page, fansPath(store), javaScriptEnabled);
    await page.getByRole("checkbox", { name: "Select Ada" }).check();
    await page.getByLabel("Tag", { exact: true }).fill("x".repeat(51));
    await page.getByRole("button", { name: "Add tag" }).click();
    await expect(page.locator("#bulk-fix-tag-error")).toHaveText(
      "A tag can be at most 50 characters.",
    );
    // Fixing the tag right there continues to the confirmation.
    await page.getByRole("textbox", { name: "Tag" }).fill("short");
    await page.getByRole("button", { name: "Continue" }).click();
    await expect(page.getByRole("heading", { name: "Add tag short to 1 fan?" })).toBeVisible();
    await open(page, `/store/${store}/tags`, javaScriptEnabled);
    await expect(page.getByText("No tags yet")).toBeVisible();
  });
});

test.describe("fans: adding and profiles", () => {
  test("a fan added by hand opens on their profile; a duplicate email opens them again", async ({
    page,
    request,
    javaScriptEnabled,
  }, testInfo) => {
    const store = await createStore(request, unique("Fans", testInfo));
    await open(page, `${fansPath(store)}/new`, javaScriptEnabled);
    await page.getByLabel("Email").fill("Mo@Example.com");
    await page.getByLabel("Name").fill("Mo Beats");
    await page.getByLabel("DAW").selectOption("fl_studio");
    await page.getByLabel("Trap").check();
    await page.getByLabel("Lo-fi").check();
    await page.getByLabel("Skill level").selectOption("intermediate");
    await page.getByLabel("Goals").fill("Get signed");
    await page.getByLabel("Tags").fill("workshop, FL");
    await page.getByRole("button", { name: "Add fan" }).click();

    await expect(page).toHaveURL(/\/contacts\/\d+$/);
    const profileUrl = page.url();
    await expect(page.getByRole("heading", { level: 1, name: "Mo Beats" })).toBeVisible();
    await expect(page.getByText("mo@example.com").first()).toBeVisible();
    await expect(page.getByLabel("DAW")).toHaveValue("fl_studio");
    await expect(page.getByLabel("Trap")).toBeChecked();
    const tags = page.getByRole("list", { name: "Tags of this fan" });
    await expect(tags).toContainText("workshop");
    await expect(tags).toContainText("FL");

    await open(page, `${fansPath(store)}/new`, javaScriptEnabled);
    await page.getByLabel("Email").fill("mo@example.com ");
    await page.getByRole("button", { name: "Add fan" }).click();
    await expect(page).toHaveURL(profileUrl);
    await open(page, fansPath(store), javaScriptEnabled);
    await expect(page.locator("#fan-count")).toHaveText("1 fan");
  });

  test("invalid input is refused next to the field and creates nothing", async ({
    page,
    request,
    javaScriptEnabled,
  }, testInfo) => {
    const store = await createStore(request, unique("Fans", testInfo));
    await open(page, `${fansPath(store)}/new`, javaScriptEnabled);
    await page.getByLabel("Email").fill("not-an-email");
    await page.getByLabel("Tags").fill(`ok, ${"t".repeat(51)}`);
    await page.getByRole("button", { name: "Add fan" }).click();
    await expect(page.locator("#fan-email-error")).not.toBeEmpty();
    await expect(page.getByLabel("Email")).toHaveAttribute("aria-invalid", "true");
    await expect(page.locator("#fan-tags-error")).toHaveText("A tag can be at most 50 characters.");
    await open(page, fansPath(store), javaScriptEnabled);
    await expect(page.getByText("No fans yet")).toBeVisible();

    // A too-long tag on a profile.
    const fan = await addFan(request, store, { email: "ada@example.com", name: "Ada" });
    await open(page, `${fansPath(store)}/${fan}`, javaScriptEnabled);
    await page.getByLabel("Add a tag").fill("x".repeat(51));
    await page.getByRole("button", { name: "Add tag" }).click();
    await expect(page.locator("#profile-add-tag-error")).toHaveText(
      "A tag can be at most 50 characters.",
    );
    await expect(page.getByText("No tags yet.")).toBeVisible();
    await open(page, `/store/${store}/tags`, javaScriptEnabled);
    await expect(page.getByText("No tags yet")).toBeVisible();
  });

  test("a tag typed in another case joins the existing tag", async ({
    page,
    request,
    javaScriptEnabled,
  }, testInfo) => {
    const store = await createStore(request, unique("Fans", testInfo));
    await addFan(request, store, { email: "ada@example.com", name: "Ada", tags: "Ableton" });
    const ben = await addFan(request, store, { email: "ben@example.com", name: "Ben" });

    await open(page, `${fansPath(store)}/${ben}`, javaScriptEnabled);
    if (javaScriptEnabled) await markDocument(page);
    await page.getByLabel("Add a tag").fill(" ABLETON ");
    await page.getByRole("button", { name: "Add tag" }).click();
    const tags = page.getByRole("list", { name: "Tags of this fan" });
    await expect(tags).toContainText("Ableton");
    await expect(tags.getByRole("listitem")).toHaveCount(1);
    await expect(page.getByRole("list", { name: "Activity" })).toContainText("Tagged: Ableton");
    if (javaScriptEnabled) expect(await documentIsMarked(page)).toBe(true);

    await open(page, `/store/${store}/tags`, javaScriptEnabled);
    const table = page.getByRole("table", { name: "Tags" });
    await expect(table.locator("tbody tr")).toHaveCount(1);
    await expect(table.getByRole("link", { name: "Ableton", exact: true })).toBeVisible();
    await expect(table).toContainText("2 fans");

    // Removing it again.
    await open(page, `${fansPath(store)}/${ben}`, javaScriptEnabled);
    await page.getByRole("button", { name: "Remove tag Ableton" }).click();
    await expect(page.getByText("No tags yet.")).toBeVisible();
  });

  test("a purchase for a fan's email shows on their profile with its points and the customer tag", async ({
    page,
    request,
    javaScriptEnabled,
  }, testInfo) => {
    const store = await createStore(request, unique("Fans", testInfo));
    const fan = await addFan(request, store, { email: "mo@example.com", name: "Mo" });
    await sellNewCourse(request, store, "MO@example.com", "Mixing Masterclass", "99");

    await open(page, `${fansPath(store)}/${fan}`, javaScriptEnabled);
    const activity = page.getByRole("list", { name: "Activity" });
    await expect(activity.getByRole("listitem").first()).toContainText(
      "Purchased: Mixing Masterclass",
    );
    await expect(activity.getByRole("listitem").first()).toContainText("+9 points");
    const tags = page.getByRole("list", { name: "Tags of this fan" });
    await expect(tags).toContainText("customer");
    // Encore manages the customer tag: it cannot be removed by hand.
    await expect(page.getByRole("button", { name: "Remove tag customer" })).toHaveCount(0);
    const purchases = page.getByRole("region", { name: "Purchases" });
    await expect(purchases).toContainText("Mixing Masterclass");
    await expect(purchases.getByTestId("total-spent")).toHaveText("$99.00");
    await expect(page.getByRole("link", { name: "Customer · $99.00" })).toHaveAttribute(
      "href",
      /\/store\/\d+\/customers\/\d+$/,
    );
    await expect(page.getByTitle("Engagement score 9")).toBeVisible();

    // The list shows the same unified view.
    await open(page, `${fansPath(store)}?customer=yes`, javaScriptEnabled);
    await expectFans(page, "1 fan", ["Mo"]);
    await expect(page.getByRole("link", { name: "Customer · $99.00" })).toBeVisible();
  });

  test("the producer profile and email status are edited in place", async ({
    page,
    request,
    javaScriptEnabled,
  }, testInfo) => {
    const store = await createStore(request, unique("Fans", testInfo));
    const fan = await addFan(request, store, { email: "ada@example.com", name: "Ada" });
    await open(page, `${fansPath(store)}/${fan}`, javaScriptEnabled);
    if (javaScriptEnabled) await markDocument(page);

    await page.getByLabel("DAW").selectOption("ableton_live");
    await page.getByLabel("House").check();
    await page.getByLabel("Skill level").selectOption("pro");
    await page.getByLabel("Goals").fill("Play Berghain");
    await page.getByRole("button", { name: "Save profile" }).click();
    await expect(page.getByRole("list", { name: "Activity" })).toContainText(
      "Profile edited: DAW, genres, skill, goals",
    );
    await expect(page.getByText("Profile saved.")).toBeVisible();
    await page.getByRole("combobox", { name: "Email status" }).selectOption("unsubscribed");
    await page.getByRole("button", { name: "Update status" }).click();
    await expect(page.getByRole("list", { name: "Activity" })).toContainText(
      "Email status: Unsubscribed",
    );
    // Each form reports its own save; the earlier one's notice is gone.
    await expect(page.getByText("Email status updated.")).toBeVisible();
    await expect(page.getByText("Profile saved.")).toHaveCount(0);
    if (javaScriptEnabled) expect(await documentIsMarked(page)).toBe(true);

    await page.reload();
    await expect(page.getByLabel("DAW")).toHaveValue("ableton_live");
    await expect(page.getByLabel("House")).toBeChecked();
    await expect(page.getByLabel("Skill level")).toHaveValue("pro");
    await expect(page.getByLabel("Goals")).toHaveValue("Play Berghain");
    await expect(page.getByRole("combobox", { name: "Email status" })).toHaveValue("unsubscribed");
  });

  test.describe(() => {
    // The erased fan's profile answers 404, which Chromium logs.
    test.use({ allowedConsoleErrors: [NOT_FOUND_LOGGED] });

    test("erasing a fan needs their email typed", async ({
      page,
      request,
      javaScriptEnabled,
    }, testInfo) => {
      const store = await createStore(request, unique("Fans", testInfo));
      const fan = await addFan(request, store, { email: "ada@example.com", name: "Ada" });
      await open(page, `${fansPath(store)}/${fan}`, javaScriptEnabled);

      await page.getByLabel("Type the fan's email to confirm").fill("someone@else.com");
      await page.getByRole("button", { name: "Erase fan" }).click();
      await expect(page.locator("#erase-confirm-error")).toHaveText(
        "Type the fan's email address exactly to confirm.",
      );
      await open(page, `${fansPath(store)}/${fan}`, javaScriptEnabled);
      await expect(page.getByRole("heading", { level: 1, name: "Ada" })).toBeVisible();

      await page.getByLabel("Type the fan's email to confirm").fill("ada@example.com");
      await page.getByRole("button", { name: "Erase fan" }).click();
      await expect(page).toHaveURL(new RegExp(`/store/${store}/contacts$`));
      await expect(page.getByText("No fans yet")).toBeVisible();
      const gone = await open(page, `${fansPath(store)}/${fan}`, javaScriptEnabled);
      expect(gone?.status()).toBe(404);
    });
  });
});

test.describe("fans: tags page", () => {
  test("tags are listed with counts, open the fans, merge on rename and delete after a confirmation", async ({
    page,
    request,
    javaScriptEnabled,
  }, testInfo) => {
    const store = await createStore(request, unique("Fans", testInfo));
    await addFan(request, store, { email: "a@example.com", name: "A", tags: "lofi" });
    await addFan(request, store, { email: "b@example.com", name: "B", tags: "Lo-Fi" });
    await sellNewCourse(request, store, "c@example.com", "Drum Kit", "20");

    await open(page, `/store/${store}/tags`, javaScriptEnabled);
    const table = page.getByRole("table", { name: "Tags" });
    await expect(table.locator("tbody tr")).toHaveCount(3);
    // The customer tag is Encore's: shown, but not renamed or deleted by hand.
    await expect(table.getByRole("link", { name: "customer", exact: true })).toBeVisible();
    await expect(page.getByRole("link", { name: "Rename tag customer" })).toHaveCount(0);

    await page.getByRole("link", { name: "Rename tag lofi" }).click();
    await page.getByLabel("New name for lofi").fill("LO-FI");
    await page.getByRole("button", { name: "Save name" }).click();
    await expect(page.getByRole("status")).toHaveText("Tag renamed to Lo-Fi.");
    await expect(table.locator("tbody tr")).toHaveCount(2);
    await expect(table.getByRole("row", { name: /Lo-Fi/ })).toContainText("2 fans");

    await table.getByRole("link", { name: "Lo-Fi", exact: true }).click();
    await expect(page).toHaveURL(new RegExp(`/store/${store}/contacts\\?any=Lo-Fi$`));
    await expectFans(page, "2 fans", ["A", "B"]);

    await open(page, `/store/${store}/tags`, javaScriptEnabled);
    await page.getByRole("link", { name: "Delete tag Lo-Fi" }).click();
    await expect(page.getByText("Delete tag Lo-Fi? It comes off 2 fans.")).toBeVisible();
    await page.getByRole("button", { name: "Delete tag" }).click();
    await expect(page.getByRole("status")).toHaveText("Tag Lo-Fi deleted.");
    await expect(page.getByRole("table", { name: "Tags" }).locator("tbody tr")).toHaveCount(1);
  });
});

test.describe("fans: user text is text", () => {
  test("a fan's name and goals with markup render as text everywhere", async ({
    page,
    javaScriptEnabled,
    request,
  }, testInfo) => {
    const dialogs = collectDialogs(page);
    const evil = "Mo </title></textarea><script>alert(1)</script><img src=x onerror=alert(1)>";
    const store = await createStore(request, unique("Fans", testInfo));

    await open(page, `${fansPath(store)}/new`, javaScriptEnabled);
    await page.getByLabel("Email").fill("mo@example.com");
    await page.getByLabel("Name").fill(evil);
    await page.getByLabel("Goals").fill(evil);
    await page.getByLabel("Tags").fill("<b>bold</b>");
    await page.getByRole("button", { name: "Add fan" }).click();

    await expect(page.getByRole("heading", { level: 1 })).toHaveText(evil);
    await expect(page.getByLabel("Name")).toHaveValue(evil);
    await expect(page.getByLabel("Goals")).toHaveValue(evil);
    await expect(page.getByRole("list", { name: "Tags of this fan" })).toContainText("<b>bold</b>");
    await expect(page).toHaveTitle(`${evil} · Encore`);
    const profile = page.url();

    await open(page, fansPath(store), javaScriptEnabled);
    await expect(page.getByRole("link", { name: evil })).toBeVisible();
    await expect(page.getByRole("checkbox", { name: `Select ${evil}` })).toBeVisible();
    await page.getByRole("checkbox", { name: `Select ${evil}` }).check();
    await page.getByLabel("Tag", { exact: true }).fill("<script>alert(2)</script>");
    await page.getByRole("button", { name: "Add tag" }).click();
    await expect(
      page.getByRole("heading", { name: "Add tag <script>alert(2)</script> to 1 fan?" }),
    ).toBeVisible();
    await page.getByRole("button", { name: "Add tag" }).click();
    await expect(page.getByRole("status")).toHaveText(
      "Tag <script>alert(2)</script> added to 1 fan.",
    );

    await open(page, `/store/${store}/tags`, javaScriptEnabled);
    await expect(page.getByRole("link", { name: "<script>alert(2)</script>", exact: true })).toBeVisible();
    await open(page, profile, javaScriptEnabled);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(evil);

    await expect(page.locator('img[src="x"]')).toHaveCount(0);
    expect(dialogs).toEqual([]);
  });
});
