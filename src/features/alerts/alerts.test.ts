// Alerts end to end: rules firing as lifecycle events arrive, the periodic pass, the queue and the thresholds.
import { and, count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app";
import { type Cast, makeCast, makeOrg, type OrgWithKey } from "../../../test/factories";
import { type SeededLot, seedLot } from "../../../test/seed";
import { type Alert, alerts, events, integritySettings, lots } from "../../db/schema";
import {
  call,
  dispatch,
  insertReviews,
  listLot,
  openReceipts,
  sell,
  signOff,
} from "../credit/trade.fixtures";
import { raiseAlert } from "./raise";
import { AlertPage, AlertView } from "./schemas";
import { DEFAULT_THRESHOLDS } from "./thresholds";

let t: TestApp;
let cast: Cast;
beforeAll(async () => {
  t = await createTestApp();
  cast = await makeCast(t);
});
afterAll(() => t.close());

const HOUR = 3_600_000;

async function alertsOf(kind: Alert["kind"], orgId?: string): Promise<Alert[]> {
  return t.db
    .select()
    .from(alerts)
    .where(and(eq(alerts.kind, kind), orgId ? eq(alerts.orgId, orgId) : undefined));
}

const eventCount = async () => (await t.db.select({ n: count() }).from(events))[0]!.n;
const alertCount = async () => (await t.db.select({ n: count() }).from(alerts))[0]!.n;

/** A fresh seller with a listed lot of `n` items. */
async function sellerWithLot(n = 2): Promise<{ seller: OrgWithKey; lot: SeededLot }> {
  const seller = await makeOrg(t, ["seller"]);
  const lot = await seedLot(t, cast.producer, { count: n });
  await listLot(t, seller, lot);
  return { seller, lot };
}

describe("rules evaluated as events arrive", () => {
  it("raises an empty-parcel alert against the seller, with the dispatch as evidence", async () => {
    const { seller, lot } = await sellerWithLot();
    const key = lot.items[0]!.key;
    await sell(t, seller, [key], "buyer-1");
    const sent = await dispatch(t, cast.producer, cast.logistics, [key], { parcelWeightGrams: 80 });
    expect(sent.status).toBe(201);
    const [alert] = await alertsOf("empty_parcel", seller.org.id);
    expect(alert).toMatchObject({ severity: "high", subjectKey: key, status: "open" });
    expect(alert?.evidence).toEqual([(sent.body.event as { id: number }).id]);
    expect(alert?.details).toMatchObject({ parcelWeightGrams: 80, goodsWeightGrams: 2500 });
  });

  it("raises nothing for a parcel that weighs what its goods do", async () => {
    const { seller, lot } = await sellerWithLot();
    await sell(t, seller, [lot.items[0]!.key], "buyer-1");
    expect((await dispatch(t, cast.producer, cast.logistics, [lot.items[0]!.key])).status).toBe(
      201,
    );
    expect(await alertsOf("empty_parcel", seller.org.id)).toEqual([]);
  });

  it("raises an impossible-transit alert for a sign-off 10 minutes after dispatch to Beijing", async () => {
    const { seller, lot } = await sellerWithLot();
    const key = lot.items[0]!.key;
    await sell(t, seller, [key], "buyer-1");
    const sent = await dispatch(t, cast.producer, cast.logistics, [key], {
      destinationRegion: "110105",
    });
    t.clock.advance(10 * 60_000);
    const signed = await signOff(t, cast.logistics, [key]);
    expect(signed.status).toBe(201);
    const [alert] = await alertsOf("impossible_transit", seller.org.id);
    expect(alert?.evidence).toEqual([
      (sent.body.event as { id: number }).id,
      (signed.body.event as { id: number }).id,
    ]);
    expect(alert?.details).toMatchObject({
      fromRegion: "331003",
      toRegion: "110105",
      proximity: "other_province",
      carrierOrgId: cast.logistics.org.id,
    });
  });

  it("raises nothing for a same-county delivery two hours after dispatch", async () => {
    const { seller, lot } = await sellerWithLot();
    const key = lot.items[0]!.key;
    await sell(t, seller, [key], "buyer-1");
    await dispatch(t, cast.producer, cast.logistics, [key], { destinationRegion: "331003" });
    t.clock.advance(2 * HOUR);
    expect((await signOff(t, cast.logistics, [key])).status).toBe(201);
    expect(await alertsOf("impossible_transit", seller.org.id)).toEqual([]);
  });

  it("refuses a sign-off without dispatch (409, no event) and still raises the alert with the item's history", async () => {
    const carrier = await makeOrg(t, ["logistics"]);
    const { seller, lot } = await sellerWithLot();
    const key = lot.items[0]!.key;
    const sale = await sell(t, seller, [key], "buyer-1");
    const before = await eventCount();
    const refused = await signOff(t, carrier, [key]);
    expect(refused.status).toBe(409);
    expect(refused.body.rule).toBe("sign_off_needs_dispatch");
    expect(await eventCount()).toBe(before);
    const [alert] = await alertsOf("sign_off_without_dispatch", carrier.org.id);
    expect(alert).toMatchObject({ subjectKey: key, status: "open" });
    expect(alert?.evidence).toContain(sale.event.id);
  });

  it("refuses a sale of a recalled lot (409) and raises an alert against the seller, one per lot", async () => {
    const { seller, lot } = await sellerWithLot(3);
    await t.db.update(lots).set({ recalled: true }).where(eq(lots.id, lot.lotId));
    const refused = await call(t, "POST", "/v1/events", seller.key, {
      kind: "sale",
      items: lot.items.map((i) => i.key),
      orderNumber: "R-1",
    });
    expect(refused.status).toBe(409);
    expect(refused.body.rule).toBe("recalled_not_sold");
    const found = await alertsOf("sale_of_recalled", seller.org.id);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ subjectKey: lot.lotKey, severity: "high" });
    expect((found[0]!.details.items as unknown[]).length).toBe(3);
    expect(found[0]!.details.orderNumber).toBe("R-1");
    expect(found[0]!.evidence.length).toBeGreaterThan(0);
  });

  it("refuses a sale from a lot that failed inspection, lot quantities included", async () => {
    const { seller, lot } = await sellerWithLot(1);
    await t.db.update(lots).set({ nonConforming: true }).where(eq(lots.id, lot.lotId));
    const refused = await call(t, "POST", "/v1/events", seller.key, {
      kind: "sale",
      lot: { code: lot.lotKey, quantity: 2 },
      orderNumber: "N-1",
    });
    expect(refused.status).toBe(409);
    const [alert] = await alertsOf("sale_of_non_conforming", seller.org.id);
    expect(alert?.subjectKey).toBe(lot.lotKey);
  });
});

describe("the periodic pass", () => {
  const run = () => call(t, "POST", "/v1/alerts/run", cast.regulator.key);

  it("finds many orders from one buyer, once however often it runs", async () => {
    const { seller, lot } = await sellerWithLot(DEFAULT_THRESHOLDS.salesBurst.minOrders);
    for (const item of lot.items) await sell(t, seller, [item.key], "same-buyer");
    const first = await run();
    expect(first.status).toBe(200);
    expect((first.body.raised as Record<string, number>).sales_burst).toBeGreaterThanOrEqual(1);
    const found = await alertsOf("sales_burst", seller.org.id);
    expect(found).toHaveLength(1);
    expect(found[0]!.evidence).toHaveLength(DEFAULT_THRESHOLDS.salesBurst.minOrders);
    await run();
    expect(await alertsOf("sales_burst", seller.org.id)).toHaveLength(1);
  });

  it("does not count a sale that was declared erroneous towards a burst", async () => {
    const { seller, lot } = await sellerWithLot(DEFAULT_THRESHOLDS.salesBurst.minOrders);
    const sales = [];
    for (const item of lot.items) sales.push(await sell(t, seller, [item.key], "same-buyer-2"));
    const last = sales[sales.length - 1]!.event as { id: number; eventId: string };
    const declared = await call(t, "POST", "/v1/events", seller.key, {
      kind: "correction",
      eventId: last.eventId,
      reason: "did_not_occur",
    });
    expect(declared.status, JSON.stringify(declared.body)).toBe(201);
    expect((await run()).status).toBe(200);
    expect(await alertsOf("sales_burst", seller.org.id)).toHaveLength(0);
  });

  it("finds a burst of instant 5-star reviews: a review burst and a review pattern", async () => {
    const n = DEFAULT_THRESHOLDS.reviewBurst.minReviews;
    const { seller, lot } = await sellerWithLot(n);
    const keys = lot.items.map((i) => i.key);
    for (const [i, key] of keys.entries()) await sell(t, seller, [key], `buyer-${i}`);
    await dispatch(t, cast.producer, cast.logistics, keys);
    t.clock.advance(24 * HOUR);
    expect((await signOff(t, cast.logistics, keys)).status).toBe(201);
    t.clock.advance(3 * 60_000);
    const receipts = await openReceipts(
      t,
      lot.items.map((i) => i.id),
    );
    const reviewIds = await insertReviews(
      t,
      receipts.map((receipt) => ({ receipt, gtin: lot.gtin, rating: 5, at: t.clock.now() })),
    );
    const result = await run();
    expect(result.body.raised).toMatchObject({ review_burst: 1, review_pattern: 1 });
    const [burst] = await alertsOf("review_burst", seller.org.id);
    expect(burst?.details.reviewIds).toEqual(expect.arrayContaining(reviewIds));
    const [pattern] = await alertsOf("review_pattern", seller.org.id);
    expect(pattern?.details).toMatchObject({ fastFiveStar: n, share: 1 });
    // The sign-off events are part of the evidence of the pattern.
    expect(pattern!.evidence.length).toBeGreaterThan(n);
  });

  it("is the regulator's to trigger", async () => {
    expect((await call(t, "POST", "/v1/alerts/run", cast.inspector.key)).status).toBe(403);
    expect((await call(t, "POST", "/v1/alerts/run")).status).toBe(401);
  });
});

async function freshAlert(orgId: string, kind: Alert["kind"] = "empty_parcel"): Promise<string> {
  const subjectKey = `/01/06901234567892/21/T${Math.random().toString(36).slice(2)}`;
  await raiseAlert(t.db, t.clock.now(), {
    kind,
    severity: "medium",
    subjectKey,
    orgId,
    evidence: [1],
    details: {},
  });
  const [row] = await t.db.select().from(alerts).where(eq(alerts.subjectKey, subjectKey));
  return row!.id;
}

describe("the queue", () => {
  it("shows inspectors every alert and an organisation only its own, filtered and paginated", async () => {
    const mine = await makeOrg(t, ["seller"]);
    const id = await freshAlert(mine.org.id, "cloned_code");
    const asInspector = await call(
      t,
      "GET",
      "/v1/alerts?kind=cloned_code&status=open",
      cast.inspector.key,
    );
    expect(asInspector.status).toBe(200);
    const page = AlertPage.parse(asInspector.body);
    expect(page.items.map((a) => a.id)).toContain(id);
    expect(page.items.every((a) => a.kind === "cloned_code")).toBe(true);

    const own = AlertPage.parse((await call(t, "GET", "/v1/alerts", mine.key)).body);
    expect(own.items.map((a) => a.id)).toEqual([id]);
    const others = AlertPage.parse(
      (await call(t, "GET", `/v1/alerts?orgId=${mine.org.id}`, cast.seller.key)).body,
    );
    expect(others.items).toEqual([]);
    expect((await call(t, "GET", `/v1/alerts/${id}`, cast.producer.key)).status).toBe(404);
    expect((await call(t, "GET", "/v1/alerts")).status).toBe(401);

    const first = AlertPage.parse(
      (await call(t, "GET", "/v1/alerts?limit=1", cast.regulator.key)).body,
    );
    expect(first.next).not.toBeNull();
    const second = AlertPage.parse(
      (await call(t, "GET", `/v1/alerts?limit=1&cursor=${first.next}`, cast.regulator.key)).body,
    );
    expect(second.items[0]?.id).not.toBe(first.items[0]?.id);
  });

  it("lets an inspector confirm with a reason, once; a non-inspector's decision writes nothing", async () => {
    const id = await freshAlert(cast.seller.org.id);
    const bySeller = await call(t, "POST", `/v1/alerts/${id}/decision`, cast.seller.key, {
      status: "dismissed",
      reason: "不是我",
    });
    expect(bySeller.status).toBe(403);
    expect(bySeller.contentType).toMatch(/problem\+json/);
    expect((await call(t, "GET", `/v1/alerts/${id}`, cast.inspector.key)).body.status).toBe("open");

    const decided = await call(t, "POST", `/v1/alerts/${id}/decision`, cast.inspector.key, {
      status: "confirmed",
      reason: "称重记录与揽收记录不符",
    });
    expect(decided.status).toBe(200);
    const view = AlertView.parse(decided.body);
    expect(view.decision).toMatchObject({
      status: "confirmed",
      reason: "称重记录与揽收记录不符",
      decidedByOrgId: cast.inspector.org.id,
    });

    const again = await call(t, "POST", `/v1/alerts/${id}/decision`, cast.regulator.key, {
      status: "dismissed",
      reason: "改判",
    });
    expect(again.status).toBe(409);
    const after = AlertView.parse(
      (await call(t, "GET", `/v1/alerts/${id}`, cast.regulator.key)).body,
    );
    expect(after.decision?.reason).toBe("称重记录与揽收记录不符");
  });

  it("keeps a decided alert closed when the same signal comes again", async () => {
    const id = await freshAlert(cast.seller.org.id);
    const [row] = await t.db.select().from(alerts).where(eq(alerts.id, id));
    await call(t, "POST", `/v1/alerts/${id}/decision`, cast.regulator.key, {
      status: "dismissed",
      reason: "误报",
    });
    await raiseAlert(t.db, t.clock.now(), {
      kind: row!.kind,
      severity: "high",
      subjectKey: row!.subjectKey,
      orgId: row!.orgId,
      evidence: [99],
      details: {},
    });
    const [after] = await t.db.select().from(alerts).where(eq(alerts.id, id));
    expect(after?.status).toBe("dismissed");
    expect(after?.evidence).toEqual([1]);
  });

  it("needs a reason and a known status", async () => {
    const id = await freshAlert(cast.seller.org.id);
    const missing = await call(t, "POST", `/v1/alerts/${id}/decision`, cast.inspector.key, {
      status: "confirmed",
    });
    expect(missing.status).toBe(422);
    expect(missing.body.errors?.[0]?.path).toBe("json.reason");
    const wrong = await call(t, "POST", `/v1/alerts/${id}/decision`, cast.inspector.key, {
      status: "maybe",
      reason: "嗯嗯",
    });
    expect(wrong.status).toBe(422);
  });

  it("assigns an alert to an inspector, not to a seller", async () => {
    const id = await freshAlert(cast.seller.org.id);
    const ok = await call(t, "POST", `/v1/alerts/${id}/assign`, cast.regulator.key, {
      orgId: cast.inspector.org.id,
    });
    expect(ok.status).toBe(200);
    expect(AlertView.parse(ok.body).assignedToOrgId).toBe(cast.inspector.org.id);
    const bad = await call(t, "POST", `/v1/alerts/${id}/assign`, cast.regulator.key, {
      orgId: cast.seller.org.id,
    });
    expect(bad.status).toBe(422);
    expect(bad.body.errors?.[0]?.path).toBe("json.orgId");
    const mine = AlertPage.parse(
      (await call(t, "GET", `/v1/alerts?assignedTo=${cast.inspector.org.id}`, cast.inspector.key))
        .body,
    );
    expect(mine.items.map((a) => a.id)).toContain(id);
  });

  it("lets the organisation concerned respond once, and nobody else", async () => {
    const id = await freshAlert(cast.seller.org.id);
    const byInspector = await call(t, "POST", `/v1/alerts/${id}/response`, cast.inspector.key, {
      text: "代答",
    });
    expect(byInspector.status).toBe(403);
    const byStranger = await call(t, "POST", `/v1/alerts/${id}/response`, cast.producer.key, {
      text: "代答",
    });
    expect(byStranger.status).toBe(404);
    const answered = await call(t, "POST", `/v1/alerts/${id}/response`, cast.seller.key, {
      text: "包裹为电子券，无实物",
    });
    expect(answered.status).toBe(200);
    expect(AlertView.parse(answered.body).response?.text).toBe("包裹为电子券，无实物");
    expect(
      (await call(t, "POST", `/v1/alerts/${id}/response`, cast.seller.key, { text: "再说" }))
        .status,
    ).toBe(409);
  });
});

describe("thresholds", () => {
  it("are public to read and default to the documented values", async () => {
    const res = await call(t, "GET", "/v1/alerts/thresholds");
    expect(res.status).toBe(200);
    expect(res.body).toEqual(DEFAULT_THRESHOLDS);
  });

  it("refuse a negative number with a 422 naming the field, and store nothing", async () => {
    const res = await call(t, "PUT", "/v1/alerts/thresholds", cast.regulator.key, {
      emptyParcel: { maxWeightRatio: -0.5 },
    });
    expect(res.status).toBe(422);
    expect(res.contentType).toMatch(/problem\+json/);
    expect(res.body.errors?.map((e) => e.path)).toEqual(["json.emptyParcel.maxWeightRatio"]);
    expect(await t.db.select().from(integritySettings)).toEqual([]);
  });

  it("are set by a regulator only, and the rules follow at once", async () => {
    const bySeller = await call(t, "PUT", "/v1/alerts/thresholds", cast.seller.key, {
      salesBurst: { minOrders: 2 },
    });
    expect(bySeller.status).toBe(403);
    const set = await call(t, "PUT", "/v1/alerts/thresholds", cast.regulator.key, {
      salesBurst: { minOrders: 2, windowHours: 1 },
    });
    expect(set.status).toBe(200);
    expect(set.body.salesBurst).toEqual({ minOrders: 2, windowHours: 1 });
    expect((await call(t, "GET", "/v1/alerts/thresholds")).body.emptyParcel).toEqual(
      DEFAULT_THRESHOLDS.emptyParcel,
    );

    const { seller, lot } = await sellerWithLot(2);
    for (const item of lot.items) await sell(t, seller, [item.key], "twice");
    await call(t, "POST", "/v1/alerts/run", cast.regulator.key);
    expect(await alertsOf("sales_burst", seller.org.id)).toHaveLength(1);

    const reset = await call(t, "PUT", "/v1/alerts/thresholds", cast.regulator.key, {});
    expect(reset.body).toEqual(DEFAULT_THRESHOLDS);
    expect(await alertCount()).toBeGreaterThan(0);
  });
});
