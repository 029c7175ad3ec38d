// The carrier's desk over HTTP: dispatch and sign-off of scanned codes, a waybill file committed
// whole or not at all, and the alerts the carrier's own records raised.
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app";
import { type Cast, makeCast, makeMember, makeOrg } from "../../../test/factories";
import { type ConsoleAgent, consoleAgent } from "../../../test/helpers/console-agent";
import { listForSale, type SeededLot, seedLot } from "../../../test/seed";
import { activity, items } from "../../db/schema";

let t: TestApp;
let cast: Cast;
let agent: ConsoleAgent;
let login: { email: string; password: string };

beforeAll(async () => {
  t = await createTestApp();
  cast = await makeCast(t);
  login = await makeMember(t, cast.logistics.org);
  agent = await consoleAgent(t, login.email, login.password);
});
afterAll(() => t.close());

const states = async (lot: SeededLot) =>
  (await t.db.select({ state: items.state }).from(items).where(eq(items.lotId, lot.lotId))).map(
    (r) => r.state,
  );

/** A lot whose items a shop has sold: what a carrier is handed. */
async function soldLot(count: number, netWeightGrams = 2500): Promise<SeededLot> {
  const lot = await seedLot(t, cast.producer, { count, netWeightGrams });
  const key = cast.seller.key;
  await listForSale(t, key, lot.gtin);
  const sale = await t.request("POST", "/v1/events", {
    key,
    json: { kind: "sale", items: lot.items.map((i) => i.key), orderNumber: `O-${lot.lot}` },
  });
  expect(sale.status).toBe(201);
  return lot;
}

const csvFile = (text: string) => new File([text], "waybills.csv", { type: "text/csv" });

describe("carrier desk", () => {
  it("dispatches and signs off codes typed by a scanner, one per line", async () => {
    const lot = await soldLot(2);
    const scanned = lot.items.map((i) => `(01)${lot.gtin}(10)${lot.lot}(21)${i.serial}`).join("\n");
    const sent = await agent.submit("/console/shipments", "/console/shipments", {
      action: "dispatch",
      items: scanned,
      waybill: "SF100",
      parcelWeightGrams: "5200",
      destinationRegion: "330106",
    });
    expect(sent.status).toBe(303);
    expect(sent.headers.get("Location")).toBe("/console/shipments?done=dispatch&n=2");
    expect(await states(lot)).toEqual(["dispatched", "dispatched"]);
    // Three days on the road; the session of the morning has long expired.
    t.clock.advance(3 * 86_400_000);
    agent = await consoleAgent(t, login.email, login.password);
    const signed = await agent.submit("/console/shipments", "/console/shipments", {
      action: "sign_off",
      items: scanned,
      signOffWaybill: "SF100",
    });
    expect(signed.status).toBe(303);
    expect(await states(lot)).toEqual(["delivered", "delivered"]);
    const page = await (await agent.get("/console/shipments")).text();
    expect(page).toContain("SF100");
    const actions = (await t.db.select().from(activity)).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(["dispatch.record", "sign_off.record"]));
  });

  it("refuses a sign-off of what was never dispatched, keeping the scanned codes", async () => {
    const lot = await seedLot(t, cast.producer, { count: 1 });
    const res = await agent.submit("/console/shipments", "/console/shipments", {
      action: "sign_off",
      items: lot.items[0]!.key,
    });
    expect(res.status).toBe(409);
    const html = await res.text();
    expect(html).toContain('role="alert"');
    expect(html).toContain(lot.items[0]!.key);
    expect(await states(lot)).toEqual(["commissioned"]);
  });

  it("commits a waybill file whole: one event per waybill and action", async () => {
    const lot = await soldLot(3);
    const [a, b, c] = lot.items;
    const text = [
      "action,waybill,item,weight,destination",
      `dispatch,YT1,${a!.key},5200,330106`,
      `dispatch,YT1,${b!.key},,`,
      `发货,YT2,${c!.key},2600,310101`,
    ].join("\n");
    const preview = await agent.submit("/console/shipments", "/console/shipments/upload", {
      file: csvFile(text),
    });
    expect(preview.status).toBe(200);
    const rows = /name="rows" value="([^"]+)"/
      .exec(await preview.text())![1]!
      .replace(/&quot;/g, '"');
    expect(await states(lot)).toEqual(["sold", "sold", "sold"]);
    const res = await agent.submit("/console/shipments", "/console/shipments/upload", {
      rows,
      commit: "yes",
    });
    expect(res.status).toBe(201);
    expect(await res.text()).toMatch(/（2 个事件）/);
    expect(await states(lot)).toEqual(["dispatched", "dispatched", "dispatched"]);
  });

  it("names the bad rows of a waybill file and writes none of it", async () => {
    const lot = await soldLot(2);
    const text = [
      "action,waybill,item,weight,destination",
      `dispatch,ZT1,${lot.items[0]!.key},2600,330106`,
      `dispatch,ZT2,${lot.items[1]!.key},2600,99`,
      `deliver,ZT3,${lot.items[1]!.key},,`,
      `sign_off,ZT4,${lot.items[1]!.key},,`,
    ].join("\n");
    const res = await agent.submit("/console/shipments", "/console/shipments/upload", {
      file: csvFile(text),
    });
    expect(res.status).toBe(422);
    const bad = [...(await res.text()).matchAll(/data-line="(\d+)"/g)].map((m) => Number(m[1]));
    expect(bad).toEqual([3, 4, 5]);
    expect(await states(lot)).toEqual(["sold", "sold"]);
  });

  it("lists the empty-parcel alert its own dispatch raised", async () => {
    const lot = await soldLot(2, 2500);
    const res = await agent.submit("/console/shipments", "/console/shipments", {
      action: "dispatch",
      items: lot.items.map((i) => i.key).join("\n"),
      waybill: "EMPTY1",
      parcelWeightGrams: "40",
      destinationRegion: "330106",
    });
    expect(res.status).toBe(303);
    const html = await (await agent.get("/console/alerts")).text();
    expect(html).toContain('data-kind="empty_parcel"');
    expect(html).toContain("EMPTY1");
    // The API shows the carrier the same alert, and opens it.
    const listed = await (await t.request("GET", "/v1/alerts", { key: cast.logistics.key })).json();
    const alert = listed.items.find((a: { kind: string }) => a.kind === "empty_parcel");
    expect(alert?.details.waybill).toBe("EMPTY1");
    const opened = await t.request("GET", `/v1/alerts/${alert.id}`, { key: cast.logistics.key });
    expect(opened.status).toBe(200);
    // A carrier that recorded nothing of it does not see it.
    const other = await makeOrg(t, ["logistics"]);
    const none = await (await t.request("GET", "/v1/alerts", { key: other.key })).json();
    expect(none.items).toHaveLength(0);
    expect((await t.request("GET", `/v1/alerts/${alert.id}`, { key: other.key })).status).toBe(404);
  });

  it("is a desk of carriers: a seller's member is refused it", async () => {
    const { email, password } = await makeMember(t, cast.seller.org);
    const seller = await consoleAgent(t, email, password);
    expect((await seller.get("/console/shipments")).status).toBe(403);
    expect((await seller.get("/console/alerts")).status).toBe(403);
  });
});
