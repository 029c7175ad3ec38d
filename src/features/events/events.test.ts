// The lifecycle API from both sides of every custody rule, with idempotency and concurrency.
import { count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app";
import { type Cast, makeCast, makeOrg, type OrgWithKey } from "../../../test/factories";
import { listProduct, type SeededLot, seedLot } from "../../../test/seed";
import { countStatements } from "../../../test/statements";
import { events, items, listEntries, lots, receipts } from "../../db/schema";
import { History, Recorded } from "./schemas";

let t: TestApp;
let cast: Cast;
beforeAll(async () => {
  t = await createTestApp();
  cast = await makeCast(t);
});
afterAll(() => t.close());

const eventCount = async () => (await t.db.select({ n: count() }).from(events))[0]!.n;

async function post(key: string | undefined, json: unknown) {
  const res = await t.request("POST", "/v1/events", { key, json });
  return {
    res,
    body: (await res.json()) as Record<string, unknown> & {
      code?: string;
      rule?: string;
      detail?: string;
    },
  };
}

async function list(seller: OrgWithKey, lot: SeededLot) {
  await listProduct(t, seller, lot.gtin);
}

async function sell(lot: SeededLot, n = 1, seller = cast.seller) {
  const { res, body } = await post(seller.key, {
    kind: "sale",
    items: lot.items.slice(0, n).map((i) => i.key),
    orderNumber: `O-${Math.random()}`,
    buyerRef: "buyer-1",
  });
  expect(res.status, JSON.stringify(body)).toBe(201);
  return Recorded.parse(body);
}

async function dispatch(lot: SeededLot, n = 1, caller = cast.seller) {
  return post(caller.key, {
    kind: "dispatch",
    items: lot.items.slice(0, n).map((i) => i.key),
    waybill: `SF${Math.floor(Math.random() * 1e10)}`,
    carrierOrgId: cast.logistics.org.id,
    parcelWeightGrams: 2600,
    destinationRegion: "330106",
  });
}

describe("sale", () => {
  it("sells listed items, returns one receipt per item and keeps only hashes", async () => {
    const lot = await seedLot(t, cast.producer, { count: 3 });
    await list(cast.seller, lot);
    const recorded = await sell(lot, 2);
    expect(recorded.event.bizStep).toBe("retail_selling");
    expect(recorded.event.actor?.id).toBe(cast.seller.org.id);
    expect(recorded.receipts).toHaveLength(2);
    expect(recorded.receipts?.[0]?.url).toContain(`${lot.items[0]!.key}?receipt=`);
    const stored = await t.db
      .select()
      .from(receipts)
      .where(eq(receipts.saleEventId, recorded.event.id));
    expect(stored).toHaveLength(2);
    expect(JSON.stringify(stored)).not.toContain(recorded.receipts![0]!.receiptCode);
    const [row] = await t.db.select().from(items).where(eq(items.id, lot.items[0]!.id));
    expect(row?.state).toBe("sold");
    expect(row?.sellerOrgId).toBe(cast.seller.org.id);
  });

  it("sells an item in six statements: key, begin, lock with listings, append, receipts, commit", async () => {
    const lot = await seedLot(t, cast.producer, { count: 2 });
    await list(cast.seller, lot);
    const counter = countStatements(t.db);
    try {
      const { res } = await post(cast.seller.key, {
        kind: "sale",
        items: [lot.items[0]!.key, lot.items[1]!.key],
        orderNumber: "counted",
      });
      expect(res.status).toBe(201);
      expect(counter.sent, counter.sent.join("\n")).toHaveLength(5);
      expect(counter.n).toBe(6);
    } finally {
      counter.stop();
    }
  });

  it("sells an item only once unless it is returned", async () => {
    const lot = await seedLot(t, cast.producer);
    await list(cast.seller, lot);
    await sell(lot);
    const { res, body } = await post(cast.seller.key, {
      kind: "sale",
      items: [lot.items[0]!.key],
      orderNumber: "again",
    });
    expect(res.status).toBe(409);
    expect(body.code).toBe("custody_violation");
    expect(body.rule).toBe("sold_once");
    expect(body.item).toBe(lot.items[0]!.key);
    expect(body.state).toBe("sold");
  });

  it("refuses a seller that neither holds nor lists the items", async () => {
    const lot = await seedLot(t, cast.producer);
    const before = await eventCount();
    const { res, body } = await post(cast.seller.key, {
      kind: "sale",
      items: [lot.items[0]!.key],
      orderNumber: "x",
    });
    expect(res.status).toBe(409);
    expect(body.rule).toBe("seller_must_hold_or_list");
    expect(await eventCount()).toBe(before);
  });

  it("lets a producer that also sells sell what it holds", async () => {
    const both = await makeOrg(t, ["producer", "seller"]);
    const lot = await seedLot(t, both);
    await sell(lot, 1, both);
  });

  it("is refused to a logistics company (403 naming the role) and to no key (401)", async () => {
    const lot = await seedLot(t, cast.producer);
    const { res, body } = await post(cast.logistics.key, {
      kind: "sale",
      items: [lot.items[0]!.key],
      orderNumber: "x",
    });
    expect(res.status).toBe(403);
    expect(body.detail).toContain("seller");
    expect(
      (await post(undefined, { kind: "sale", items: [lot.items[0]!.key], orderNumber: "x" })).res
        .status,
    ).toBe(401);
  });

  it("is refused to a black-listed seller, naming the entry", async () => {
    const bad = await makeOrg(t, ["seller"]);
    await t.db.insert(listEntries).values({
      id: "le_test1",
      orgId: bad.org.id,
      list: "black",
      reason: "刷单炒信",
      legalBasis: "电子商务法第十七条",
      authority: "台州市市场监督管理局",
      severity: "serious",
      listedOn: "2026-05-01",
      minPublishUntil: "2027-05-01",
      maxPublishUntil: "2029-05-01",
      decidedByOrgId: cast.regulator.org.id,
      createdAt: t.clock.now(),
    });
    const lot = await seedLot(t, cast.producer);
    const { res, body } = await post(bad.key, {
      kind: "sale",
      items: [lot.items[0]!.key],
      orderNumber: "x",
    });
    expect(res.status).toBe(403);
    expect(body.detail).toContain("black list");
    expect((body.listEntry as { id: string }).id).toBe("le_test1");
  });

  it("refuses recalled items and items of a lot that failed inspection", async () => {
    const lot = await seedLot(t, cast.producer, { count: 2 });
    await list(cast.seller, lot);
    await t.db.update(lots).set({ recalled: true }).where(eq(lots.id, lot.lotId));
    const recalled = await post(cast.seller.key, {
      kind: "sale",
      items: [lot.items[0]!.key],
      orderNumber: "x",
    });
    expect(recalled.res.status).toBe(409);
    expect(recalled.body.rule).toBe("recalled_not_sold");
    await t.db
      .update(lots)
      .set({ recalled: false, nonConforming: true })
      .where(eq(lots.id, lot.lotId));
    const failed = await post(cast.seller.key, {
      kind: "sale",
      items: [lot.items[1]!.key],
      orderNumber: "x",
    });
    expect(failed.body.rule).toBe("non_conforming_not_sold");
  });

  it("fails whole when item keys are unknown, listing every unknown one", async () => {
    const lot = await seedLot(t, cast.producer);
    await list(cast.seller, lot);
    const before = await eventCount();
    const { res, body } = await post(cast.seller.key, {
      kind: "sale",
      items: [lot.items[0]!.key, `/01/${lot.gtin}/21/NOPE1`, `/01/${lot.gtin}/21/NOPE2`],
      orderNumber: "x",
    });
    expect(res.status).toBe(422);
    const errors = body.errors as { path: string; message: string }[];
    expect(errors.map((e) => e.path)).toEqual(["json.items.1", "json.items.2"]);
    expect(await eventCount()).toBe(before);
    const [row] = await t.db.select().from(items).where(eq(items.id, lot.items[0]!.id));
    expect(row?.state).toBe("commissioned");
  });

  it("refuses 100,001 items, an unknown kind, a future time and a time before commissioning", async () => {
    const many = Array.from({ length: 100_001 }, (_, i) => `/01/06901234567892/21/S${i}`);
    expect(
      (await post(cast.seller.key, { kind: "sale", items: many, orderNumber: "x" })).res.status,
    ).toBe(422);
    expect((await post(cast.seller.key, { kind: "teleport", items: ["x"] })).res.status).toBe(422);
    const lot = await seedLot(t, cast.producer);
    await list(cast.seller, lot);
    const future = new Date(t.clock.now().getTime() + 3_600_000).toISOString();
    const late = await post(cast.seller.key, {
      kind: "sale",
      items: [lot.items[0]!.key],
      orderNumber: "x",
      eventTime: future,
    });
    expect(late.res.status).toBe(422);
    expect((late.body.errors as { path: string }[])[0]?.path).toBe("json.eventTime");
    const early = await post(cast.seller.key, {
      kind: "sale",
      items: [lot.items[0]!.key],
      orderNumber: "x",
      eventTime: "2020-01-01T00:00:00+08:00",
    });
    expect(early.res.status).toBe(422);
  });

  it("stores the same event once and answers a retry with the stored event", async () => {
    const lot = await seedLot(t, cast.producer);
    await list(cast.seller, lot);
    const body = {
      kind: "sale",
      items: [lot.items[0]!.key],
      orderNumber: "IDEM-1",
      eventTime: t.clock.now().toISOString(),
    };
    const first = await post(cast.seller.key, body);
    expect(first.res.status).toBe(201);
    const before = await eventCount();
    const second = await post(cast.seller.key, body);
    expect(second.res.status).toBe(200);
    expect(second.body.duplicate).toBe(true);
    expect((second.body.event as { id: number }).id).toBe((first.body.event as { id: number }).id);
    expect(await eventCount()).toBe(before);
  });

  it("sells a lot quantity, up to what the lot holds", async () => {
    const lot = await seedLot(t, cast.producer, { count: 0 });
    await list(cast.seller, lot);
    const ok = await post(cast.seller.key, {
      kind: "sale",
      lot: { code: lot.lotKey, quantity: 600 },
      orderNumber: "B2B-1",
    });
    expect(ok.res.status).toBe(201);
    const over = await post(cast.seller.key, {
      kind: "sale",
      lot: { code: lot.lotKey, quantity: 500 },
      orderNumber: "B2B-2",
    });
    expect(over.res.status).toBe(409);
    expect(over.body.rule).toBe("lot_quantity_exceeded");
  });
});

describe("dispatch and sign-off", () => {
  it("follows custody: custodian dispatches to a carrier, the carrier signs off", async () => {
    const lot = await seedLot(t, cast.producer, { count: 2 });
    await list(cast.seller, lot);
    await sell(lot, 1);
    // The seller sold from the producer's stock; only the producer (custodian) or the carrier dispatches.
    const bySeller = await dispatch(lot, 1, cast.seller);
    expect(bySeller.res.status).toBe(409);
    expect(bySeller.body.rule).toBe("only_custodian_dispatches");
    const unsold = await post(cast.producer.key, {
      kind: "dispatch",
      items: [lot.items[1]!.key],
      waybill: "SF1",
      carrierOrgId: cast.logistics.org.id,
      parcelWeightGrams: 2600,
      destinationRegion: "330106",
    });
    expect(unsold.body.rule).toBe("dispatch_needs_sale");
    const signEarly = await post(cast.logistics.key, {
      kind: "sign_off",
      items: [lot.items[0]!.key],
    });
    expect(signEarly.res.status).toBe(409);
    expect(signEarly.body.rule).toBe("sign_off_needs_dispatch");
    const ok = await dispatch(lot, 1, cast.producer);
    expect(ok.res.status, JSON.stringify(ok.body)).toBe(201);
    const [moving] = await t.db.select().from(items).where(eq(items.id, lot.items[0]!.id));
    expect([moving?.state, moving?.custodianOrgId]).toEqual(["dispatched", cast.logistics.org.id]);
    const otherCarrier = await makeOrg(t, ["logistics"]);
    const wrong = await post(otherCarrier.key, { kind: "sign_off", items: [lot.items[0]!.key] });
    expect(wrong.body.rule).toBe("only_carrier_signs_off");
    const signed = await post(cast.logistics.key, {
      kind: "sign_off",
      items: [lot.items[0]!.key],
      waybill: "SF1",
    });
    expect(signed.res.status).toBe(201);
    const [done] = await t.db.select().from(items).where(eq(items.id, lot.items[0]!.id));
    expect([done?.state, done?.custodianOrgId]).toEqual(["delivered", null]);
  });

  it("dispatches 5,000 items in one event", async () => {
    const both = await makeOrg(t, ["producer", "seller"]);
    const lot = await seedLot(t, both, { count: 5000 });
    await sell(lot, 5000, both);
    const res = await dispatch(lot, 5000, both);
    expect(res.res.status).toBe(201);
    expect(res.body.affected).toBe(5000);
  });

  it("lets the buyer confirm receipt once with the receipt code", async () => {
    const lot = await seedLot(t, cast.producer);
    await list(cast.seller, lot);
    const sale = await sell(lot);
    const code = sale.receipts![0]!.receiptCode;
    const tooEarly = await t.request("POST", "/v1/receipts/confirm", {
      json: { item: lot.items[0]!.key, receiptCode: code },
    });
    expect(tooEarly.status).toBe(409);
    await dispatch(lot, 1, cast.producer);
    const wrong = await t.request("POST", "/v1/receipts/confirm", {
      json: { item: lot.items[0]!.key, receiptCode: "WRONGCODE234" },
    });
    expect(wrong.status).toBe(404);
    const ok = await t.request("POST", "/v1/receipts/confirm", {
      json: { item: lot.items[0]!.key, receiptCode: code },
    });
    expect(ok.status).toBe(201);
    const recorded = Recorded.parse(await ok.json());
    expect(recorded.event.actor).toBeNull();
    expect(recorded.event.document["zs:confirmedBy"]).toBe("buyer");
    const again = await t.request("POST", "/v1/receipts/confirm", {
      json: { item: lot.items[0]!.key, receiptCode: code },
    });
    expect(again.status).toBe(409);
  });
});

describe("return and destroy", () => {
  it("returns to the seller, closes the receipt, and allows a new sale", async () => {
    const lot = await seedLot(t, cast.producer);
    await list(cast.seller, lot);
    const sale = await sell(lot);
    const byOther = await post(cast.producer.key, {
      kind: "return",
      items: [lot.items[0]!.key],
      reason: "x",
    });
    expect(byOther.res.status).toBe(403);
    const ret = await post(cast.seller.key, {
      kind: "return",
      items: [lot.items[0]!.key],
      reason: "七天无理由退货",
    });
    expect(ret.res.status).toBe(201);
    const [closed] = await t.db
      .select()
      .from(receipts)
      .where(eq(receipts.saleEventId, sale.event.id));
    expect(closed?.closedAt).not.toBeNull();
    await sell(lot);
  });

  it("makes destroyed final", async () => {
    const lot = await seedLot(t, cast.producer);
    const byStranger = await post(cast.logistics.key, {
      kind: "destroy",
      items: [lot.items[0]!.key],
      reason: "x",
    });
    expect(byStranger.body.rule).toBe("only_custodian_destroys");
    expect(
      (
        await post(cast.producer.key, {
          kind: "destroy",
          items: [lot.items[0]!.key],
          reason: "过期销毁",
        })
      ).res.status,
    ).toBe(201);
    await list(cast.seller, lot);
    const after = await post(cast.seller.key, {
      kind: "sale",
      items: [lot.items[0]!.key],
      orderNumber: "x",
    });
    expect(after.body.rule).toBe("destroyed_is_final");
    const again = await post(cast.producer.key, {
      kind: "destroy",
      items: [lot.items[0]!.key],
      reason: "again",
    });
    expect(again.body.rule).toBe("destroyed_is_final");
  });
});

describe("history", () => {
  it("lists an item's events in time order with each actor's identity", async () => {
    const lot = await seedLot(t, cast.producer);
    await list(cast.seller, lot);
    t.clock.advance(60_000);
    await sell(lot);
    t.clock.advance(60_000);
    await dispatch(lot, 1, cast.producer);
    const res = await t.request("GET", `/v1/history${lot.items[0]!.key}`);
    expect(res.status).toBe(200);
    const history = History.parse(await res.json());
    expect(history.events.map((e) => e.kind)).toEqual(["commission", "sale", "dispatch"]);
    expect(history.events[0]?.actor?.uscc).toBe(cast.producer.org.uscc);
    const lotHistory = History.parse(
      await (await t.request("GET", `/v1/history${lot.lotKey}`)).json(),
    );
    expect(lotHistory.events.map((e) => e.kind)).toEqual(["commission", "sale", "dispatch"]);
    const bad = await t.request("GET", "/v1/history/01/06901234567890");
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { detail: string }).detail).toMatch(/check digit/);
  });
});

describe("concurrency", () => {
  it("lets exactly one of 50 simultaneous sales of one item succeed", async () => {
    const lot = await seedLot(t, cast.producer);
    await list(cast.seller, lot);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        t.request("POST", "/v1/events", {
          key: cast.seller.key,
          json: { kind: "sale", items: [lot.items[0]!.key], orderNumber: `RACE-${i}` },
        }),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(49);
    const sales = await t.db
      .select({ n: count() })
      .from(receipts)
      .where(eq(receipts.itemId, lot.items[0]!.id));
    expect(sales[0]?.n).toBe(1);
  });
});

describe("commissioning through the products API", () => {
  it("records one commissioning event with every item, in the same transaction as the items", async () => {
    const gtin = "06901234567892";
    const product = await t.request("POST", "/v1/products", {
      key: cast.producer.key,
      json: {
        gtin,
        nameZh: "黄岩蜜橘",
        category: "edible_agricultural",
        specification: "5 kg/箱",
        netWeightGrams: 5000,
        originRegion: "331003",
      },
    });
    expect(product.status, await product.clone().text()).toBe(201);
    const lot = await t.request("POST", `/v1/products/${gtin}/lots`, {
      key: cast.producer.key,
      json: { lot: "HY2026A", productionDate: "2026-05-20", quantity: 100 },
    });
    expect(lot.status, await lot.clone().text()).toBe(201);
    const made = await t.request("POST", `/v1/products/${gtin}/lots/HY2026A/items`, {
      key: cast.producer.key,
      json: { count: 3 },
    });
    expect(made.status).toBe(201);
    const body = (await made.json()) as { items: { key: string }[] };
    const history = History.parse(
      await (await t.request("GET", `/v1/history${body.items[0]!.key}`)).json(),
    );
    expect(history.events.map((e) => [e.kind, e.bizStep, e.action])).toEqual([
      ["commission", "commissioning", "ADD"],
    ]);
    expect(history.events[0]!.document.epcList).toHaveLength(3);
    const lotHistory = History.parse(
      await (await t.request("GET", `/v1/history/01/${gtin}/10/HY2026A`)).json(),
    );
    expect(lotHistory.events).toHaveLength(1);
  });
});
