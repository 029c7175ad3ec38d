// Corrections from both sides: who may declare an event erroneous, which events, in what order,
// and that items, receipts, sale quantities, listings, the scan page and traces all follow.
import { count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app";
import { type Cast, makeCast, makeOrg } from "../../../test/factories";
import { type SeededLot, seedLot } from "../../../test/seed";
import { events, items, receipts } from "../../db/schema";
import { ScanView } from "../resolver/schemas";
import { BackwardTrace } from "../trace/schemas";
import { Recorded } from "./schemas";

let t: TestApp;
let cast: Cast;
beforeAll(async () => {
  t = await createTestApp();
  cast = await makeCast(t);
});
afterAll(() => t.close());

const eventCount = async () => (await t.db.select({ n: count() }).from(events))[0]!.n;
const itemRow = async (id: number) => (await t.db.select().from(items).where(eq(items.id, id)))[0]!;

async function post(key: string, json: unknown) {
  const res = await t.request("POST", "/v1/events", { key, json });
  const body = (await res.json()) as Record<string, unknown> & {
    code?: string;
    rule?: string;
    detail?: string;
  };
  return { res, body };
}

async function recorded(key: string, json: unknown) {
  const { res, body } = await post(key, json);
  expect(res.status, JSON.stringify(body)).toBe(201);
  t.clock.advance(1_000);
  return Recorded.parse(body);
}

async function listed(lot: SeededLot, seller = cast.seller) {
  return recorded(seller.key, {
    kind: "listing",
    code: lot.gtin,
    shopName: "橘乡网店",
    listingUrl: "https://shop.example.cn/item/1",
    price: 39.9,
  });
}

const sale = (lot: SeededLot, orderNumber: string, seller = cast.seller) =>
  recorded(seller.key, {
    kind: "sale",
    items: [lot.items[0]!.key],
    orderNumber,
    buyerRef: "buyer-1",
  });

// The seller only lists the goods; the producer holds them, and the carrier picks them up there.
const dispatch = (lot: SeededLot) =>
  recorded(cast.logistics.key, {
    kind: "dispatch",
    items: [lot.items[0]!.key],
    waybill: `SF${lot.lot}`,
    carrierOrgId: cast.logistics.org.id,
    parcelWeightGrams: 2600,
    destinationRegion: "330106",
  });

const correct = (key: string, eventId: string, reason = "did_not_occur", note?: string) =>
  post(key, { kind: "correction", eventId, reason, ...(note ? { note } : {}) });

async function soldLot() {
  const lot = await seedLot(t, cast.producer, { count: 2 });
  await listed(lot);
  const sold = await sale(lot, `O-${lot.lot}`);
  return { lot, sold };
}

describe("correcting a sale", () => {
  it("declares it erroneous, puts the item back on the shelf and closes its receipt", async () => {
    const { lot, sold } = await soldLot();
    const before = await eventCount();
    const { res, body } = await correct(
      cast.seller.key,
      sold.event.eventId,
      "did_not_occur",
      "订单录错，顾客未购买",
    );
    expect(res.status, JSON.stringify(body)).toBe(201);
    const declaration = Recorded.parse(body);
    expect(declaration.duplicate).toBe(false);
    expect(declaration.affected).toBe(1);
    expect(declaration.event.kind).toBe("correction");
    // The same eventID and Event Hash ID: EPCIS says a declaration is the event resent.
    expect(declaration.event.eventId).toBe(sold.event.eventId);
    expect(declaration.event.hashId).toBe(sold.event.hashId);
    expect(declaration.event.document.errorDeclaration).toMatchObject({
      reason: "did_not_occur",
      "zs:note": "订单录错，顾客未购买",
    });
    expect(await eventCount()).toBe(before + 1);

    const item = await itemRow(lot.items[0]!.id);
    expect(item.state).toBe("commissioned");
    expect(item.sellerOrgId).toBeNull();
    expect(item.custodianOrgId).toBe(cast.producer.org.id);
    const [receipt] = await t.db
      .select()
      .from(receipts)
      .where(eq(receipts.saleEventId, sold.event.id));
    expect(receipt?.closedAt).not.toBeNull();
    const confirm = await t.request("POST", "/v1/receipts/confirm", {
      json: { item: lot.items[0]!.key, receiptCode: sold.receipts![0]!.receiptCode },
    });
    expect(confirm.status).toBeGreaterThanOrEqual(400);

    // The original stays in the ledger, readable as it was.
    const original = await t.request("GET", `/v1/events/${sold.event.id}`);
    expect(original.status).toBe(200);
    // And the item can be sold again, for the right order.
    await sale(lot, `O-${lot.lot}-right`);
    expect((await itemRow(lot.items[0]!.id)).state).toBe("sold");
  });

  it("answers a retry with the stored declaration and refuses a different second one", async () => {
    const { sold } = await soldLot();
    const first = await correct(cast.seller.key, sold.event.eventId);
    expect(first.res.status).toBe(201);
    const before = await eventCount();
    const again = await correct(cast.seller.key, sold.event.eventId);
    expect(again.res.status).toBe(200);
    expect(Recorded.parse(again.body).duplicate).toBe(true);
    expect(Recorded.parse(again.body).event.id).toBe(Recorded.parse(first.body).event.id);
    const other = await correct(cast.seller.key, sold.event.eventId, "incorrect_data");
    expect(other.res.status).toBe(409);
    expect(other.body.rule).toBe("already_corrected");
    expect(await eventCount()).toBe(before);
  });

  it("is refused while a later event rests on it, naming that event, and nothing is written", async () => {
    const { lot, sold } = await soldLot();
    const sent = await dispatch(lot);
    const before = await eventCount();
    const { res, body } = await correct(cast.seller.key, sold.event.eventId);
    expect(res.status).toBe(409);
    expect(body.rule).toBe("correct_latest_first");
    expect(body.detail).toContain(sent.event.eventId);
    expect(body.item).toBe(lot.items[0]!.key);
    expect(await eventCount()).toBe(before);
    expect((await itemRow(lot.items[0]!.id)).state).toBe("dispatched");
    // Latest first: the dispatch (by the carrier that recorded it), then the sale.
    expect((await correct(cast.logistics.key, sent.event.eventId)).res.status).toBe(201);
    expect((await correct(cast.seller.key, sold.event.eventId)).res.status).toBe(201);
    expect((await itemRow(lot.items[0]!.id)).state).toBe("commissioned");
  });

  it("frees the quantity of a lot-level sale", async () => {
    const lot = await seedLot(t, cast.producer, { count: 1 });
    await listed(lot);
    const whole = await recorded(cast.seller.key, {
      kind: "sale",
      lot: { code: lot.lotKey, quantity: 1000 },
      orderNumber: `W-${lot.lot}`,
    });
    const more = {
      kind: "sale",
      lot: { code: lot.lotKey, quantity: 10 },
      orderNumber: `W-${lot.lot}-2`,
    };
    const refused = await post(cast.seller.key, more);
    expect(refused.res.status).toBe(409);
    expect(refused.body.rule).toBe("lot_quantity_exceeded");
    const fixed = await correct(cast.seller.key, whole.event.eventId, "incorrect_data");
    expect(fixed.res.status).toBe(201);
    expect(Recorded.parse(fixed.body).affected).toBe(0);
    expect((await post(cast.seller.key, more)).res.status).toBe(201);
  });
});

describe("correcting a dispatch, a return and a listing", () => {
  it("a dispatch: the item is sold again, with its custodian before the parcel", async () => {
    const { lot } = await soldLot();
    const sent = await dispatch(lot);
    expect((await itemRow(lot.items[0]!.id)).custodianOrgId).toBe(cast.logistics.org.id);
    expect((await correct(cast.logistics.key, sent.event.eventId)).res.status).toBe(201);
    const item = await itemRow(lot.items[0]!.id);
    expect(item.state).toBe("sold");
    expect(item.custodianOrgId).toBe(cast.producer.org.id);
    expect(item.sellerOrgId).toBe(cast.seller.org.id);
    // The carrier cannot sign off a parcel that was never sent.
    const signOff = await post(cast.logistics.key, {
      kind: "sign_off",
      items: [lot.items[0]!.key],
    });
    expect(signOff.res.status).toBe(409);
    expect(signOff.body.rule).toBe("sign_off_needs_dispatch");
  });

  it("a return: the item is the buyer's again and the receipt works again", async () => {
    const { lot, sold } = await soldLot();
    const back = await recorded(cast.seller.key, {
      kind: "return",
      items: [lot.items[0]!.key],
      reason: "七天无理由退货",
    });
    expect((await itemRow(lot.items[0]!.id)).state).toBe("returned");
    expect((await correct(cast.seller.key, back.event.eventId)).res.status).toBe(201);
    const item = await itemRow(lot.items[0]!.id);
    expect(item.state).toBe("sold");
    const [receipt] = await t.db
      .select()
      .from(receipts)
      .where(eq(receipts.saleEventId, sold.event.id));
    expect(receipt?.closedAt).toBeNull();
  });

  it("a listing: the seller no longer lists the product and cannot sell it on that ground", async () => {
    const lot = await seedLot(t, cast.producer, { count: 1 });
    const listing = await listed(lot);
    expect((await correct(cast.seller.key, listing.event.eventId)).res.status).toBe(201);
    const { res, body } = await post(cast.seller.key, {
      kind: "sale",
      items: [lot.items[0]!.key],
      orderNumber: `L-${lot.lot}`,
    });
    expect(res.status).toBe(409);
    expect(body.rule).toBe("seller_must_hold_or_list");
  });
});

describe("who corrects what", () => {
  it("only the organisation that recorded the event, or a regulator", async () => {
    const { lot, sold } = await soldLot();
    const rival = await makeOrg(t, ["seller"], { nameZh: "别家网店" });
    const before = await eventCount();
    const refused = await correct(rival!.key, sold.event.eventId);
    expect(refused.res.status).toBe(403);
    expect(refused.body.detail).toContain(cast.seller.org.id);
    const carrier = await correct(cast.logistics.key, sold.event.eventId);
    expect(carrier.res.status).toBe(403);
    expect(await eventCount()).toBe(before);
    expect((await itemRow(lot.items[0]!.id)).state).toBe("sold");
    const byRegulator = await correct(cast.regulator.key, sold.event.eventId, "did_not_occur");
    expect(byRegulator.res.status).toBe(201);
    expect(Recorded.parse(byRegulator.body).event.actor?.id).toBe(cast.regulator.org.id);
  });

  it("refuses a caller without a key, and an inspector", async () => {
    const { sold } = await soldLot();
    const anonymous = await t.request("POST", "/v1/events", {
      json: { kind: "correction", eventId: sold.event.eventId, reason: "did_not_occur" },
    });
    expect(anonymous.status).toBe(401);
    expect((await correct(cast.inspector.key, sold.event.eventId)).res.status).toBe(403);
  });

  it("refuses what it cannot correct, saying how that is put right", async () => {
    const { sold } = await soldLot();
    const [commission] = await t.db
      .select()
      .from(events)
      .where(eq(events.kind, "commission"))
      .limit(1);
    const { res, body } = await correct(cast.producer.key, commission!.eventId);
    expect(res.status).toBe(409);
    expect(body.rule).toBe("not_correctable");
    expect(body.detail).toContain("destroy");
    const first = await correct(cast.seller.key, sold.event.eventId);
    expect(first.res.status).toBe(201);
    const missing = await correct(cast.seller.key, "urn:uuid:00000000-0000-4000-8000-000000000000");
    expect(missing.res.status).toBe(404);
  });

  it("names what is wrong in the body", async () => {
    const { res, body } = await post(cast.seller.key, {
      kind: "correction",
      eventId: "x",
      reason: "oops",
    });
    expect(res.status).toBe(422);
    expect(body.detail).toContain("reason");
    const none = await post(cast.seller.key, { kind: "correction", reason: "did_not_occur" });
    expect(none.res.status).toBe(422);
    expect(none.body.detail).toContain("eventId");
  });
});

describe("what people see of a correction", () => {
  it("the scan page keeps the event, marked corrected with its reason and note", async () => {
    const { lot, sold } = await soldLot();
    await correct(cast.seller.key, sold.event.eventId, "did_not_occur", "订单录错");
    const res = await t.request("GET", lot.items[0]!.key, {
      headers: { Accept: "application/json" },
    });
    const view = ScanView.parse(await res.json());
    expect(view.timeline.map((e) => e.kind)).toEqual(["commission", "sale"]);
    expect(view.timeline[0]?.correction).toBeNull();
    expect(view.timeline[1]?.correction).toMatchObject({
      reason: "did_not_occur",
      note: "订单录错",
    });
    const zh = await (await t.request("GET", lot.items[0]!.key)).text();
    expect(zh).toContain('class="corrected"');
    expect(zh).toContain("已更正: 误录，此事未发生");
    expect(zh).toContain("订单录错");
    const en = await (await t.request("GET", `${lot.items[0]!.key}?lang=en`)).text();
    expect(en).toContain("Corrected: recorded by mistake: it did not happen");
  });

  it("the backward trace shows both events, and replays the item without the corrected one", async () => {
    const { lot, sold } = await soldLot();
    const sent = await dispatch(lot);
    const fixed = Recorded.parse((await correct(cast.logistics.key, sent.event.eventId)).body);
    const res = await t.request("GET", `/v1/trace${lot.items[0]!.key}`);
    expect(res.status).toBe(200);
    const trace = BackwardTrace.parse(await res.json());
    expect(trace.item.state).toBe("sold");
    const original = trace.events.find((e) => e.id === sent.event.id)!;
    expect(original.correction).toMatchObject({ by: fixed.event.id, reason: "did_not_occur" });
    const declaration = trace.events.find((e) => e.id === fixed.event.id)!;
    expect(declaration.declares).toBe(sent.event.id);
    expect(trace.events.find((e) => e.id === sold.event.id)?.correction).toBeNull();
    // Custody never went to the carrier: the dispatch does not count.
    expect(trace.custody.map((c) => c.kind)).toEqual(["commission", "sale"]);
    // The same at a time after the dispatch: the replay skips it too.
    const asOf = await t.request(
      "GET",
      `/v1/trace${lot.items[0]!.key}?asOf=${encodeURIComponent(t.clock.now().toISOString())}`,
    );
    expect(BackwardTrace.parse(await asOf.json()).item.state).toBe("sold");
  });
});

describe("error declarations through EPCIS capture", () => {
  const declare = (document: Record<string, unknown>) => {
    const event = { ...document };
    delete event.recordTime;
    return {
      ...event,
      errorDeclaration: { declarationTime: t.clock.now().toISOString(), reason: "incorrect_data" },
    };
  };

  it("refuses to declare a lifecycle event there, pointing to the lifecycle API", async () => {
    const { lot, sold } = await soldLot();
    const res = await t.request("POST", "/epcis/events", {
      key: cast.seller.key,
      json: { "@context": sold.event.document["@context"] ?? [], ...declare(sold.event.document) },
    });
    const body = (await res.json()) as { detail?: string };
    expect(res.status, JSON.stringify(body)).toBe(409);
    expect(body.detail).toContain("kind correction");
    expect((await itemRow(lot.items[0]!.id)).state).toBe("sold");
  });

  /** An event the producer captured through EPCIS, and the document that declares it erroneous. */
  async function capturedByProducer(serial: string, eventTime: string) {
    const event = {
      type: "ObjectEvent",
      eventTime,
      eventTimeZoneOffset: "+08:00",
      epcList: [`urn:epc:id:sgtin:0614141.107346.${serial}`],
      action: "OBSERVE",
      bizStep: "receiving",
    };
    const context = ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"];
    const captured = await t.request("POST", "/epcis/events", {
      key: cast.producer.key,
      json: { "@context": context, ...event },
    });
    expect(captured.status).toBe(201);
    return {
      "@context": context,
      ...event,
      errorDeclaration: { declarationTime: "2026-06-02T08:00:00.000Z", reason: "incorrect_data" },
    };
  }

  it("lets only the capturer or a regulator declare a captured event", async () => {
    const declaration = await capturedByProducer("2018", "2026-06-01T08:00:00.000+08:00");
    const rival = await t.request("POST", "/epcis/events", {
      key: cast.seller.key,
      json: declaration,
    });
    expect(rival.status).toBe(403);
    const own = await t.request("POST", "/epcis/events", {
      key: cast.producer.key,
      json: declaration,
    });
    expect(own.status).toBe(201);
  });

  it("lets a regulator declare only what was recorded inside its jurisdiction", async () => {
    const declaration = await capturedByProducer("2019", "2026-06-01T09:00:00.000+08:00");
    const beijing = await makeOrg(t, ["regulator"], {
      jurisdiction: "110000",
      regionCode: "110105",
    });
    const outside = await t.request("POST", "/epcis/events", {
      key: beijing.key,
      json: declaration,
    });
    const refused = (await outside.json()) as { detail?: string };
    expect(outside.status, JSON.stringify(refused)).toBe(403);
    expect(refused.detail).toContain("outside the jurisdiction");
    const declared = await eventCount();
    const national = await t.request("POST", "/epcis/events", {
      key: cast.regulator.key,
      json: declaration,
    });
    expect(national.status).toBe(201);
    expect(await eventCount()).toBe(declared + 1);
  });
});
