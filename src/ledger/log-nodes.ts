// The Merkle log's stored subtree hashes (log_nodes): extended by the sequencer, read for roots and proofs.
import { and, asc, eq, gte, lt, max, or, sql } from "drizzle-orm";
import { logLeaves, logNodes } from "../db/schema";
import type { Db } from "../db/types";
import { type Bytes, bytesToHex, hexToBytes } from "./hex";
import {
  MerkleLog,
  nodeHash,
  nodesCompletedBy,
  proveConsistency,
  proveInclusion,
  type SubtreeHashes,
  subtreesForConsistency,
  subtreesForInclusion,
  subtreesForRoot,
  treeRoot,
} from "./merkle";

/**
 * Nodes of this level and above are stored: about 1/128 of a row per leaf. Below it a proof
 * rehashes at most 2^8 leaves on each side (its leaf's block and the tree's unfinished edge).
 */
export const STORED_LEVEL = 8;

// Any fixed number serves: it names the lock that makes one sequencer run at a time.
const SEQUENCER_LOCK = 7_412_001;
/** Leaves hashed into nodes per transaction when a log that predates log_nodes is caught up. */
const BACKFILL_BATCH = 16_384;
const INSERT_CHUNK = 5_000;

/** Makes the caller's transaction the only one that adds leaves or nodes until it ends. */
export async function lockSequencer(tx: Db): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${SEQUENCER_LOCK})`);
}

const keyOf = (level: number, index: number) => `${level}/${index}`;

/** How many blocks of 2^storedLevel leaves have their node stored (they are written in order). */
async function storedBlocks(db: Db, storedLevel: number): Promise<number> {
  const [row] = await db
    .select({ last: max(logNodes.index) })
    .from(logNodes)
    .where(eq(logNodes.level, storedLevel));
  return row?.last === null || row?.last === undefined ? 0 : Number(row.last) + 1;
}

async function nodesAt(db: Db, keys: readonly (readonly [number, number])[]) {
  const found = new Map<string, Bytes>();
  for (let i = 0; i < keys.length; i += 500) {
    const rows = await db
      .select()
      .from(logNodes)
      .where(
        or(
          ...keys
            .slice(i, i + 500)
            .map(([level, index]) => and(eq(logNodes.level, level), eq(logNodes.index, index))),
        ),
      );
    for (const r of rows) found.set(keyOf(r.level, r.index), hexToBytes(r.hash));
  }
  return found;
}

/**
 * Stores the nodes completed by the contiguous leaves after the last stored block, reading at
 * most `limit` leaves. The caller holds the sequencer lock. True when no complete block of
 * contiguous leaves is left without its nodes (the log is caught up, or stops at a hole).
 */
export async function extendNodes(
  tx: Db,
  storedLevel: number,
  limit = BACKFILL_BATCH,
): Promise<boolean> {
  const width = 2 ** storedLevel;
  const wanted = Math.max(width, Math.floor(limit / width) * width);
  const blocks = await storedBlocks(tx, storedLevel);
  const from = blocks * width;
  const rows = await tx
    .select({ leafIndex: logLeaves.leafIndex, leafHash: logLeaves.leafHash })
    .from(logLeaves)
    .where(gte(logLeaves.leafIndex, from))
    .orderBy(asc(logLeaves.leafIndex))
    .limit(wanted);
  // A node over a hole would commit to a history with an event missing.
  const hole = rows.findIndex((r, i) => r.leafIndex !== from + i);
  const complete = Math.floor((hole === -1 ? rows.length : hole) / width);
  if (complete > 0) {
    const batch = await MerkleLog.fromLeafHashes(
      rows.slice(0, complete * width).map((r) => hexToBytes(r.leafHash)),
    );
    // The stored subtrees left of the first new block are the only ones new nodes pair with.
    const known = await nodesAt(tx, subtreesForRoot(from));
    const above: SubtreeHashes = {
      perfect: (level, index) => {
        const hash = known.get(keyOf(level + storedLevel, index));
        if (!hash) throw new RangeError(`log_nodes lacks ${level + storedLevel}/${index}`);
        return hash;
      },
    };
    const fresh: (typeof logNodes.$inferInsert)[] = [];
    for (let b = 0; b < complete; b++) {
      const block = { level: 0, index: blocks + b, hash: batch.perfect(storedLevel, b) };
      for (const node of [block, ...(await nodesCompletedBy(above, block.index, block.hash))]) {
        known.set(keyOf(node.level + storedLevel, node.index), node.hash);
        fresh.push({
          level: node.level + storedLevel,
          index: node.index,
          hash: bytesToHex(node.hash),
        });
      }
    }
    for (let i = 0; i < fresh.length; i += INSERT_CHUNK)
      await tx.insert(logNodes).values(fresh.slice(i, i + INSERT_CHUNK));
  }
  return hole !== -1 || rows.length < wanted;
}

/** Back-fills log_nodes up to the leaves there are, one bounded transaction at a time. */
export async function catchUpNodes(db: Db, storedLevel = STORED_LEVEL): Promise<void> {
  for (;;) {
    const done = await db.transaction(async (tx) => {
      await lockSequencer(tx);
      return extendNodes(tx, storedLevel, BACKFILL_BATCH);
    });
    if (done) return;
  }
}

/**
 * Leaves in the log before its first hole: the stored blocks plus the contiguous leaves after
 * them (fewer than 2^storedLevel once the sequencer has run).
 */
export async function contiguousSize(db: Db, storedLevel = STORED_LEVEL): Promise<number> {
  const width = 2 ** storedLevel;
  const from = (await storedBlocks(db, storedLevel)) * width;
  const rows = await db
    .select({ leafIndex: logLeaves.leafIndex })
    .from(logLeaves)
    .where(gte(logLeaves.leafIndex, from))
    .orderBy(asc(logLeaves.leafIndex))
    .limit(width);
  const hole = rows.findIndex((r, i) => r.leafIndex !== from + i);
  return from + (hole === -1 ? rows.length : hole);
}

type Key = readonly [level: number, index: number];

/**
 * The log as read from the database: roots and proofs from the stored nodes a proof names plus
 * the leaves of the blocks below the stored level, O(log n) rows per proof. Meant for one
 * request (it keeps what it read, so many proofs against one size share the right edge).
 */
export class StoredLog implements SubtreeHashes {
  readonly #nodes = new Map<string, Bytes>();
  readonly #leaves = new Map<number, Bytes>();
  readonly #below = new Map<string, Promise<Bytes>>();
  readonly edges = new Map<string, Promise<Bytes>>();

  constructor(
    private readonly db: Db,
    private readonly storedLevel = STORED_LEVEL,
  ) {}

  async root(size: number): Promise<Bytes> {
    await this.#load(subtreesForRoot(size));
    return treeRoot(this, size);
  }

  async inclusionProof(leafIndex: number, treeSize: number): Promise<Bytes[]> {
    await this.#load(subtreesForInclusion(leafIndex, treeSize));
    return proveInclusion(this, leafIndex, treeSize);
  }

  /** Audit paths of many leaves against one size, their rows fetched together. */
  async inclusionProofs(leafIndexes: readonly number[], treeSize: number): Promise<Bytes[][]> {
    await this.#load(leafIndexes.flatMap((m) => subtreesForInclusion(m, treeSize)));
    return Promise.all(leafIndexes.map((m) => proveInclusion(this, m, treeSize)));
  }

  async consistencyProof(oldSize: number, newSize: number): Promise<Bytes[]> {
    await this.#load(subtreesForConsistency(oldSize, newSize));
    return proveConsistency(this, oldSize, newSize);
  }

  perfect(level: number, index: number): Bytes | Promise<Bytes> {
    if (level >= this.storedLevel) {
      const hash = this.#nodes.get(keyOf(level, index));
      if (!hash) throw new RangeError(`no complete subtree at level ${level}, index ${index}`);
      return hash;
    }
    if (level === 0) {
      const leaf = this.#leaves.get(index);
      if (!leaf) throw new RangeError(`leaf ${index} is missing from the log`);
      return leaf;
    }
    const key = keyOf(level, index);
    let hash = this.#below.get(key);
    if (!hash) {
      hash = (async () =>
        nodeHash(
          await this.perfect(level - 1, 2 * index),
          await this.perfect(level - 1, 2 * index + 1),
        ))();
      this.#below.set(key, hash);
    }
    return hash;
  }

  async #load(keys: readonly Key[]): Promise<void> {
    const nodes = [...new Map(keys.map((k) => [keyOf(...k), k])).values()].filter(
      ([level, index]) => level >= this.storedLevel && !this.#nodes.has(keyOf(level, index)),
    );
    const ranges = leafRanges(
      keys.filter(([level]) => level < this.storedLevel),
      (i) => this.#leaves.has(i),
    );
    const [found] = await Promise.all([this.#readNodes(nodes), this.#readLeaves(ranges)]);
    if (found < nodes.length) {
      // A log sequenced before log_nodes existed, or a sequencer that has not caught up yet.
      await catchUpNodes(this.db, this.storedLevel);
      await this.#readNodes(nodes.filter(([l, i]) => !this.#nodes.has(keyOf(l, i))));
    }
  }

  async #readNodes(keys: readonly Key[]): Promise<number> {
    if (keys.length === 0) return 0;
    const found = await nodesAt(this.db, keys);
    for (const [key, hash] of found) this.#nodes.set(key, hash);
    return found.size;
  }

  async #readLeaves(ranges: readonly Key[]): Promise<void> {
    for (let i = 0; i < ranges.length; i += 200) {
      const rows = await this.db
        .select({ leafIndex: logLeaves.leafIndex, leafHash: logLeaves.leafHash })
        .from(logLeaves)
        .where(
          or(
            ...ranges
              .slice(i, i + 200)
              .map(([start, end]) =>
                and(gte(logLeaves.leafIndex, start), lt(logLeaves.leafIndex, end)),
              ),
          ),
        );
      for (const r of rows) this.#leaves.set(r.leafIndex, hexToBytes(r.leafHash));
    }
  }
}

/** The leaf ranges [start, end) under subtrees below the stored level, merged, minus what is read. */
function leafRanges(keys: readonly Key[], have: (i: number) => boolean): Key[] {
  const ranges = keys
    .map(([level, index]): Key => [index * 2 ** level, (index + 1) * 2 ** level])
    .filter(([start, end]) => {
      for (let i = start; i < end; i++) if (!have(i)) return true;
      return false;
    })
    .sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [start, end] of ranges) {
    const last = merged.at(-1);
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  return merged;
}
