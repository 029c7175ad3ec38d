// Recalls end to end: fan-out to every unit wherever it is, the ledger event, effectiveness, closing, permissions.
import { count, eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app";
import { type Cast, makeCast, makeOrg } from "../../../test/factories";
import { type SeededLot, seedLot } from "../../../test/seed";
import { events, items, lots, recalls } from "../../db/schema";
import { RecalledUnitPage, RecallPage, RecallReport } from "./schemas";
import { RECALLING } from "./service";

let t: TestApp;
let cast: Cast;
beforeAll(async () => {
  t = await createTestApp();
  cast = await makeCast(t);
});
afterAll(() => t.close());

async function event(key: string, json: Record<string, unknown>) {
  const res = await t.request("POST", "/v1/events", { key, json });
  expect(res.status, await res.clone().text()).toBe(201);
}

/** Six units of one lot: at the producer, with the seller, in transit, delivered, returned, destroyed. */
async function spreadLot(): Promise<SeededLot> {
  const lot = await seedLot(t, cast.producer, { count: 6 });
  const keys = lot.items.map((i) => i.key);
  await event(cast.seller.key, {
    kind: "listing",
    code: lot.gtin,
    shopName: "s",
    listingUrl: "https://s.example/1",
    price: 1,
  });
  await event(cast.seller.key, { kind: "sale", items: keys.slice(1, 5), orderNumber: "O-1" });
  await event(cast.producer.key, {
    kind: "dispatch",
    items: keys.slice(2, 4),
    waybill: "SF1",
    carrierOrgId: cast.logistics.org.id,
    parcelWeightGrams: 5000,
    destinationRegion: "330106",
  });
  await event(cast.logistics.key, { kind: "sign_off", items: [keys[3]], waybill: "SF1" });
  await event(cast.seller.key, { kind: "return", items: [keys[4]], reason: "七天无理由" });
  await event(cast.producer.key, { kind: "destroy", items: [keys[5]], reason: "破损" });
  return lot;
}

const recallBody = (product: string, lots?: string[]) => ({
  product,
  ...(lots ? { lots } : {}),
  level: "I",
  reason: "毒死蜱残留超标",
  instructions: "请停止食用，联系购买店铺退货退款",
  contacts: "召回热线 400-000-0000",
});

async function recall(body: unknown, key = cast.producer.key) {
  const res = await t.request("POST", "/v1/recalls", { key, json: body });
  const json = (await res.json()) as Record<string, unknown>;
  expect(res.status, JSON.stringify(json)).toBe(201);
  return RecallReport.parse(json);
}

const counts = async () => ({
  events: (await t.db.select({ n: count() }).from(events))[0]!.n,
  recalls: (await t.db.select({ n: count() }).from(recalls))[0]!.n,
  recalledItems: (await t.db.select({ n: count() }).from(items).where(eq(items.recalled, true)))[0]!
    .n,
});

describe("recalling a lot", () => {
  it("recalls every unit wherever it is and reports where they are", async () => {
    const lot = await spreadLot();
    const report = await recall(recallBody(lot.gtin, [`(01)${lot.gtin}(10)${lot.lot}`]));
    expect(report.status).toBe("open");
    expect(report.lots).toEqual([{ key: lot.lotKey, lot: lot.lot }]);
    expect(report.wholeProduct).toBe(false);

    const rows = await t.db.select().from(items).where(eq(items.lotId, lot.lotId));
    expect(rows.every((r) => r.recalled)).toBe(true);
    expect((await t.db.select().from(lots).where(eq(lots.id, lot.lotId)))[0]!.recalled).toBe(true);

    const [stored] = await t.db.select().from(events).where(eq(events.id, report.event!.id));
    expect(stored!.kind).toBe("recall");
    expect(stored!.document).toMatchObject({
      action: "OBSERVE",
      bizStep: RECALLING,
      disposition: "recalled",
      persistentDisposition: { set: ["recalled"] },
      quantityList: [{ epcClass: `https://id.gs1.org${lot.lotKey}` }],
      "zs:recallId": report.id,
      "zs:recallLevel": "I",
    });

    expect(report.effectiveness.total).toBe(6);
    expect(report.effectiveness.byCategory).toEqual({
      at_producer: 1,
      with_seller: 1,
      in_transit: 1,
      delivered: 1,
      returned: 1,
      destroyed: 1,
    });
    expect(report.effectiveness.removedFromMarket).toBe(2);
    expect(report.effectiveness.stillWithConsumersOrInMarket).toBe(3);
    const holders = report.effectiveness.holders!;
    const inTransit = holders.find((h) => h.category === "in_transit");
    expect(inTransit?.custodian?.id).toBe(cast.logistics.org.id);
    expect(inTransit?.custodian?.uscc).toBe(cast.logistics.org.uscc);
    expect(holders.find((h) => h.category === "delivered")?.custodian).toBeNull();
    expect(holders.find((h) => h.category === "returned")?.custodian?.id).toBe(cast.seller.org.id);

    const anonymous = RecallReport.parse(
      await (await t.request("GET", `/v1/recalls/${report.id}`)).json(),
    );
    expect(anonymous.effectiveness.total).toBe(6);
    expect(anonymous.effectiveness.holders).toBeNull();
    const regulator = RecallReport.parse(
      await (
        await t.request("GET", `/v1/recalls/${report.id}`, { key: cast.regulator.key })
      ).json(),
    );
    expect(regulator.effectiveness.holders).not.toBeNull();
  });

  it("refuses sales of recalled units and commissioning into a recalled lot", async () => {
    const lot = await seedLot(t, cast.producer, { count: 2 });
    await event(cast.seller.key, {
      kind: "listing",
      code: lot.gtin,
      shopName: "s",
      listingUrl: "https://s.example/1",
      price: 1,
    });
    await recall(recallBody(lot.gtin, [lot.lotKey]));
    const sale = await t.request("POST", "/v1/events", {
      key: cast.seller.key,
      json: { kind: "sale", items: [lot.items[0]!.key], orderNumber: "O-9" },
    });
    expect(sale.status).toBe(409);
    expect(((await sale.json()) as { rule: string }).rule).toBe("recalled_not_sold");
    const more = await t.request("POST", `/v1/products/${lot.gtin}/lots/${lot.lot}/items`, {
      key: cast.producer.key,
      json: { count: 1 },
    });
    expect(more.status).toBe(409);
  });

  it("lets organisations list the recalled units in their custody, or that they sold", async () => {
    const lot = await spreadLot();
    await recall(recallBody(lot.gtin, [lot.lotKey]));
    const page = async (key: string, query = "") =>
      RecalledUnitPage.parse(
        await (await t.request("GET", `/v1/me/recalled-units${query}`, { key })).json(),
      ).items.filter((u) => u.lot.key === lot.lotKey);
    expect((await page(cast.logistics.key)).map((u) => u.key)).toEqual([lot.items[2]!.key]);
    expect((await page(cast.seller.key)).map((u) => u.state)).toEqual(["returned"]);
    expect((await page(cast.seller.key, "?relation=sold")).map((u) => u.key)).toEqual(
      lot.items.slice(1, 5).map((i) => i.key),
    );
    const held = await page(cast.producer.key);
    expect(held.map((u) => u.key)).toEqual(lot.items.slice(0, 2).map((i) => i.key));
    expect(held[0]!.recalls).toHaveLength(1);
    const first = RecalledUnitPage.parse(
      await (
        await t.request("GET", "/v1/me/recalled-units?relation=sold&limit=2", {
          key: cast.seller.key,
        })
      ).json(),
    );
    expect(first.items).toHaveLength(2);
    expect(first.next).not.toBeNull();
  });

  it("recalls a whole product: every lot, and nothing of other products", async () => {
    const a = await seedLot(t, cast.producer, { count: 2 });
    const b = await seedLot(t, cast.producer, { count: 3, gtin: a.gtin });
    const other = await seedLot(t, cast.producer, { count: 1 });
    const report = await recall(recallBody(`https://example.cn/01/${a.gtin}`));
    expect(report.wholeProduct).toBe(true);
    expect(report.lots.map((l) => l.key).sort()).toEqual([a.lotKey, b.lotKey].sort());
    expect(report.effectiveness.total).toBe(5);
    const otherItems = await t.db.select().from(items).where(eq(items.lotId, other.lotId));
    expect(otherItems.some((i) => i.recalled)).toBe(false);
    const listed = RecallPage.parse(
      await (
        await t.request("GET", `/v1/recalls?code=${encodeURIComponent(b.items[0]!.key)}`)
      ).json(),
    );
    expect(listed.items.map((r) => r.id)).toEqual([report.id]);
    const none = RecallPage.parse(
      await (await t.request("GET", `/v1/recalls?code=${other.gtin}`)).json(),
    );
    expect(none.items).toEqual([]);
  });

  it("lets a regulator recall anyone's product", async () => {
    const lot = await seedLot(t, cast.producer, { count: 1 });
    const report = await recall(recallBody(lot.gtin), cast.regulator.key);
    expect(report.initiatedBy.id).toBe(cast.regulator.org.id);
  });
});

describe("refused recalls write nothing", () => {
  async function refused(key: string | undefined, body: unknown, status: number) {
    const before = await counts();
    const res = await t.request("POST", "/v1/recalls", { key, json: body });
    expect(res.status, await res.clone().text()).toBe(status);
    expect(res.headers.get("content-type")).toMatch(/problem\+json/);
    expect(await counts()).toEqual(before);
    return (await res.json()) as { code: string; errors?: { path: string; code?: string }[] };
  }

  it("refuses a seller, and a producer recalling someone else's product", async () => {
    const lot = await seedLot(t, cast.producer, { count: 1 });
    expect((await refused(cast.seller.key, recallBody(lot.gtin), 403)).code).toBe("forbidden");
    const rival = await makeOrg(t, ["producer"], { nameZh: "别家合作社" });
    expect((await refused(rival.key, recallBody(lot.gtin), 403)).code).toBe("forbidden");
    expect((await refused(cast.inspector.key, recallBody(lot.gtin), 403)).code).toBe("forbidden");
    await refused(undefined, recallBody(lot.gtin), 401);
  });

  it("names a lot of another product, an unknown lot and a malformed code", async () => {
    const lot = await seedLot(t, cast.producer, { count: 1 });
    const other = await seedLot(t, cast.producer, { count: 1 });
    const body = await refused(
      cast.producer.key,
      recallBody(lot.gtin, [other.lotKey, `/01/${lot.gtin}/10/NOPE`, lot.gtin]),
      422,
    );
    expect(body.errors?.map((e) => [e.path, e.code])).toEqual([
      ["json.lots.0", "other_product"],
      ["json.lots.2", "not_a_lot"],
    ]);
    const unknown = await refused(
      cast.producer.key,
      recallBody(lot.gtin, [`/01/${lot.gtin}/10/NOPE`]),
      422,
    );
    expect(unknown.errors?.[0]?.code).toBe("unknown_lot");
    await refused(cast.producer.key, recallBody("06901234567890"), 422);
    await refused(cast.producer.key, { ...recallBody(lot.gtin), level: "IV" }, 422);
  });
});

describe("closing a recall", () => {
  async function close(id: string, json: unknown, key = cast.producer.key) {
    return t.request("POST", `/v1/recalls/${id}/close`, { key, json });
  }

  it("records a completed recall, keeps its units recalled, and closes once", async () => {
    const lot = await seedLot(t, cast.producer, { count: 2 });
    const report = await recall(recallBody(lot.gtin, [lot.lotKey]));
    expect((await close(report.id, { reason: "x" }, cast.seller.key)).status).toBe(403);
    const res = await close(report.id, { reason: "已全部退回销毁" });
    expect(res.status).toBe(200);
    const closed = RecallReport.parse(await res.json());
    expect(closed.status).toBe("closed");
    expect(closed.closed).toMatchObject({
      reason: "已全部退回销毁",
      outcome: "completed",
      by: cast.producer.org.id,
    });
    const rows = await t.db.select().from(items).where(eq(items.lotId, lot.lotId));
    expect(rows.every((r) => r.recalled)).toBe(true);
    const again = await close(report.id, { reason: "again" });
    expect(again.status).toBe(409);
    const [row] = await t.db.select().from(recalls).where(eq(recalls.id, report.id));
    const [ev] = await t.db.select().from(events).where(eq(events.id, row!.closedEventId!));
    expect(ev!.kind).toBe("recall_closed");
    expect((await close("rcl_nope", { reason: "x" })).status).toBe(404);
  });

  it("lifts a withdrawn recall, except where another open recall still holds the lot", async () => {
    const a = await seedLot(t, cast.producer, { count: 2 });
    const b = await seedLot(t, cast.producer, { count: 2, gtin: a.gtin });
    const mistaken = await recall(recallBody(a.gtin, [a.lotKey, b.lotKey]));
    await recall(recallBody(a.gtin, [b.lotKey]), cast.regulator.key);
    const res = await close(mistaken.id, { reason: "批次号填错", outcome: "withdrawn" });
    expect(res.status).toBe(200);
    const flags = await t.db
      .select({ id: lots.id, recalled: lots.recalled })
      .from(lots)
      .where(inArray(lots.id, [a.lotId, b.lotId]));
    expect(Object.fromEntries(flags.map((f) => [f.id, f.recalled]))).toEqual({
      [a.lotId]: false,
      [b.lotId]: true,
    });
    const aItems = await t.db.select().from(items).where(eq(items.lotId, a.lotId));
    expect(aItems.some((i) => i.recalled)).toBe(false);
    const [row] = await t.db.select().from(recalls).where(eq(recalls.id, mistaken.id));
    const [ev] = await t.db.select().from(events).where(eq(events.id, row!.closedEventId!));
    expect(ev!.document["zs:releasedLots"]).toEqual([a.lotKey]);
  });
});
