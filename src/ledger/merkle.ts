// Append-only Merkle log hashing (RFC 9162 section 2.1): tree heads, inclusion and consistency proofs.

import { type Bytes, bytesEqual, concatBytes, sha256 } from "./hex";

export const HASH_SIZE = 32;
const LEAF_PREFIX = new Uint8Array([0]);
const NODE_PREFIX = new Uint8Array([1]);

/** Hash of a log entry as a leaf: SHA-256(0x00 || entry). */
export function leafHash(entry: Uint8Array): Promise<Bytes> {
  return sha256(concatBytes(LEAF_PREFIX, entry));
}

/** Hash of an interior node: SHA-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Promise<Bytes> {
  return sha256(concatBytes(NODE_PREFIX, left, right));
}

/** Root of the empty tree: SHA-256 of nothing. */
export function emptyRoot(): Promise<Bytes> {
  return sha256(new Uint8Array(0));
}

/**
 * Where proofs get their hashes from: the hash of the complete subtree of 2^level leaves that
 * starts at leaf index * 2^level (level 0: the leaf hashes). Every other hash a proof needs is
 * computed from these in O(log n). The in-memory `MerkleLog` is one; a database table of the
 * nodes reported by `nodesCompletedBy` at each append is another.
 */
export interface SubtreeHashes {
  perfect(level: number, index: number): Promise<Uint8Array> | Uint8Array;
  /**
   * Where a store keeps the roots of the imperfect ranges it was asked for, keyed "start:end".
   * They lie on the right edges of the trees proven against, so proofs against one size share
   * the same few: an export of many events hashes them once instead of once per event.
   */
  readonly edges?: Map<string, Promise<Bytes>>;
}

// Sizes may exceed 2^32, so halving is arithmetic rather than a bit shift.
const half = (n: number): number => Math.floor(n / 2);
const odd = (n: number): boolean => n % 2 === 1;

function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function exponentOf(n: number): number | null {
  let level = 0;
  for (let k = 1; k <= n; k *= 2, level++) if (k === n) return level;
  return null;
}

const isSize = (n: number): boolean => Number.isSafeInteger(n) && n >= 0;

type Range = readonly [start: number, end: number];

/**
 * MTH of leaves [start, end). Only called on ranges of the RFC 9162 split, where start is a
 * multiple of the largest power of two not above end - start, so a power-of-two range is stored.
 */
async function subtreeRoot(tree: SubtreeHashes, [start, end]: Range): Promise<Bytes> {
  const n = end - start;
  if (n === 0) return emptyRoot();
  const level = exponentOf(n);
  if (level !== null) return new Uint8Array(await tree.perfect(level, start / n));
  const key = `${start}:${end}`;
  const kept = tree.edges?.get(key);
  if (kept) return new Uint8Array(await kept);
  const k = largestPowerOfTwoBelow(n);
  const root = Promise.all([
    subtreeRoot(tree, [start, start + k]),
    subtreeRoot(tree, [start + k, end]),
  ]).then(([left, right]) => nodeHash(left, right));
  tree.edges?.set(key, root);
  return new Uint8Array(await root);
}

// The stored subtrees that subtreeRoot reads for a range, as [level, index].
function perfectParts([start, end]: Range, out: [number, number][]): void {
  const n = end - start;
  if (n === 0) return;
  const level = exponentOf(n);
  if (level !== null) {
    out.push([level, start / n]);
    return;
  }
  const k = largestPowerOfTwoBelow(n);
  perfectParts([start, start + k], out);
  perfectParts([start + k, end], out);
}

// RFC 9162 PATH(m, D[n]) as the leaf ranges whose roots make up the proof, leaf side first.
function inclusionRanges(leafIndex: number, treeSize: number): Range[] {
  if (!isSize(treeSize) || !isSize(leafIndex) || leafIndex >= treeSize) {
    throw new RangeError(`leaf ${leafIndex} is not in a tree of ${treeSize}`);
  }
  const ranges: Range[] = [];
  let [start, end] = [0, treeSize];
  while (end - start > 1) {
    const split = start + largestPowerOfTwoBelow(end - start);
    if (leafIndex < split) {
      ranges.push([split, end]);
      end = split;
    } else {
      ranges.push([start, split]);
      start = split;
    }
  }
  return ranges.reverse();
}

// RFC 9162 PROOF(m, D[n]) as leaf ranges, in proof order.
function consistencyRanges(oldSize: number, newSize: number): Range[] {
  if (!isSize(oldSize) || !isSize(newSize) || oldSize > newSize) {
    throw new RangeError(`no consistency proof from ${oldSize} to ${newSize}`);
  }
  if (oldSize === 0 || oldSize === newSize) return [];
  const ranges: Range[] = [];
  let [start, end, complete] = [0, newSize, true];
  while (oldSize !== end) {
    const split = start + largestPowerOfTwoBelow(end - start);
    if (oldSize <= split) {
      ranges.push([split, end]);
      end = split;
    } else {
      ranges.push([start, split]);
      start = split;
      complete = false;
    }
  }
  // The old tree's own subtree is needed unless it is the whole old tree (then the verifier has it).
  if (!complete) ranges.push([start, end]);
  return ranges.reverse();
}

/** Root hash (MTH) of the first `size` leaves. */
export function treeRoot(tree: SubtreeHashes, size: number): Promise<Bytes> {
  if (!isSize(size)) throw new RangeError(`invalid tree size ${size}`);
  return subtreeRoot(tree, [0, size]);
}

/** Audit path (RFC 9162 PATH) of leaf `leafIndex` in the tree of the first `treeSize` leaves. */
export function proveInclusion(
  tree: SubtreeHashes,
  leafIndex: number,
  treeSize: number,
): Promise<Bytes[]> {
  return Promise.all(inclusionRanges(leafIndex, treeSize).map((r) => subtreeRoot(tree, r)));
}

/** Consistency proof (RFC 9162 PROOF) that the first `oldSize` leaves are a prefix of `newSize`. */
export function proveConsistency(
  tree: SubtreeHashes,
  oldSize: number,
  newSize: number,
): Promise<Bytes[]> {
  return Promise.all(consistencyRanges(oldSize, newSize).map((r) => subtreeRoot(tree, r)));
}

// What a database-backed store needs to fetch first (one query), as [level, index] pairs.
const partsOf = (ranges: Range[]): [number, number][] => {
  const out: [number, number][] = [];
  for (const r of ranges) perfectParts(r, out);
  return out;
};

/** The stored subtrees `treeRoot(tree, size)` reads, as [level, index]. */
export const subtreesForRoot = (size: number) => partsOf([[0, size]]);
/** The stored subtrees `proveInclusion` reads, as [level, index]. */
export const subtreesForInclusion = (leafIndex: number, treeSize: number) =>
  partsOf(inclusionRanges(leafIndex, treeSize));
/** The stored subtrees `proveConsistency` reads, as [level, index]. */
export const subtreesForConsistency = (oldSize: number, newSize: number) =>
  partsOf(consistencyRanges(oldSize, newSize));

const isHash = (h: Uint8Array): boolean => h.length === HASH_SIZE;

/** RFC 9162 section 2.1.3.2: does `proof` place `leafHash` at `leafIndex` under `root`? */
export async function verifyInclusion(
  leafIndex: number,
  treeSize: number,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): Promise<boolean> {
  if (!isSize(leafIndex) || !isSize(treeSize) || leafIndex >= treeSize) return false;
  if (![leafHash, root, ...proof].every(isHash)) return false;
  let [fn, sn] = [leafIndex, treeSize - 1];
  let r: Uint8Array = leafHash;
  for (const p of proof) {
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      r = await nodeHash(p, r);
      while (!odd(fn) && fn !== 0) [fn, sn] = [half(fn), half(sn)];
    } else {
      r = await nodeHash(r, p);
    }
    [fn, sn] = [half(fn), half(sn)];
  }
  return sn === 0 && bytesEqual(r, root);
}

/** RFC 9162 section 2.1.4.2: is the tree with `newRoot` an append-only extension of `oldRoot`'s? */
export async function verifyConsistency(
  oldSize: number,
  newSize: number,
  oldRoot: Uint8Array,
  newRoot: Uint8Array,
  proof: readonly Uint8Array[],
): Promise<boolean> {
  if (!isSize(oldSize) || !isSize(newSize) || oldSize > newSize) return false;
  if (![oldRoot, newRoot, ...proof].every(isHash)) return false;
  if (oldSize === newSize) return proof.length === 0 && bytesEqual(oldRoot, newRoot);
  if (oldSize === 0) return proof.length === 0 && bytesEqual(oldRoot, await emptyRoot());
  if (proof.length === 0) return false;
  const path = exponentOf(oldSize) === null ? proof : [oldRoot, ...proof];
  let [fn, sn] = [oldSize - 1, newSize - 1];
  while (odd(fn)) [fn, sn] = [half(fn), half(sn)];
  let fr: Uint8Array = path[0]!;
  let sr: Uint8Array = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      [fr, sr] = await Promise.all([nodeHash(c, fr), nodeHash(c, sr)]);
      while (!odd(fn) && fn !== 0) [fn, sn] = [half(fn), half(sn)];
    } else {
      sr = await nodeHash(sr, c);
    }
    [fn, sn] = [half(fn), half(sn)];
  }
  return sn === 0 && bytesEqual(fr, oldRoot) && bytesEqual(sr, newRoot);
}

/** A complete subtree that became hashable when a leaf was appended. */
export interface SubtreeNode {
  level: number;
  index: number;
  hash: Bytes;
}

/**
 * The interior nodes completed by appending leaf `leafIndex` (lowest level first), for a store
 * that keeps subtree hashes: about one per append, never more than log2 of the size.
 */
export async function nodesCompletedBy(
  tree: SubtreeHashes,
  leafIndex: number,
  leafHash: Uint8Array,
): Promise<SubtreeNode[]> {
  const nodes: SubtreeNode[] = [];
  let [index, hash] = [leafIndex, new Uint8Array(leafHash)];
  for (let level = 0; odd(index); level++) {
    hash = await nodeHash(await tree.perfect(level, index - 1), hash);
    index = half(index);
    nodes.push({ level: level + 1, index, hash });
  }
  return nodes;
}

// One level of a log's tree: 32-byte hashes back to back, so a million leaves cost 64 MB in all.
class HashColumn {
  #data = new Uint8Array(HASH_SIZE * 256);
  length = 0;

  push(hash: Uint8Array): void {
    if ((this.length + 1) * HASH_SIZE > this.#data.length) {
      const grown = new Uint8Array(this.#data.length * 2);
      grown.set(this.#data);
      this.#data = grown;
    }
    this.#data.set(hash, this.length * HASH_SIZE);
    this.length++;
  }

  at(index: number): Bytes {
    return this.#data.slice(index * HASH_SIZE, (index + 1) * HASH_SIZE);
  }

  /** Hash of nodes 2i and 2i+1, which lie next to each other: no intermediate copies. */
  parentOf(i: number): Promise<Bytes> {
    const message = new Uint8Array(1 + 2 * HASH_SIZE);
    message[0] = 1;
    message.set(this.#data.subarray(2 * i * HASH_SIZE, (2 * i + 2) * HASH_SIZE), 1);
    return sha256(message);
  }
}

const REBUILD_BATCH = 16_384;

/** An in-memory log: every complete subtree hash kept, so roots and proofs cost O(log n) hashes. */
export class MerkleLog implements SubtreeHashes {
  readonly #levels: HashColumn[] = [new HashColumn()];
  #size = 0;
  #appending: Promise<unknown> = Promise.resolve();

  /** Rebuilds a log from its leaf hashes in log order (hashing a level's pairs in parallel). */
  static async fromLeafHashes(leafHashes: Iterable<Uint8Array>): Promise<MerkleLog> {
    const log = new MerkleLog();
    const leaves = log.#levels[0]!;
    for (const h of leafHashes) {
      if (!isHash(h)) throw new RangeError("a leaf hash is 32 bytes");
      leaves.push(h);
    }
    for (let level = 0; (log.#levels[level]?.length ?? 0) >= 2; level++) {
      const below = log.#levels[level]!;
      const above = new HashColumn();
      for (let first = 0; first < half(below.length); first += REBUILD_BATCH) {
        const count = Math.min(REBUILD_BATCH, half(below.length) - first);
        const batch = Array.from({ length: count }, (_, i) => below.parentOf(first + i));
        for (const h of await Promise.all(batch)) above.push(h);
      }
      log.#levels.push(above);
    }
    log.#size = leaves.length;
    return log;
  }

  /** Leaves appended and fully hashed in; readers never see a half-done append. */
  get size(): number {
    return this.#size;
  }

  /** Appends one leaf hash and returns its index. Concurrent calls are applied in call order. */
  append(leafHash: Uint8Array): Promise<number> {
    if (!isHash(leafHash)) return Promise.reject(new RangeError("a leaf hash is 32 bytes"));
    const done = this.#appending.then(async () => {
      const index = this.#size;
      for (const node of await nodesCompletedBy(this, index, leafHash)) {
        if (!this.#levels[node.level]) this.#levels[node.level] = new HashColumn();
        this.#levels[node.level]!.push(node.hash);
      }
      this.#levels[0]!.push(leafHash);
      this.#size = index + 1;
      return index;
    });
    this.#appending = done.catch(() => undefined);
    return done;
  }

  leafHash(index: number): Bytes {
    return this.perfect(0, index);
  }

  perfect(level: number, index: number): Bytes {
    const column = this.#levels[level];
    if (!column || !Number.isSafeInteger(index) || index < 0 || index >= column.length) {
      throw new RangeError(`no complete subtree at level ${level}, index ${index}`);
    }
    return column.at(index);
  }

  root(size = this.#size): Promise<Bytes> {
    return treeRoot(this, this.#checked(size));
  }

  inclusionProof(leafIndex: number, treeSize = this.#size): Promise<Bytes[]> {
    return proveInclusion(this, leafIndex, this.#checked(treeSize));
  }

  consistencyProof(oldSize: number, newSize = this.#size): Promise<Bytes[]> {
    return proveConsistency(this, oldSize, this.#checked(newSize));
  }

  #checked(size: number): number {
    if (!isSize(size) || size > this.#size) {
      throw new RangeError(`the log has ${this.#size} leaves, not ${size}`);
    }
    return size;
  }
}

/** MTH over a list of leaf hashes. */
export async function rootHash(leafHashes: readonly Uint8Array[]): Promise<Bytes> {
  return (await MerkleLog.fromLeafHashes(leafHashes)).root();
}

export async function inclusionProof(
  leafIndex: number,
  leafHashes: readonly Uint8Array[],
): Promise<Bytes[]> {
  return (await MerkleLog.fromLeafHashes(leafHashes)).inclusionProof(leafIndex);
}

export async function consistencyProof(
  oldSize: number,
  newSize: number,
  leafHashes: readonly Uint8Array[],
): Promise<Bytes[]> {
  return (await MerkleLog.fromLeafHashes(leafHashes.slice(0, newSize))).consistencyProof(oldSize);
}
