import { expect, type APIRequestContext } from "@playwright/test";

// Fast set-up through the same server functions the pages post to (their JSON answers),
// so each test gets its own store and can run in parallel with the others.

export async function createStore(request: APIRequestContext, name: string): Promise<number> {
  const response = await request.post("/api/stores/create", { form: { name, currency: "USD" } });
  expect(response.ok(), await response.text()).toBe(true);
  return (await response.json()).id;
}

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

export async function recordPurchase(
  request: APIRequestContext,
  storeId: number,
  productId: number,
  email: string,
  amount: string,
  key: string,
) {
  const response = await request.post("/api/customers/record_purchase", {
    form: {
      store_id: String(storeId),
      request_key: key,
      email,
      name: "",
      product_id: String(productId),
      amount,
    },
  });
  expect(response.ok(), await response.text()).toBe(true);
  return response.json();
}
