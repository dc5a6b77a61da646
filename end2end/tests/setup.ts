// Set-up for every spec: each test fills a store of its own through the same server
// functions the pages post to (their JSON answers), so tests can run in parallel against
// one database.
import { expect, type APIRequestContext } from "@playwright/test";

/** Creates a store; returns its id. */
export async function createStore(
  request: APIRequestContext,
  name: string,
  currency = "USD",
): Promise<number> {
  const response = await request.post("/api/stores/create", { form: { name, currency } });
  expect(response.ok(), await response.text()).toBe(true);
  return (await response.json()).id;
}

/** Adds a product to the catalogue; returns its id. `price` in the store's currency. */
export async function createProduct(
  request: APIRequestContext,
  storeId: number,
  name: string,
  kind: string,
  price: string,
): Promise<number> {
  const response = await request.post("/api/products/create", {
    form: { store_id: String(storeId), name, kind, price },
  });
  expect(response.ok(), await response.text()).toBe(true);
  return (await response.json()).id;
}

/** Records a manual sale the way the "Record purchase" form does; returns the receipt. */
export async function recordPurchase(
  request: APIRequestContext,
  storeId: number,
  productId: number,
  email: string,
  amount: string,
  key: string,
  customerName = "",
) {
  const response = await request.post("/api/customers/record_purchase", {
    form: {
      store_id: String(storeId),
      request_key: key,
      email,
      name: customerName,
      product_id: String(productId),
      amount,
    },
  });
  expect(response.ok(), await response.text()).toBe(true);
  return response.json();
}

/** Records a sale of a new course called `productName` at `price`; returns the receipt. */
export async function sellNewCourse(
  request: APIRequestContext,
  storeId: number,
  email: string,
  productName: string,
  price: string,
  customerName = "",
) {
  const productId = await createProduct(request, storeId, productName, "course", price);
  const key = `e2e-${Math.random().toString(36).slice(2)}`;
  return recordPurchase(request, storeId, productId, email, price, key, customerName);
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

export const fansPath = (storeId: number) => `/store/${storeId}/contacts`;

/** Saves a campaign draft the way the "New campaign" form does; returns its id. */
export async function createCampaign(
  request: APIRequestContext,
  storeId: number,
  subject: string,
  body: string,
  audience = "",
): Promise<number> {
  const response = await request.post("/api/campaigns/create", {
    form: { store_id: String(storeId), subject, preheader: "", from_name: "", body, audience },
  });
  expect(response.ok(), await response.text()).toBe(true);
  return response.json();
}
