// Reads on a streaming replica: scans and histories answer from it, a client reads its own writes, and reads go on from the primary when it stops.
import { execFileSync } from "node:child_process";
import { count, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPostgres } from "../src/db/postgres";
import { rowsOf } from "../src/db/rows";
import { scans } from "../src/db/schema";
import type { DatabaseHandle } from "../src/db/types";
import { CONSISTENCY_HEADER, READ_FROM_HEADER, replicaRouting } from "../src/lib/read-replica";
import { createTestApp, type TestApp } from "./app";
import { client, type Story, seedStory } from "./browser/scenario";
import { createTestDb } from "./db";
import { makeCast } from "./factories";
import { serverUrl } from "./global-setup";
import { requiredService } from "./helpers/required-tool";

const TESTS = "read replica tests";
const replicaBase = process.env.TEST_DATABASE_URL
  ? requiredService("TEST_REPLICA_URL", TESTS, "bash scripts/start-replica.sh, as root")
  : null;
if (!process.env.TEST_DATABASE_URL) {
  console.warn(`${TESTS} skipped: they need a PostgreSQL server (TEST_DATABASE_URL)`);
}
/** "15 replica": the Debian cluster behind TEST_REPLICA_URL, which one test stops and starts. */
const cluster = process.env.TEST_REPLICA_CLUSTER?.split(" ");
if (replicaBase && !cluster) {
  if (process.env.CI === "true")
    throw new Error(`TEST_REPLICA_CLUSTER is not set in CI; the ${TESTS} refuse to skip`);
  console.warn(
    `${TESTS}: stopping the replica skipped: TEST_REPLICA_CLUSTER is not set (e.g. "15 replica")`,
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pgCtl = (action: "start" | "stop") =>
  execFileSync(
    "pg_ctlcluster",
    [
      "--skip-systemctl-redirect",
      ...cluster!,
      action,
      ...(action === "stop" ? ["-m", "fast"] : []),
    ],
    {
      stdio: "pipe",
    },
  );

let t: TestApp;
let replica: DatabaseHandle;
let story: Story;
let sellerKey: string;
let inspectorKey: string;
/** Reads as one phone; the load test spreads over many, each within the scan rate limit. */
const read = (path: string, headers: Record<string, string> = {}, phone = 1) =>
  t.request("GET", path, { headers: { ...client(phone), Accept: "application/json", ...headers } });

/** Until the replica has replayed the primary's WAL as of now. */
async function caughtUp() {
  const target = await primaryLsn();
  for (let i = 0; i < 100; i++) {
    const [row] = rowsOf<{ ok: boolean }>(
      await replica.db.execute(sql`select pg_last_wal_replay_lsn() >= ${target}::pg_lsn as ok`),
    );
    if (row?.ok) return;
    await sleep(100);
  }
  throw new Error("the replica did not catch up in 10 s");
}
async function primaryLsn() {
  const [row] = rowsOf<{ lsn: string }>(
    await t.db.execute(sql`select pg_current_wal_lsn()::text as lsn`),
  );
  return row!.lsn;
}

describe.skipIf(!replicaBase)("reads on a streaming replica", () => {
  beforeAll(async () => {
    const primary = await createTestDb();
    const name = new URL(primary.url!).pathname.slice(1);
    replica = openPostgres(serverUrl(replicaBase!, name), { max: 4 });
    // The new database reaches the replica through the WAL like everything else.
    for (let i = 0; ; i++) {
      try {
        await replica.ping();
        break;
      } catch (error) {
        if (i > 100) throw error;
        await sleep(100);
      }
    }
    t = await createTestApp({ handle: primary, replica: replicaRouting(replica.db) });
    const cast = await makeCast(t);
    sellerKey = cast.seller.key;
    inspectorKey = cast.inspector.key;
    story = await seedStory(t, cast, { until: "listed" });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await replica?.close();
  });

  it("answers a scan from the replica and writes its record on the primary", async () => {
    await caughtUp();
    const before = (await t.db.select({ n: count() }).from(scans))[0]!.n;
    const res = await read(story.item);
    expect(res.status).toBe(200);
    expect(res.headers.get(READ_FROM_HEADER)).toBe("replica");
    expect((await t.db.select({ n: count() }).from(scans))[0]!.n).toBe(before + 1);
    expect((await read(`/v1/history${story.item}`)).headers.get(READ_FROM_HEADER)).toBe("replica");
  });

  it("gives a write a consistency token that makes the next read see it", async () => {
    const sale = await t.request("POST", "/v1/events", {
      key: sellerKey,
      json: {
        kind: "sale",
        items: [story.item],
        orderNumber: "O-REPLICA",
        buyerRef: "buyer-replica",
      },
    });
    expect(sale.status, await sale.clone().text()).toBe(201);
    const token = sale.headers.get(CONSISTENCY_HEADER);
    expect(token).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    const { eventId } = ((await sale.json()) as { event: { eventId: string } }).event;
    for (let i = 0; i < 5; i++) {
      const history = await read(`/v1/history${story.item}`, { [CONSISTENCY_HEADER]: token! });
      expect(history.status).toBe(200);
      // From the replica once it has replayed the sale, from the primary until then: never without it.
      expect(JSON.stringify(await history.json())).toContain(eventId);
    }
    await caughtUp();
    const later = await read(`/v1/history${story.item}`, { [CONSISTENCY_HEADER]: token! });
    expect(later.headers.get(READ_FROM_HEADER)).toBe("replica");
  });

  it("traces an item and queries EPCIS events on the replica, which cannot sign: the sale is listed, without a proof yet", async () => {
    await caughtUp();
    const res = await t.request("GET", `/v1/trace${story.item}`, { key: inspectorKey });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(res.headers.get(READ_FROM_HEADER)).toBe("replica");
    const trace = (await res.json()) as { events: { kind: string; inclusion: unknown }[] };
    const sale = trace.events.find((e) => e.kind === "sale");
    expect(sale).toBeDefined();
    expect(sale?.inclusion).toBeNull();
    const query = await t.request("GET", "/epcis/events?perPage=5", { key: inspectorKey });
    expect(query.status, await query.clone().text()).toBe(200);
    expect(query.headers.get(READ_FROM_HEADER)).toBe("replica");
  });

  it.skipIf(!cluster)(
    "goes on reading from the primary when the replica stops under load",
    { timeout: 60_000 },
    async () => {
      await caughtUp();
      let stopped = false;
      const statuses: number[] = [];
      const sources = new Set<string | null>();
      const worker = async (w: number) => {
        for (let i = 0; i < 30; i++) {
          const path = i % 2 ? story.item : `/v1/history${story.item}`;
          const res = await read(path, {}, 100 + w);
          statuses.push(res.status);
          if (stopped) sources.add(res.headers.get(READ_FROM_HEADER));
          await res.arrayBuffer();
        }
      };
      const load = Promise.all(Array.from({ length: 6 }, (_, w) => worker(w)));
      await sleep(150);
      pgCtl("stop");
      stopped = true;
      try {
        await load;
        expect(statuses.filter((s) => s !== 200)).toEqual([]);
        expect(statuses.length).toBe(180);
        expect(sources.has("primary")).toBe(true);
      } finally {
        pgCtl("start");
      }
      // Scans that answered from the primary were recorded once each, whatever the replica did.
      const recorded = await t.db
        .select({ n: count() })
        .from(scans)
        .where(eq(scans.itemId, (await itemId())!));
      expect(recorded[0]!.n).toBeGreaterThanOrEqual(90);
    },
  );
});

async function itemId() {
  const serial = decodeURIComponent(story.item.split("/21/")[1]!);
  const rows = rowsOf<{ id: number }>(
    await t.db.execute(sql`select id from items where serial = ${serial}`),
  );
  return rows[0]?.id;
}
