// A day of a big shop: 10,000 rows of sales in one file go in as one commit, or not at all with
// the bad rows named. (Its time is measured by `npm run bench`, not here.)
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app";
import { type Cast, makeCast, makeMember } from "../../../test/factories";
import { type ConsoleAgent, consoleAgent } from "../../../test/helpers/console-agent";
import { listForSale } from "../../../test/seed";
import { items, lots } from "../../db/schema";
import { makeGtin13, productBody, toGtin14 } from "../products/fixtures";

const ROWS = 10_000;
let t: TestApp;
let cast: Cast;
let agent: ConsoleAgent;
let lot: { gtin: string; lotId: string; items: { key: string }[] };

/** A lot of `n` items commissioned through the API, as a producer would. */
async function commissionedLot(n: number) {
  const gtin = toGtin14(makeGtin13());
  const key = cast.producer.key;
  expect(
    (await t.request("POST", "/v1/products", { key, json: productBody({ gtin }) })).status,
  ).toBe(201);
  const made = await t.request("POST", `/v1/products/${gtin}/lots`, {
    key,
    json: { lot: "BIG1", productionDate: "2026-12-01" },
  });
  expect(made.status).toBe(201);
  const items = await t.request("POST", `/v1/products/${gtin}/lots/BIG1/items`, {
    key,
    json: { count: n },
  });
  expect(items.status).toBe(201);
  const csv = await (
    await t.request("GET", `/v1/products/${gtin}/lots/BIG1/items?format=csv`, { key })
  ).text();
  const keys = csv
    .trim()
    .split(/\r?\n/)
    .slice(1)
    .map((line) => line.split(",")[1]!);
  const [row] = await t.db.select().from(lots).where(eq(lots.gtin, gtin));
  return { gtin, lotId: row!.id, items: keys.map((k) => ({ key: k })) };
}

beforeAll(async () => {
  t = await createTestApp();
  cast = await makeCast(t);
  const { email, password } = await makeMember(t, cast.seller.org);
  agent = await consoleAgent(t, email, password);
  lot = await commissionedLot(ROWS);
  await listForSale(t, cast.seller.key, lot.gtin);
}, 120_000);
afterAll(() => t.close());

/** Two items an order, as a shop's export lists them. */
const csv = (keys: string[]) =>
  [
    "orderNumber,item,buyer,price",
    ...keys.map((key, i) => `D${Math.floor(i / 2)},${key},buyer${Math.floor(i / 2) % 97},9.9`),
  ].join("\n");

const sold = () => t.db.$count(items, and(eq(items.lotId, lot.lotId), eq(items.state, "sold")));

describe("a 10,000-row upload of sales", () => {
  it("names the bad rows of the file and writes none of it", async () => {
    const keys = lot.items.map((i) => i.key);
    keys[1234] = `/01/${lot.gtin}/21/UNKNOWN0001`;
    keys[9998] = keys[17]!; // sold twice in the file
    const file = new File([csv(keys)], "day.csv", { type: "text/csv" });
    const res = await agent.submit("/console/sales", "/console/sales/upload", { file });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect([...html.matchAll(/data-line="(\d+)"/g)].map((m) => Number(m[1]))).toEqual([
      // A bad row refuses its whole order: the other row of the same order is named too.
      1236, 1237, 10000, 10001,
    ]);
    expect(await sold()).toBe(0);
  }, 300_000);

  it("commits the whole file as one transaction: every item sold, every receipt on the slip", async () => {
    // The rows as the preview hands them to the commit button (the preview itself is tested above).
    const rows = JSON.stringify(
      lot.items.map((i, n) => [
        n + 2,
        `D${Math.floor(n / 2)}`,
        i.key,
        `buyer${Math.floor(n / 2) % 97}`,
        "9.9",
      ]),
    );
    const res = await agent.submit("/console/sales", "/console/sales/upload", {
      rows,
      commit: "yes",
    });
    expect(res.status).toBe(201);
    const slip = await res.text();
    expect(slip.match(/data-testid="receipt-code"/g)).toHaveLength(ROWS);
    expect(await sold()).toBe(ROWS);
  }, 300_000);
});
