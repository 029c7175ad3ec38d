// Stored subtree nodes: roots and proofs read from log_nodes equal the in-memory tree's, back-fill, holes.
import { asc, sql } from "drizzle-orm";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createTestDb } from "../../test/db";
import { rowsOf } from "../db/rows";
import { logLeaves, logNodes } from "../db/schema";
import type { Database, DatabaseHandle } from "../db/types";
import { generateSigningKey, importSigningKey, verifyCheckpoint } from "./checkpoint";
import { bytesToHex, hexToBytes } from "./hex";
import type * as LogModule from "./log";
import { checkpoint, sequencePending, storedLog } from "./log";
import { catchUpNodes, contiguousSize, extendNodes } from "./log-nodes";
import { MerkleLog, subtreesForInclusion, verifyConsistency, verifyInclusion } from "./merkle";

// A small stored level, so that a few hundred leaves reach levels 3 and up.
const K = 3;
const hex = (hashes: Uint8Array[]) => hashes.map(bytesToHex);

let handle: DatabaseHandle;
let db: Database;
beforeAll(async () => {
  handle = await createTestDb();
  db = handle.db;
});
afterAll(() => handle.close());

let made = 0;
/** Records `count` bare events, as an append would, without sequencing them. */
async function addEvents(target: Database, count: number): Promise<void> {
  const first = made + 1;
  made += count;
  await target.execute(sql`
    with k as (
      insert into event_keys (event_id, hash_id)
      select 'urn:uuid:t-' || g, 'ni:///sha-256;t' || g || '?ver=CBV2.0'
      from generate_series(${first}::int, ${made}::int) g order by g
      returning id, event_id, hash_id
    )
    insert into events (id, event_id, hash_id, kind, event_type, event_time, record_time, document)
    select k.id, k.event_id, k.hash_id, 'test', 'ObjectEvent', t.at, t.at, '{}'::jsonb
    from k, lateral (select timestamptz '2026-01-01' + split_part(k.event_id, '-', 2)::int * interval '1 second' as at) t`);
}

async function allLeaves(target: Database): Promise<Uint8Array[]> {
  const rows = await target.select().from(logLeaves).orderBy(asc(logLeaves.leafIndex));
  return rows.map((r) => hexToBytes(r.leafHash));
}

async function storedNodes(target: Database): Promise<string[]> {
  const rows = await target.select().from(logNodes);
  return rows.map((r) => `${r.level}/${r.index}/${r.hash}`).sort();
}

async function deps() {
  const key = await importSigningKey((await generateSigningKey()).privateKeyPkcs8);
  return {
    signingKey: key,
    origin: "test.zhuisu.example/log",
    now: () => new Date("2026-02-01T00:00:00Z"),
    storedLevel: K,
  };
}

describe("a log of 300 leaves sequenced in uneven batches", () => {
  let memory: MerkleLog;
  beforeAll(async () => {
    // Batches that end mid-block and span several blocks, so nodes are written piecemeal.
    for (const count of [1, 2, 5, 8, 13, 3, 30, 1, 64, 100, 73]) {
      await addEvents(db, count);
      await sequencePending(db, K);
    }
    memory = await MerkleLog.fromLeafHashes(await allLeaves(db));
    expect(memory.size).toBe(300);
  });

  it("stores every complete subtree at the stored level and above, and nothing else", async () => {
    const expected: string[] = [];
    for (let level = K; 2 ** level <= 300; level++)
      for (let index = 0; (index + 1) * 2 ** level <= 300; index++)
        expected.push(`${level}/${index}/${bytesToHex(memory.perfect(level, index))}`);
    expect(await storedNodes(db)).toEqual(expected.sort());
    expect(await contiguousSize(db, K)).toBe(300);
  });

  it("reads the same root, inclusion and consistency proofs as the in-memory tree for sizes 1..300", async () => {
    const log = storedLog(db, { storedLevel: K });
    for (let n = 1; n <= 300; n++) {
      expect(bytesToHex(await storedLog(db, { storedLevel: K }).root(n))).toBe(
        bytesToHex(await memory.root(n)),
      );
      for (const m of new Set([0, n >> 1, n - 1, (n * 7) % n])) {
        expect(hex(await log.inclusionProof(m, n))).toEqual(hex(await memory.inclusionProof(m, n)));
      }
      for (const m of new Set([1, n >> 1 || 1, n - 1 || 1, n])) {
        expect(hex(await log.consistencyProof(m, n))).toEqual(
          hex(await memory.consistencyProof(m, n)),
        );
      }
    }
  });

  it("reads the same proofs for random pairs of sizes, each from a reader of its own", async () => {
    const pair = fc
      .integer({ min: 1, max: 300 })
      .chain((n) => fc.tuple(fc.constant(n), fc.nat({ max: n - 1 })));
    await fc.assert(
      fc.asyncProperty(pair, async ([n, m]) => {
        const inclusion = await storedLog(db, { storedLevel: K }).inclusionProof(m, n);
        expect(hex(inclusion)).toEqual(hex(await memory.inclusionProof(m, n)));
        const consistency = await storedLog(db, { storedLevel: K }).consistencyProof(m + 1, n);
        expect(hex(consistency)).toEqual(hex(await memory.consistencyProof(m + 1, n)));
      }),
      { numRuns: 150 },
    );
  });

  it("proves many leaves against one size with one read", async () => {
    const indexes = [0, 7, 8, 150, 255, 256, 299];
    const proofs = await storedLog(db, { storedLevel: K }).inclusionProofs(indexes, 300);
    for (const [i, m] of indexes.entries())
      expect(hex(proofs[i]!)).toEqual(hex(await memory.inclusionProof(m, 300)));
  });

  it("back-fills the same nodes for a log sequenced before log_nodes, in bounded batches", async () => {
    const before = await storedNodes(db);
    await db.delete(logNodes);
    let batches = 0;
    for (let done = false; !done; batches++) done = await extendNodes(db, K, 40);
    expect(batches).toBeGreaterThan(5);
    expect(await storedNodes(db)).toEqual(before);
  });

  it("back-fills lazily when a proof needs a node that was never stored", async () => {
    const before = await storedNodes(db);
    await db.delete(logNodes);
    const proof = await storedLog(db, { storedLevel: K }).inclusionProof(3, 290);
    expect(hex(proof)).toEqual(hex(await memory.inclusionProof(3, 290)));
    expect(await storedNodes(db)).toEqual(before);
  });

  it("keeps one row per subtree, with a well-formed hash", async () => {
    const [node] = await db.select().from(logNodes).limit(1);
    await expect(db.insert(logNodes).values(node!)).rejects.toThrow();
    await expect(
      db.insert(logNodes).values({ level: 60, index: 0, hash: "not a hash" }),
    ).rejects.toThrow();
    await expect(
      db.insert(logNodes).values({ level: 60, index: -1, hash: "ab".repeat(32) }),
    ).rejects.toThrow();
  });
});

describe("a fresh process", () => {
  it("signs and proves from the stored nodes without reading the leaves they cover", async () => {
    const own = await createTestDb();
    try {
      const d = await deps();
      await addEvents(own.db, 1000);
      const first = await checkpoint(own.db, d);
      expect(first?.treeSize).toBe(1000);
      const original = await allLeaves(own.db);
      await addEvents(own.db, 21);

      vi.resetModules();
      const fresh: typeof LogModule = await import("./log");
      // Garble every leaf that no stored node covers and no proof below needs: a process that
      // rebuilt the tree from the leaves would sign and prove something else.
      const m = 613;
      const kept = subtreesForInclusion(m, 1000)
        .filter(([level]) => level < K)
        .map(([level, index]) => [index * 2 ** level, (index + 1) * 2 ** level]);
      const keep = sql.join(
        kept.map(([a, b]) => sql`(leaf_index >= ${a} and leaf_index < ${b})`),
        sql` or `,
      );
      await own.db.execute(
        sql`update log_leaves set leaf_hash = repeat('0', 64) where leaf_index < 1000 and not (${keep})`,
      );

      const second = await fresh.checkpoint(own.db, d);
      expect(second?.treeSize).toBe(1021);
      const memory = await MerkleLog.fromLeafHashes([
        ...original,
        ...(await allLeaves(own.db)).slice(1000),
      ]);
      expect(second!.rootHash).toBe(bytesToHex(await memory.root()));
      expect(await verifyCheckpoint(second!, d.signingKey.publicKey)).toBe(true);

      const log = fresh.storedLog(own.db, d);
      const proof = await log.inclusionProof(m, 1000);
      expect(hex(proof)).toEqual(hex(await memory.inclusionProof(m, 1000)));
      expect(await verifyInclusion(m, 1000, original[m]!, proof, hexToBytes(first!.rootHash))).toBe(
        true,
      );
      const consistency = await log.consistencyProof(1000, 1021);
      expect(
        await verifyConsistency(
          1000,
          1021,
          hexToBytes(first!.rootHash),
          hexToBytes(second!.rootHash),
          consistency,
        ),
      ).toBe(true);
    } finally {
      await own.close();
    }
  });
});

describe("holes", () => {
  it("never stores a node over a missing leaf, and the log's size stops at it", async () => {
    const own = await createTestDb();
    try {
      await addEvents(own.db, 20);
      await sequencePending(own.db, K);
      await own.db.delete(logNodes);
      await own.db.execute(sql`delete from log_leaves where leaf_index = 9`);
      await catchUpNodes(own.db, K);
      const levels = rowsOf<{ level: number; index: number | string }>(
        await own.db.execute(sql`select level, "index" from log_nodes order by level, "index"`),
      ).map((r) => `${r.level}/${Number(r.index)}`);
      expect(levels).toEqual(["3/0"]);
      expect(await contiguousSize(own.db, K)).toBe(9);
      await expect(storedLog(own.db, { storedLevel: K }).root(12)).rejects.toThrow(RangeError);
    } finally {
      await own.close();
    }
  });
});

describe("late commits", () => {
  it("sequences an event whose transaction committed after later events were sequenced", async () => {
    const own = await createTestDb();
    try {
      await addEvents(own.db, 5);
      // An id taken by a transaction that is still open while later events commit and are sequenced.
      const [reserved] = rowsOf<{ id: number | string }>(
        await own.db.execute(sql`select nextval('events_id_seq') as id`),
      );
      await addEvents(own.db, 4);
      expect(await sequencePending(own.db, K)).toBe(9);
      expect(await sequencePending(own.db, K)).toBe(0);
      await own.db.execute(sql`
        insert into event_keys (id, event_id, hash_id)
        values (${Number(reserved!.id)}, 'urn:uuid:late', 'ni:///sha-256;late?ver=CBV2.0')`);
      await own.db.execute(sql`
        insert into events (id, event_id, hash_id, kind, event_type, event_time, record_time, document)
        values (${Number(reserved!.id)}, 'urn:uuid:late', 'ni:///sha-256;late?ver=CBV2.0', 'test', 'ObjectEvent',
                timestamptz '2026-01-01', timestamptz '2026-01-01', '{}'::jsonb)`);
      expect(await sequencePending(own.db, K)).toBe(1);
      const [leaf] = await own.db
        .select()
        .from(logLeaves)
        .where(sql`${logLeaves.eventId} = ${Number(reserved!.id)}`);
      expect(leaf?.leafIndex).toBe(9);
      expect(await contiguousSize(own.db, K)).toBe(10);
    } finally {
      await own.close();
    }
  });

  it("keeps the queue of unsequenced events empty once they have leaves, and drops stale ids", async () => {
    const own = await createTestDb();
    try {
      const queued = async () =>
        rowsOf<{ event_id: number | string }>(
          await own.db.execute(sql`select event_id from log_pending order by event_id`),
        ).map((r) => Number(r.event_id));
      await addEvents(own.db, 3);
      expect(await queued()).toHaveLength(3);
      expect(await sequencePending(own.db, K)).toBe(3);
      expect(await queued()).toEqual([]);
      // An id whose event already has a leaf, and one whose event is gone: neither gets a leaf.
      const [leaf] = await own.db.select().from(logLeaves).limit(1);
      await own.db.execute(
        sql`insert into log_pending (event_id) values (${leaf!.eventId}), (999999999)`,
      );
      expect(await sequencePending(own.db, K)).toBe(0);
      expect(await queued()).toEqual([]);
      expect(await contiguousSize(own.db, K)).toBe(3);
    } finally {
      await own.close();
    }
  });
});
