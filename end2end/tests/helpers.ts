import { expect, type Page, type TestInfo } from "@playwright/test";

/** Opens `path` and, when JavaScript is on, waits until the page is hydrated. */
export async function open(page: Page, path: string, javaScriptEnabled: boolean) {
  const response = await page.goto(path);
  if (javaScriptEnabled) {
    await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  }
  return response;
}

/** A name no other test (or earlier run against the same database) has used. */
export function unique(label: string, testInfo: TestInfo): string {
  const project = testInfo.project.name;
  const random = Math.random().toString(36).slice(2, 8);
  return `${label} ${project} ${random}`;
}

/** Marks the current document so a later check can tell whether the page was reloaded. */
export async function markDocument(page: Page) {
  await page.evaluate(() => {
    (window as unknown as { __encoreMark: boolean }).__encoreMark = true;
  });
}

export async function documentIsMarked(page: Page): Promise<boolean> {
  return page.evaluate(
    () => (window as unknown as { __encoreMark?: boolean }).__encoreMark === true,
  );
}

/** Records (and dismisses) every dialog the page opens: an `alert` from injected script. */
export function collectDialogs(page: Page): string[] {
  const dialogs: string[] = [];
  page.on("dialog", async (dialog) => {
    dialogs.push(dialog.message());
    await dialog.dismiss();
  });
  return dialogs;
}
