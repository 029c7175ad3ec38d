// Chain of custody end to end: backward and forward traces, asOf, the three formats, offline verification.
import type { z } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app";
import { type Cast, makeCast, makeOrg, type OrgWithKey } from "../../../test/factories";
import { type SeededLot, seedLot } from "../../../test/seed";
import { inspections } from "../../db/schema";
import { verifyCheckpoint } from "../../ledger/checkpoint";
import { ZS_CONTEXT } from "../../ledger/epcis";
import { eventHashId } from "../../ledger/event-hash";
import { base64ToBytes, hexToBytes } from "../../ledger/hex";
import { leafHashOf } from "../../ledger/log";
import { verifyInclusion } from "../../ledger/merkle";
import { reportFields, uploadForm } from "../inspections/fixtures";
import { LogKey, SignedCheckpoint } from "../log/schemas";
import { CSV_COLUMNS } from "./export";
import { BackwardTrace, ForwardTrace, ProductTrace, type TraceEventView } from "./schemas";

let t: TestApp;
let cast: Cast;
let seller: OrgWithKey;
let publicKey: Uint8Array;
beforeAll(async () => {
  t = await createTestApp({ config: { CHECKPOINT_INTERVAL_SECONDS: "0.1" } });
  cast = await makeCast(t);
  // A hostile name: a spreadsheet must not run it as a formula.
  seller = await makeOrg(t, ["seller"], { nameZh: '=HYPERLINK("http://evil.example","橘乡")' });
  const res = await t.request("GET", "/.well-known/zhuisu-log-key");
  publicKey = base64ToBytes(LogKey.parse(await res.json()).publicKey);
});
afterAll(() => t.close());

async function event(key: string, json: Record<string, unknown>) {
  t.clock.advance(60_000);
  const res = await t.request("POST", "/v1/events", { key, json });
  expect(res.status, await res.clone().text()).toBe(201);
}

interface Story {
  lot: SeededLot;
  times: Record<"commissioned" | "sold" | "dispatched" | "delivered", string>;
}

/**
 * Four units: 0 sold, dispatched to Hangzhou and delivered; 1 sold and dispatched to Beijing;
 * 2 sold; 3 still at the producer. The lot passes an inspection and is then recalled.
 */
async function story(): Promise<Story> {
  const lot = await seedLot(t, cast.producer, { count: 4 });
  const commissioned = t.clock.now().toISOString();
  const keys = lot.items.map((i) => i.key);
  const form = uploadForm(reportFields({ lot: lot.lotKey }));
  t.clock.advance(60_000);
  expect(
    (await t.request("POST", "/v1/inspections", { key: cast.inspector.key, body: form })).status,
  ).toBe(201);
  await event(seller.key, {
    kind: "listing",
    code: lot.gtin,
    shopName: "s",
    listingUrl: "https://s.example/1",
    price: 1,
  });
  await event(seller.key, { kind: "sale", items: keys.slice(0, 3), orderNumber: "O-1" });
  const sold = t.clock.now().toISOString();
  const dispatch = (items: string[], waybill: string, destinationRegion: string) =>
    event(cast.producer.key, {
      kind: "dispatch",
      items,
      waybill,
      carrierOrgId: cast.logistics.org.id,
      parcelWeightGrams: 2600,
      destinationRegion,
    });
  await dispatch([keys[0]!], "SF-1", "330106");
  const dispatched = t.clock.now().toISOString();
  await dispatch([keys[1]!], "SF-2", "110101");
  await event(cast.logistics.key, { kind: "sign_off", items: [keys[0]], waybill: "SF-1" });
  const delivered = t.clock.now().toISOString();
  t.clock.advance(60_000);
  const recall = await t.request("POST", "/v1/recalls", {
    key: cast.producer.key,
    json: {
      product: lot.gtin,
      lots: [lot.lotKey],
      level: "II",
      reason: "r",
      instructions: "i",
      contacts: "c",
    },
  });
  expect(recall.status).toBe(201);
  t.clock.advance(1_000);
  return { lot, times: { commissioned, sold, dispatched, delivered } };
}

async function trace(key: string, query = "", auth?: string, headers?: Record<string, string>) {
  return t.request("GET", `/v1/trace${key}${query}`, { key: auth, headers });
}

/** Checks a proof the way an inspector does offline: the signed checkpoint, then the leaf. */
async function verifiesOffline(
  cp: z.infer<typeof SignedCheckpoint>,
  e: {
    hashId: string;
    eventId: string;
    recordTime: string;
    actorOrgId: string | null;
    kind: string;
  },
  proof: { leafIndex: number; leafHash: string; proof: string[] },
) {
  expect(await verifyCheckpoint(cp, publicKey)).toBe(true);
  const leaf = await leafHashOf({ ...e, recordTime: new Date(e.recordTime) });
  expect(leaf).toBe(proof.leafHash);
  expect(
    await verifyInclusion(
      proof.leafIndex,
      cp.treeSize,
      hexToBytes(leaf),
      proof.proof.map(hexToBytes),
      hexToBytes(cp.rootHash),
    ),
  ).toBe(true);
}

let shared: Story;
const sharedStory = async () => {
  shared ??= await story();
  return shared;
};

describe("backward trace of an item", () => {
  it("gives its lot, inspections, recall, custodians in order and each actor's identity", async () => {
    const { lot } = await sharedStory();
    const item = lot.items[0]!;
    const res = await trace(item.key);
    expect(res.status).toBe(200);
    const body = BackwardTrace.parse(await res.json());
    expect(body.item).toMatchObject({
      key: item.key,
      state: "delivered",
      recalled: true,
      custodian: null,
    });
    expect(body.lot).toMatchObject({
      key: lot.lotKey,
      productionDate: "2026-05-20",
      recalled: true,
    });
    const [report] = await t.db.select().from(inspections).where(eq(inspections.lotId, lot.lotId));
    expect(body.inspections).toEqual([
      {
        id: report!.id,
        reportNumber: report!.reportNumber,
        conclusion: "pass",
        issueDate: report!.issueDate,
        standards: ["GB 2763-2021"],
        inspector: cast.inspector.org.id,
        url: `https://zhuisu.test/v1/inspections/${report!.id}/report.pdf`,
        sha256: report!.pdfSha256,
      },
    ]);
    expect(body.recalls).toMatchObject([{ level: "II", status: "open", reason: "r" }]);
    expect(body.events.map((e) => e.kind)).toEqual([
      "inspection",
      "commission",
      "sale",
      "dispatch",
      "sign_off",
      "recall",
    ]);
    expect(body.custody.map((s) => [s.state, s.from, s.to])).toEqual([
      ["commissioned", null, cast.producer.org.id],
      ["sold", cast.producer.org.id, cast.producer.org.id],
      ["dispatched", cast.producer.org.id, cast.logistics.org.id],
      ["delivered", cast.logistics.org.id, null],
    ]);
    const dispatch = body.events.find((e) => e.kind === "dispatch")!;
    expect(dispatch).toMatchObject({
      from: cast.producer.org.id,
      to: cast.logistics.org.id,
      quantity: 1,
    });
    expect(dispatch.where.destinationRegion).toBe("330106");
    expect(dispatch.references[0]?.type).toBe("desadv");
    for (const e of body.events) {
      expect(e.actor?.verified, e.kind).toBe(true);
      expect(e.actor?.uscc, e.kind).toMatch(/^[0-9A-Z]{18}$/);
    }
    const inspector = body.parties.find((p) => p.id === cast.inspector.org.id);
    expect(inspector?.licences[0]?.kind).toBe("cma");
  });

  it("carries a signed checkpoint and a verifiable inclusion proof per event", async () => {
    const { lot } = await sharedStory();
    const body = BackwardTrace.parse(await (await trace(lot.items[0]!.key)).json());
    expect(body.checkpoint).not.toBeNull();
    const covered = body.events.filter((e) => e.inclusion);
    expect(covered.length).toBe(body.events.length);
    for (const e of covered) {
      await verifiesOffline(
        body.checkpoint!,
        { ...e, actorOrgId: e.actor?.id ?? null },
        e.inclusion!,
      );
    }
  });

  it("replays the state as of a time", async () => {
    const { lot, times } = await sharedStory();
    const item = lot.items[0]!;
    const sold = BackwardTrace.parse(
      await (await trace(item.key, `?asOf=${encodeURIComponent(times.sold)}`)).json(),
    );
    expect(sold.item).toMatchObject({
      state: "sold",
      custodian: cast.producer.org.id,
      seller: seller.org.id,
      recalled: false,
    });
    expect(sold.lot.recalled).toBe(false);
    expect(sold.recalls).toEqual([]);
    expect(sold.events.map((e) => e.kind)).toEqual(["inspection", "commission", "sale"]);
    const before = BackwardTrace.parse(
      await (await trace(item.key, "?asOf=2026-01-01T00:00:00Z")).json(),
    );
    expect(before.item.state).toBeNull();
    expect(before.events).toEqual([]);
  });
});

describe("forward trace of a lot", () => {
  it("says where every unit went: by state, custodian and region, with the list", async () => {
    const { lot } = await sharedStory();
    const res = await trace(lot.lotKey, "", cast.inspector.key);
    expect(res.status).toBe(200);
    const body = ForwardTrace.parse(await res.json());
    expect(body.units.total).toBe(4);
    expect(body.units.byState).toEqual({ delivered: 1, dispatched: 1, sold: 1, commissioned: 1 });
    expect(body.units.byRegion).toEqual(
      expect.arrayContaining([
        { region: "330106", names: expect.arrayContaining(["浙江省"]), units: 1 },
        { region: "110101", names: expect.any(Array), units: 1 },
        { region: null, names: [], units: 2 },
      ]),
    );
    const transit = body.units.byCustodian.find((g) => g.state === "dispatched");
    expect(transit).toEqual({ custodian: cast.logistics.org.id, state: "dispatched", units: 1 });
    expect(body.units.list.map((u) => u.key)).toEqual(lot.items.map((i) => i.key));
    expect(body.units.list.every((u) => u.recalled)).toBe(true);
    const quantities = Object.fromEntries(body.events.map((e) => [e.kind, e.quantity]));
    expect(quantities).toMatchObject({ commission: 4, sale: 3, sign_off: 1, inspection: null });
    expect(body.events.filter((e) => e.kind === "dispatch").map((e) => e.quantity)).toEqual([1, 1]);
  });

  it("replays unit states as of a time", async () => {
    const { lot, times } = await sharedStory();
    const body = ForwardTrace.parse(
      await (
        await trace(lot.lotKey, `?asOf=${encodeURIComponent(times.dispatched)}`, cast.regulator.key)
      ).json(),
    );
    expect(body.units.byState).toEqual({ dispatched: 1, sold: 2, commissioned: 1 });
    expect(body.lot.recalled).toBe(false);
  });

  it("is for verified inspectors, regulators and the brand owner", async () => {
    const { lot } = await sharedStory();
    expect((await trace(lot.lotKey)).status).toBe(401);
    expect((await trace(lot.lotKey, "", cast.seller.key)).status).toBe(403);
    expect((await trace(lot.lotKey, "", cast.logistics.key)).status).toBe(403);
    expect((await trace(lot.lotKey, "", cast.producer.key)).status).toBe(200);
    const rival = await makeOrg(t, ["producer"]);
    expect((await trace(lot.lotKey, "", rival.key)).status).toBe(403);
  });
});

describe("product trace", () => {
  it("lists the lots of a product with their unit counts", async () => {
    const { lot } = await sharedStory();
    const second = await seedLot(t, cast.producer, { count: 2, gtin: lot.gtin });
    const body = ProductTrace.parse(await (await trace(`/01/${lot.gtin}`)).json());
    const byKey = Object.fromEntries(body.lots.map((l) => [l.key, l]));
    expect(byKey[lot.lotKey]).toMatchObject({ units: 4, recalled: true });
    expect(byKey[second.lotKey]).toMatchObject({
      units: 2,
      byState: { commissioned: 2 },
      recalled: false,
    });
    expect(body.events.map((e) => e.kind)).toEqual(["inspection", "recall"]);
  });
});

describe("exports", () => {
  async function parseCsv(res: Response) {
    const bytes = new Uint8Array(await res.arrayBuffer());
    // A byte-order mark first, so spreadsheets read UTF-8.
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = new TextDecoder().decode(bytes).split("\r\n").filter(Boolean);
    const comments = lines.filter((l) => l.startsWith("#"));
    const [header, ...rows] = lines.filter((l) => !l.startsWith("#"));
    return { comments, header: header!.split(","), rows };
  }

  it("CSV: one row per event with its key data elements, the checkpoint in the header lines", async () => {
    const { lot } = await sharedStory();
    const res = await trace(lot.items[0]!.key, "?format=csv");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/csv/);
    const csv = await parseCsv(res);
    expect(csv.header).toEqual([...CSV_COLUMNS]);
    expect(csv.rows).toHaveLength(6);
    const cp = SignedCheckpoint.parse(
      JSON.parse(
        csv.comments.find((c) => c.startsWith("# checkpoint: "))!.slice("# checkpoint: ".length),
      ),
    );
    expect(await verifyCheckpoint(cp, publicKey)).toBe(true);
    const sale = csv.rows.find((r) => r.includes(",sale,"))!;
    // The hostile seller name is defused and quoted, never a live formula.
    expect(sale).toContain(`"'=HYPERLINK(""http://evil.example"",""橘乡"")"`);
    expect(sale).toContain(`,${lot.lot},1,EA,`);
    expect(csv.rows[0]).toContain(",inspection,inspecting,conformant,");
    expect(csv.rows[0]).toContain("testres:urn:zhuisu:report:");
    const viaAccept = await trace(lot.items[0]!.key, "", undefined, { Accept: "text/csv" });
    expect(viaAccept.headers.get("content-type")).toMatch(/^text\/csv/);
  });

  it("EPCIS 2.0: the stored events, the checkpoint and proofs in the header", async () => {
    const { lot } = await sharedStory();
    const res = await trace(lot.items[0]!.key, "?format=epcis");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/ld\+json/);
    const doc = (await res.json()) as {
      "@context": unknown;
      type: string;
      schemaVersion: string;
      creationDate: string;
      epcisHeader: Record<string, unknown>;
      epcisBody: { eventList: Record<string, unknown>[] };
    };
    expect(doc["@context"]).toEqual(ZS_CONTEXT);
    expect(doc.type).toBe("EPCISDocument");
    expect(doc.schemaVersion).toBe("2.0");
    expect(doc.epcisBody.eventList).toHaveLength(6);
    const cp = SignedCheckpoint.parse(doc.epcisHeader["zs:checkpoint"]);
    const proofs = doc.epcisHeader["zs:inclusionProofs"] as (TraceEventView["inclusion"] & {
      eventID: string;
      kind: string;
      actorOrgId: string | null;
    })[];
    for (const [i, event] of doc.epcisBody.eventList.entries()) {
      const hashId = await eventHashId(event, ZS_CONTEXT);
      const proof = proofs[i]!;
      expect(proof.eventID).toBe(event.eventID);
      await verifiesOffline(
        cp,
        {
          hashId,
          eventId: String(event.eventID),
          recordTime: String(event.recordTime),
          actorOrgId: proof.actorOrgId,
          kind: proof.kind,
        },
        proof,
      );
    }
    const forward = await trace(lot.lotKey, "?format=epcis", cast.inspector.key);
    expect(((await forward.json()) as typeof doc).epcisBody.eventList.length).toBeGreaterThan(6);
  });
});

describe("bad keys", () => {
  it("answers a malformed key with 400 and an unknown one with 404, as problem+json", async () => {
    const cases: [string, number, string][] = [
      ["/01/06901234567891/21/abc", 400, "invalid_code"],
      ["/01/12/21/abc", 400, "invalid_code"],
      ["/00/106141411234567897", 400, "invalid_code"],
      ["/01/06901234567892/21/NOSUCHITEM", 404, "not_found"],
      ["/01/06901234567892", 404, "not_found"],
    ];
    for (const [key, status, code] of cases) {
      const res = await trace(key);
      expect(res.status, key).toBe(status);
      expect(res.headers.get("content-type")).toMatch(/problem\+json/);
      expect(((await res.json()) as { code: string }).code).toBe(code);
    }
    const { lot } = await sharedStory();
    const res = await trace(lot.items[0]!.key, "?asOf=yesterday");
    expect(res.status).toBe(422);
    expect((await trace(lot.items[0]!.key, "?format=xml")).status).toBe(422);
  });
});
