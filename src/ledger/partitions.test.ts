// The partitioned ledger: events and their subjects by month of record time, uniqueness across
// months, months made ahead (once, from several nodes), pruning, and the migration of a ledger
// written before partitioning.
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { count, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmptyDb, createTestDb, onPostgres } from "../../test/db";
import { observeDraft } from "../../test/drafts";
import { migrate, migrationsFolder } from "../db/migrate";
import { rowsOf } from "../db/rows";
import { eventKeys, eventSubjects, events, logLeaves } from "../db/schema";
import type { Database, DatabaseHandle } from "../db/types";
import { documentsOf } from "../features/epcis/query-page";
import { FixedClock } from "../lib/clock";
import { appendEvents, type EventDraft } from "./append";
import { sequencePending } from "./log";
import {
  ensureLedgerPartitions,
  ledgerPartitions,
  ledgerUpkeep,
  UPKEEP_PERIOD_MS,
} from "./partitions";

let h: DatabaseHandle;
beforeAll(async () => {
  h = await createTestDb();
});
afterAll(() => h.close());

const draft = (serial: string, extra: Record<string, unknown> = {}) =>
  observeDraft(serial, new Date("2026-01-01T00:00:00.000Z"), extra);

const append = (db: Database, at: string, drafts: EventDraft[]) =>
  db.transaction((tx) => appendEvents(tx, new Date(at), drafts));

/** The partition that holds each row of `table` with these event row ids. */
async function homes(db: Database, table: "events" | "event_subjects", ids: number[]) {
  const column = table === "events" ? sql.raw("id") : sql.raw("event_id");
  const rows = rowsOf<{ home: string }>(
    await db.execute(
      sql`select tableoid::regclass::text as home from ${sql.raw(table)}
          where ${column} in ${sql.raw(`(${ids.join(",")})`)} order by ${column}`,
    ),
  );
  return rows.map((r) => r.home);
}

describe("the partitioned ledger", () => {
  it("keeps an event and its subjects in the partition of its record time's month", async () => {
    await ensureLedgerPartitions(h.db, new Date("2027-04-20T00:00:00Z"));
    const [a, b] = await append(h.db, "2027-04-30T23:59:59.999Z", [draft("P1"), draft("P2")]);
    const [c] = await append(h.db, "2027-05-01T00:00:00.000Z", [draft("P3")]);
    const ids = [a!.row.id, b!.row.id, c!.row.id];
    expect(await homes(h.db, "events", ids)).toEqual([
      "events_y2027m04",
      "events_y2027m04",
      "events_y2027m05",
    ]);
    expect(await homes(h.db, "event_subjects", ids)).toEqual([
      "event_subjects_y2027m04",
      "event_subjects_y2027m04",
      "event_subjects_y2027m05",
    ]);
    // Every event has its row of keys, with the same row id.
    const keys = await h.db.select().from(eventKeys).where(sql`${eventKeys.id} in ${ids}`);
    expect(keys.map((k) => k.hashId).sort()).toEqual(
      [a!.row.hashId, b!.row.hashId, c!.row.hashId].sort(),
    );
  });

  it("stores an Event Hash ID once however many months apart it is sent", async () => {
    const [first] = await append(h.db, "2027-04-02T10:00:00Z", [draft("Q1")]);
    const [again] = await append(h.db, "2027-06-02T10:00:00Z", [draft("Q1")]);
    expect(again!.duplicate).toBe(true);
    expect(again!.row.id).toBe(first!.row.id);
    expect(again!.row.recordTime.toISOString()).toBe("2027-04-02T10:00:00.000Z");
    const [n] = await h.db
      .select({ n: count() })
      .from(events)
      .where(sql`${events.hashId} = ${first!.row.hashId}`);
    expect(n!.n).toBe(1);
  });

  it("refuses an eventID reused for other content in another month", async () => {
    const id = "urn:uuid:4a0e1d52-0000-4000-8000-00000000a001";
    await append(h.db, "2027-04-03T10:00:00Z", [draft("R1", { eventID: id })]);
    await expect(
      append(h.db, "2027-07-03T10:00:00Z", [draft("R2", { eventID: id })]),
    ).rejects.toThrow(/already used/);
    // Without the check before it, the keys table still refuses the second row of that eventID.
    await expect(
      h.db.insert(eventKeys).values({ eventId: id, hashId: "ni:///sha-256;other?ver=CBV2.0" }),
    ).rejects.toThrow();
  });

  it("refuses an event without its row of keys", async () => {
    await expect(
      h.db.execute(sql`
        insert into events (id, event_id, hash_id, kind, event_type, event_time, record_time, document)
        values (987654321, 'urn:uuid:orphan', 'ni:///sha-256;orphan?ver=CBV2.0', 'test', 'ObjectEvent',
                now(), now(), '{}'::jsonb)`),
    ).rejects.toThrow();
  });

  it("keeps on events every lookup index it had before partitioning", async () => {
    // Their uniqueness moved to event_keys, but the lookups still read events: without its own
    // index, "is this event declared erroneous?" read every month for each listing a sale checks.
    const defs = rowsOf<{ def: string }>(
      await h.db.execute(
        sql`select regexp_replace(indexdef, '^.* USING btree ', '') as def from pg_indexes where tablename = 'events'`,
      ),
    ).map((r) => r.def);
    expect(defs).toEqual(
      expect.arrayContaining([
        "(hash_id)",
        "(event_id)",
        "(declares) WHERE (declares IS NOT NULL)",
        "(event_time)",
        "(record_time, id)",
        "(actor_org_id, kind)",
        "(biz_step)",
      ]),
    );
  });

  it("makes this month and the next, once, and lists them", async () => {
    const now = new Date("2029-11-15T12:00:00Z");
    expect(await ensureLedgerPartitions(h.db, now)).toBe(4);
    expect(await ensureLedgerPartitions(h.db, now)).toBe(0);
    const made = (await ledgerPartitions(h.db))
      .filter((p) => p.name.includes("y2029") || p.name.includes("y2030"))
      .map((p) => `${p.name} ${p.bounds}`);
    expect(made).toHaveLength(4);
    expect(made.filter((m) => m.startsWith("events_"))).toEqual([
      expect.stringMatching(
        /^events_y2029m11 FOR VALUES FROM \('2029-11-01 00:00:00\+00'\) TO \('2029-12-01 00:00:00\+00'\)$/,
      ),
      expect.stringMatching(
        /^events_y2029m12 FOR VALUES FROM \('2029-12-01 00:00:00\+00'\) TO \('2030-01-01 00:00:00\+00'\)$/,
      ),
    ]);
    expect((await ledgerPartitions(h.db)).filter((p) => p.bounds === "DEFAULT")).toHaveLength(2);
  });

  it("makes the months back to a past load's first, so its events leave the default partition alone", async () => {
    const now = new Date("2033-02-10T00:00:00Z");
    expect(await ensureLedgerPartitions(h.db, now, new Date("2032-11-20T00:00:00Z"))).toBe(10);
    const [past] = await append(h.db, "2032-11-21T00:00:00Z", [draft("U1")]);
    expect(await homes(h.db, "events", [past!.row.id])).toEqual(["events_y2032m11"]);
    const names = (await ledgerPartitions(h.db)).map((p) => p.name);
    expect(names.filter((n) => /^events_y203(2m1[12]|3m0[1-4])$/.test(n))).toHaveLength(5);
  });

  it("runs its daily upkeep once per day across nodes: the months ahead, and statistics for the partitioned tables", async () => {
    await append(h.db, "2034-06-01T00:00:00Z", [draft("V1")]);
    const tuples = async () =>
      rowsOf<{ n: number }>(
        await h.db.execute(
          sql`select reltuples::float8 as n from pg_class where relname = 'events'`,
        ),
      )[0]!.n;
    // A partitioned table's own statistics come only from an ANALYZE of it (never autovacuum).
    expect(await tuples()).toBeLessThanOrEqual(0);
    const clock = new FixedClock(new Date("2035-01-10T00:00:00Z"));
    expect(await ledgerUpkeep(h.db, clock)).toBe(true);
    expect(await tuples()).toBeGreaterThan(0);
    expect((await ledgerPartitions(h.db)).map((p) => p.name)).toContain("events_y2035m02");
    // Another node, an hour later: the day is taken.
    clock.advance(3_600_000);
    expect(await ledgerUpkeep(h.db, clock)).toBe(false);
    clock.advance(UPKEEP_PERIOD_MS);
    expect(await ledgerUpkeep(h.db, clock)).toBe(true);
    clock.set(new Date("2035-02-10T00:00:00Z"));
    expect(await ledgerUpkeep(h.db, clock)).toBe(true);
    expect((await ledgerPartitions(h.db)).map((p) => p.name)).toContain("events_y2035m03");
  });

  it("leaves in the default partition the events of a month made too late, and still finds them", async () => {
    const [stray] = await append(h.db, "2031-03-10T00:00:00Z", [draft("S1")]);
    expect(await homes(h.db, "events", [stray!.row.id])).toEqual(["events_default"]);
    expect(await homes(h.db, "event_subjects", [stray!.row.id])).toEqual([
      "event_subjects_default",
    ]);
    // March cannot be carved out of the default partition; April can.
    expect(await ensureLedgerPartitions(h.db, new Date("2031-03-20T00:00:00Z"))).toBe(2);
    const names = (await ledgerPartitions(h.db)).map((p) => p.name);
    expect(names).not.toContain("events_y2031m03");
    expect(names).toContain("events_y2031m04");
    const [again] = await append(h.db, "2031-04-01T00:00:00Z", [draft("S1")]);
    expect(again).toMatchObject({ duplicate: true, row: { id: stray!.row.id } });
  });

  it("reads the documents of a page from the months of their record times only", async () => {
    await ensureLedgerPartitions(h.db, new Date("2027-04-01T00:00:00Z"));
    const [a] = await append(h.db, "2027-05-05T00:00:00Z", [draft("T1")]);
    const keys = [{ id: a!.row.id, recordTime: a!.row.recordTime }];
    expect((await documentsOf(h.db, keys)).map((d) => d.id)).toEqual([a!.row.id]);
    const plan = rowsOf<Record<string, string>>(
      await h.db.execute(sql`explain select * from (${documentsOf(h.db, keys)}) as page`),
    )
      .map((r) => Object.values(r)[0])
      .join("\n");
    expect(plan).toContain("events_y2027m05");
    expect(plan).not.toContain("events_y2027m04");
    expect(plan).not.toContain("events_default");
  });

  it.skipIf(!onPostgres)(
    "makes a month once when several nodes ask at the same moment",
    async () => {
      const made = await Promise.all(
        Array.from({ length: 4 }, () =>
          ensureLedgerPartitions(h.db, new Date("2033-08-08T00:00:00Z")),
        ),
      );
      expect(made.reduce((a, b) => a + b, 0)).toBe(4);
    },
  );
  if (!onPostgres)
    console.info(
      "partitions.test: concurrent month making is tested on PostgreSQL only (PGlite has one connection)",
    );
});

describe("migration 0016 on a ledger written before it", () => {
  let old: DatabaseHandle;
  let folder: string;
  beforeAll(async () => {
    old = await createEmptyDb();
    // The migrations as they stood before 0016.
    folder = await mkdtemp(join(tmpdir(), "zs-migrations-"));
    await cp(migrationsFolder, folder, { recursive: true });
    const journalFile = join(folder, "meta/_journal.json");
    const journal = JSON.parse(await readFile(journalFile, "utf8")) as {
      entries: { tag: string }[];
    };
    const at = journal.entries.findIndex((e) => e.tag.startsWith("0016_"));
    journal.entries = journal.entries.slice(0, at);
    await writeFile(journalFile, JSON.stringify(journal));
    await migrate(old, folder);
  });
  afterAll(async () => {
    await old?.close();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  it("moves every event and subject into its month, keeps ids and references, and goes on appending", async () => {
    // Three events in two months and one sale receipt, as the append path wrote them before 0016.
    await old.db.execute(sql`
      insert into orgs (id, kind, name_zh, roles, region_code, status, created_at, updated_at)
      values ('org-m', 'enterprise', '迁移测试', '{seller}', '110000', 'active', now(), now())`);
    for (const [id, at] of [
      [1, "2026-09-30T23:00:00Z"],
      [2, "2026-10-01T01:00:00Z"],
      [3, "2026-10-15T00:00:00Z"],
    ] as const) {
      await old.db.execute(sql`
        insert into events (id, event_id, hash_id, kind, event_type, event_time, record_time, document)
        values (${id}, ${`urn:uuid:m-${id}`}, ${`ni:///sha-256;m${id}?ver=CBV2.0`}, 'test', 'ObjectEvent',
                ${at}::timestamptz, ${at}::timestamptz, '{}'::jsonb)`);
      await old.db.execute(sql`
        insert into event_subjects (event_id, subject_key, level, role)
        values (${id}, ${`/01/09506000134352/21/M${id}`}, 'item', 'epc'),
               (${id}, '/01/09506000134352/10/LOT', 'lot', 'context')`);
    }
    await old.db.execute(sql`select setval('events_id_seq', 3)`);
    await old.db.execute(sql`
      insert into receipts (id, code_hash, item_id, sale_event_id, seller_org_id, created_at)
      values ('rc-1', 'h1', 1, 3, 'org-m', now())`);

    await migrate(old);

    expect(await homes(old.db, "events", [1, 2, 3])).toEqual([
      "events_y2026m09",
      "events_y2026m10",
      "events_y2026m10",
    ]);
    expect(await homes(old.db, "event_subjects", [1, 2, 3])).toEqual([
      "event_subjects_y2026m09",
      "event_subjects_y2026m09",
      "event_subjects_y2026m10",
      "event_subjects_y2026m10",
      "event_subjects_y2026m10",
      "event_subjects_y2026m10",
    ]);
    const subjects = await old.db.select().from(eventSubjects);
    for (const s of subjects) {
      const [e] = await old.db.select().from(events).where(sql`${events.id} = ${s.eventId}`);
      expect(s.recordTime.toISOString()).toBe(e!.recordTime.toISOString());
    }
    expect((await old.db.select().from(eventKeys)).map((k) => k.id).sort()).toEqual([1, 2, 3]);
    // The receipt now refers to the event's keys; the old references are gone, not dangling.
    await expect(
      old.db.execute(sql`
        insert into receipts (id, code_hash, item_id, sale_event_id, seller_org_id, created_at)
        values ('rc-2', 'h2', 1, 99, 'org-m', now())`),
    ).rejects.toThrow();

    // The sequence goes on from the old ids, and the sequencer's trigger still fires.
    const [next] = await append(old.db, new Date().toISOString(), [draft("M4")]);
    expect(next!.row.id).toBe(4);
    expect(await sequencePending(old.db)).toBe(4);
    const leaves = await old.db.select().from(logLeaves);
    expect(leaves.map((l) => l.eventId).sort()).toEqual([1, 2, 3, 4]);
    // The old events' hash is still unique across the ledger.
    await expect(
      old.db
        .insert(eventKeys)
        .values({ eventId: "urn:uuid:m-x", hashId: "ni:///sha-256;m1?ver=CBV2.0" }),
    ).rejects.toThrow();
  });
});
