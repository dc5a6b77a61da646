// Set-up for the Fans specs: each test gets a store of its own, filled through the same
// server functions the pages post to, so tests can run in parallel against one database.
import { expect, type APIRequestContext, type TestInfo } from "@playwright/test";
import { unique } from "./helpers";

export async function createStore(
  request: APIRequestContext,
  testInfo: TestInfo,
): Promise<number> {
  const response = await request.post("/api/stores/create", {
    form: { name: unique("Fans", testInfo), currency: "USD" },
  });
  expect(response.ok()).toBe(true);
  return (await response.json()).id;
}

export type NewFan = {
  email: string;
  name?: string;
  daw?: string;
  skill?: string;
  goals?: string;
  /** Comma-separated. */
  tags?: string;
};

/** Adds a fan the way the "Add fan" form does; returns their id. */
export async function addFan(
  request: APIRequestContext,
  storeId: number,
  fan: NewFan,
): Promise<number> {
  const response = await request.post("/api/fans/add", {
    form: {
      store_id: String(storeId),
      email: fan.email,
      name: fan.name ?? "",
      daw: fan.daw ?? "",
      skill: fan.skill ?? "",
      goals: fan.goals ?? "",
      tags: fan.tags ?? "",
    },
  });
  expect(response.ok(), await response.text()).toBe(true);
  return Number(await response.json());
}

/** Records a manual sale of a new course at `price` (dollars) for `email`. */
export async function recordPurchase(
  request: APIRequestContext,
  storeId: number,
  email: string,
  productName: string,
  price: string,
  customerName = "",
) {
  const product = await request.post("/api/products/create", {
    form: { store_id: String(storeId), name: productName, kind: "course", price },
  });
  expect(product.ok(), await product.text()).toBe(true);
  const productId = (await product.json()).id;
  const purchase = await request.post("/api/customers/record_purchase", {
    form: {
      store_id: String(storeId),
      request_key: `e2e-${Math.random().toString(36).slice(2)}`,
      email,
      name: customerName,
      product_id: String(productId),
      amount: price,
    },
  });
  expect(purchase.ok(), await purchase.text()).toBe(true);
  return purchase.json();
}

export const fansPath = (storeId: number) => `/store/${storeId}/contacts`;
