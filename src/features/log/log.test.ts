// Tamper evidence end to end: signed checkpoints, proofs, and verify naming what was changed, removed or reordered.
import { eq, inArray, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HistoryExportFile, verifyExport } from "../../../scripts/verify-export";
import { createTestApp, type TestApp } from "../../../test/app";
import { type Cast, makeCast } from "../../../test/factories";
import { type SeededLot, seedLot } from "../../../test/seed";
import { eventSubjects, events, logLeaves, logPending } from "../../db/schema";
import { verifyCheckpoint } from "../../ledger/checkpoint";
import { base64ToBytes, hexToBytes } from "../../ledger/hex";
import { verifyConsistency, verifyInclusion } from "../../ledger/merkle";
import {
  ConsistencyProof,
  InclusionProof,
  LogKey,
  SignedCheckpoint,
  VerifyReport,
} from "./schemas";

let t: TestApp;
let cast: Cast;
let key: Uint8Array;
let mainCast: Cast;
let mainKey: Uint8Array;
beforeAll(async () => {
  t = await createTestApp({ config: { CHECKPOINT_INTERVAL_SECONDS: "0.1" } });
  cast = mainCast = await makeCast(t);
  const res = await t.request("GET", "/.well-known/zhuisu-log-key");
  key = mainKey = base64ToBytes(LogKey.parse(await res.json()).publicKey);
});
afterAll(() => t.close());

async function checkpointNow() {
  t.clock.advance(1000);
  const res = await t.request("GET", "/v1/log/checkpoint");
  expect(res.status).toBe(200);
  return SignedCheckpoint.parse(await res.json());
}

async function lifecycle(): Promise<SeededLot> {
  const lot = await seedLot(t, cast.producer, { count: 3 });
  await t.request("POST", "/v1/events", {
    key: cast.seller.key,
    json: {
      kind: "listing",
      code: lot.gtin,
      shopName: "s",
      listingUrl: "https://s.example/1",
      price: 1,
    },
  });
  for (const item of lot.items) {
    t.clock.advance(1000);
    const res = await t.request("POST", "/v1/events", {
      key: cast.seller.key,
      json: { kind: "sale", items: [item.key], orderNumber: item.serial },
    });
    expect(res.status).toBe(201);
  }
  return lot;
}

const verify = async (k: string) =>
  VerifyReport.parse(await (await t.request("GET", `/v1/verify${k}`)).json());

describe("checkpoints and proofs", () => {
  it("signs checkpoints that verify with the published key and grow with the log", async () => {
    await lifecycle();
    const first = await checkpointNow();
    expect(await verifyCheckpoint(first, key)).toBe(true);
    expect(await verifyCheckpoint({ ...first, treeSize: first.treeSize + 1 }, key)).toBe(false);
    await lifecycle();
    const second = await checkpointNow();
    expect(second.treeSize).toBeGreaterThan(first.treeSize);
    const res = await t.request(
      "GET",
      `/v1/log/proof/consistency?from=${first.treeSize}&to=${second.treeSize}`,
    );
    const proof = ConsistencyProof.parse(await res.json());
    expect(
      await verifyConsistency(
        first.treeSize,
        second.treeSize,
        hexToBytes(first.rootHash),
        hexToBytes(second.rootHash),
        proof.proof.map(hexToBytes),
      ),
    ).toBe(true);
    expect(proof.fromCheckpoint?.rootHash).toBe(first.rootHash);
  });

  it("proves an event's inclusion in a checkpoint", async () => {
    const lot = await lifecycle();
    const cp = await checkpointNow();
    const history = (await (await t.request("GET", `/v1/history${lot.items[0]!.key}`)).json()) as {
      events: { eventId: string }[];
    };
    const eventId = history.events[1]!.eventId;
    const res = await t.request(
      "GET",
      `/v1/log/proof/inclusion?event=${encodeURIComponent(eventId)}`,
    );
    expect(res.status).toBe(200);
    const proof = InclusionProof.parse(await res.json());
    expect(proof.treeSize).toBe(cp.treeSize);
    expect(
      await verifyInclusion(
        proof.leafIndex,
        proof.treeSize,
        hexToBytes(proof.leafHash),
        proof.proof.map(hexToBytes),
        hexToBytes(cp.rootHash),
      ),
    ).toBe(true);
    expect((await t.request("GET", "/v1/log/proof/inclusion?event=nope")).status).toBe(404);
    expect((await t.request("GET", "/v1/log/proof/consistency?from=5&to=2")).status).toBe(422);
  });
});

describe("verify", () => {
  // Tampering tests share one database of their own, so they cannot disturb the other tests.
  let main: TestApp;
  beforeAll(async () => {
    main = t;
    t = await createTestApp({ config: { CHECKPOINT_INTERVAL_SECONDS: "0.1" } });
    cast = await makeCast(t);
    key = base64ToBytes(
      LogKey.parse(await (await t.request("GET", "/.well-known/zhuisu-log-key")).json()).publicKey,
    );
  });
  afterAll(async () => {
    await t.close();
    t = main;
    cast = mainCast;
    key = mainKey;
  });

  it("passes an untouched history", async () => {
    const lot = await lifecycle();
    const report = await verify(lot.items[0]!.key);
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.eventsChecked).toBe(2);
  });

  it("names an event whose content was edited in the database", async () => {
    const lot = await lifecycle();
    await checkpointNow();
    const [sale] = await t.db
      .select({ id: events.id })
      .from(events)
      .innerJoin(eventSubjects, eq(eventSubjects.eventId, events.id))
      .where(sql`${eventSubjects.subjectKey} = ${lot.items[1]!.key} and ${events.kind} = 'sale'`);
    await t.db.execute(
      sql`update events set document = jsonb_set(document, '{eventTime}', '"2026-01-01T00:00:00.000Z"') where id = ${sale!.id}`,
    );
    const report = await verify(lot.items[1]!.key);
    expect(report.ok).toBe(false);
    expect(report.problems).toContainEqual(
      expect.objectContaining({ kind: "changed", event: sale!.id }),
    );
  });

  it("names an event removed from the database", async () => {
    const lot = await lifecycle();
    await checkpointNow();
    const [sale] = await t.db
      .select({ id: events.id })
      .from(events)
      .innerJoin(eventSubjects, eq(eventSubjects.eventId, events.id))
      .where(sql`${eventSubjects.subjectKey} = ${lot.items[2]!.key} and ${events.kind} = 'sale'`);
    const [leaf] = await t.db.select().from(logLeaves).where(eq(logLeaves.eventId, sale!.id));
    await t.db.execute(sql`delete from receipts where sale_event_id = ${sale!.id}`);
    await t.db.delete(eventSubjects).where(eq(eventSubjects.eventId, sale!.id));
    await t.db.delete(logLeaves).where(eq(logLeaves.eventId, sale!.id));
    await t.db.delete(events).where(eq(events.id, sale!.id));
    const report = await verify(lot.items[2]!.key);
    expect(report.ok).toBe(false);
    expect(report.problems).toContainEqual(
      expect.objectContaining({ kind: "removed", leafIndex: leaf!.leafIndex }),
    );
  });

  it("passes a log whose leaves follow commit order, not id order (a transaction that commits late)", async () => {
    const fresh = await createTestApp({ config: { CHECKPOINT_INTERVAL_SECONDS: "0.1" } });
    try {
      const localCast = await makeCast(fresh);
      const early = await seedLot(fresh, localCast.producer, { count: 1 });
      const ids = (await fresh.db.select().from(logPending)).map((p) => p.eventId);
      await seedLot(fresh, localCast.producer, { count: 1 });
      // The first lot's events took their ids first but commit after the second's were sequenced.
      await fresh.db.delete(logPending).where(inArray(logPending.eventId, ids));
      fresh.clock.advance(5000);
      await fresh.request("GET", "/v1/log/checkpoint");
      await fresh.db.insert(logPending).values(ids.map((eventId) => ({ eventId })));
      fresh.clock.advance(5000);
      await fresh.request("GET", "/v1/log/checkpoint");
      const leaves = await fresh.db.select().from(logLeaves).orderBy(logLeaves.leafIndex);
      expect(leaves.at(-1)!.eventId).toBe(Math.max(...ids));
      expect(leaves.at(-1)!.eventId).toBeLessThan(leaves[0]!.eventId);
      const report = VerifyReport.parse(
        await (await fresh.request("GET", `/v1/verify${early.items[0]!.key}`)).json(),
      );
      expect(report.problems).toEqual([]);
      expect(report.ok).toBe(true);
    } finally {
      await fresh.close();
    }
  });

  it("names events whose log order was swapped", async () => {
    const fresh = await createTestApp({ config: { CHECKPOINT_INTERVAL_SECONDS: "0.1" } });
    try {
      const localCast = await makeCast(fresh);
      const lot = await seedLot(fresh, localCast.producer, { count: 2 });
      await seedLot(fresh, localCast.producer, { count: 1 });
      fresh.clock.advance(5000);
      await fresh.request("GET", "/v1/log/checkpoint");
      const leaves = await fresh.db.select().from(logLeaves);
      const [a, b] = [leaves[0]!, leaves[1]!];
      await fresh.db.execute(
        sql`update log_leaves set leaf_index = -1 where leaf_index = ${a.leafIndex}`,
      );
      await fresh.db.execute(
        sql`update log_leaves set leaf_index = ${a.leafIndex} where leaf_index = ${b.leafIndex}`,
      );
      await fresh.db.execute(
        sql`update log_leaves set leaf_index = ${b.leafIndex} where leaf_index = -1`,
      );
      const report = VerifyReport.parse(
        await (await fresh.request("GET", `/v1/verify${lot.items[0]!.key}`)).json(),
      );
      expect(report.ok).toBe(false);
      expect(report.problems.map((p) => p.kind)).toContain("reordered");
    } finally {
      await fresh.close();
    }
  });
});

describe("offline verification of an export", () => {
  it("accepts an untouched export and names an edited event", async () => {
    const lot = await lifecycle();
    await checkpointNow();
    const res = await t.request("GET", `/v1/export${lot.items[0]!.key}`);
    expect(res.status).toBe(200);
    const file = (await res.json()) as HistoryExportFile;
    expect(file.events).toHaveLength(2);
    expect(await verifyExport(file, key), JSON.stringify(file.checkpoint)).toEqual([]);
    const edited = structuredClone(file);
    edited.events[1]!.document.eventTime = "2020-01-01T00:00:00.000Z";
    const problems = await verifyExport(edited, key);
    expect(problems.join("\n")).toContain(`event ${file.events[1]!.id}`);
    const otherKey = new Uint8Array(32).fill(7);
    expect((await verifyExport(file, otherKey)).join()).toMatch(/not signed by this key/);
  });
});
