// Merkle log: RFC 6962/9162 vectors, an independent recursive implementation, proofs and tampering.
import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytesToHex, hexToBytes } from "./hex";
import {
  consistencyProof,
  inclusionProof,
  leafHash,
  MerkleLog,
  nodeHash,
  nodesCompletedBy,
  proveConsistency,
  proveInclusion,
  rootHash,
  type SubtreeHashes,
  subtreesForConsistency,
  subtreesForInclusion,
  subtreesForRoot,
  treeRoot,
  verifyConsistency,
  verifyInclusion,
} from "./merkle";

// The RFC 9162 definitions written out literally (section 2.1), with a synchronous SHA-256 that
// shares no code with the module under test.
const sha = (...parts: Uint8Array[]): Uint8Array => {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};
const naiveLeaf = (entry: Uint8Array) => sha(Uint8Array.of(0), entry);
const split = (n: number): number => 2 ** Math.ceil(Math.log2(n) - 1);

function mth(d: Uint8Array[]): Uint8Array {
  if (d.length === 0) return sha();
  if (d.length === 1) return d[0]!;
  const k = split(d.length);
  return sha(Uint8Array.of(1), mth(d.slice(0, k)), mth(d.slice(k)));
}

function path(m: number, d: Uint8Array[]): Uint8Array[] {
  if (d.length <= 1) return [];
  const k = split(d.length);
  return m < k
    ? [...path(m, d.slice(0, k)), mth(d.slice(k))]
    : [...path(m - k, d.slice(k)), mth(d.slice(0, k))];
}

function subproof(m: number, d: Uint8Array[], b: boolean): Uint8Array[] {
  if (m === d.length) return b ? [] : [mth(d)];
  const k = split(d.length);
  return m <= k
    ? [...subproof(m, d.slice(0, k), b), mth(d.slice(k))]
    : [...subproof(m - k, d.slice(k), false), mth(d.slice(0, k))];
}

const hex = (hashes: Uint8Array[]) => hashes.map(bytesToHex);
const leavesOf = (n: number) =>
  Array.from({ length: n }, (_, i) => naiveLeaf(Uint8Array.of(i & 255, i >> 8, 7)));

// RFC 6962 test data as published with the Certificate Transparency and transparency-dev code.
const CT_ENTRIES = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657"]
  .concat(["606162636465666768696a6b6c6d6e6f"])
  .map(hexToBytes);
const CT_ROOTS = [
  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
  "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
  "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
  "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
  "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
  "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
  "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];
const CT_INCLUSION: [number, number, string[]][] = [
  [
    0,
    8,
    [
      "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
  ],
  [
    5,
    8,
    [
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
  ],
  [2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]],
  [
    1,
    5,
    [
      "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ],
  ],
];
const CT_CONSISTENCY: [number, number, string[]][] = [
  [
    1,
    8,
    [
      "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
  ],
  [
    6,
    8,
    [
      "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
  ],
  [
    2,
    5,
    [
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ],
  ],
  [
    6,
    7,
    [
      "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
  ],
];

// Every way the Go reference tests corrupt a proof, plus a flipped bit in each element.
function corruptions(proof: Uint8Array[], extra: Uint8Array): Uint8Array[][] {
  const out = [[...proof, extra], [extra, ...proof], proof.slice(0, -1), proof.slice(1)];
  if (proof.length > 1) out.push([proof[0]!, extra, ...proof.slice(1)], [...proof].reverse());
  for (let i = 0; i < proof.length; i++) {
    for (const bit of [0, 3, 7]) {
      const copy = proof.map((p) => new Uint8Array(p));
      copy[i]![(i * 7) % 32]! ^= 1 << bit;
      out.push(copy);
    }
  }
  return out.filter((p) => p.length !== proof.length || p.some((h, i) => h !== proof[i]));
}

describe("RFC 6962 / 9162 vectors", () => {
  const leaves = CT_ENTRIES.map(naiveLeaf);

  it("leaf and node hashes carry the 0x00 / 0x01 domain prefixes", async () => {
    expect(bytesToHex(await leafHash(new Uint8Array()))).toBe(CT_ROOTS[1]);
    const [a, b] = [leaves[0]!, leaves[1]!];
    expect(bytesToHex(await nodeHash(a, b))).toBe(CT_ROOTS[2]);
  });

  it("reproduces the published root for every size 0..8", async () => {
    for (let n = 0; n <= 8; n++) {
      expect(bytesToHex(await rootHash(leaves.slice(0, n))), `size ${n}`).toBe(CT_ROOTS[n]);
      expect(bytesToHex(mth(leaves.slice(0, n)))).toBe(CT_ROOTS[n]);
    }
  });

  it.each(CT_INCLUSION)("inclusion of leaf %i in %i", async (index, size, expected) => {
    const proof = await inclusionProof(index, leaves.slice(0, size));
    expect(hex(proof)).toEqual(expected);
    const root = hexToBytes(CT_ROOTS[size]!);
    expect(await verifyInclusion(index, size, leaves[index]!, proof, root)).toBe(true);
  });

  it.each(CT_CONSISTENCY)("consistency of %i with %i", async (m, n, expected) => {
    const proof = await consistencyProof(m, n, leaves);
    expect(hex(proof)).toEqual(expected);
    const [oldRoot, newRoot] = [hexToBytes(CT_ROOTS[m]!), hexToBytes(CT_ROOTS[n]!)];
    expect(await verifyConsistency(m, n, oldRoot, newRoot, proof)).toBe(true);
  });
});

describe("inclusion proofs", () => {
  it("match RFC 9162 PATH and verify for every leaf of every size 1..64; tampering fails", async () => {
    const all = leavesOf(64);
    const log = await MerkleLog.fromLeafHashes(all);
    const junk = naiveLeaf(Uint8Array.of(99));
    for (let n = 1; n <= 64; n++) {
      const d = all.slice(0, n);
      const root = await log.root(n);
      expect(bytesToHex(root)).toBe(bytesToHex(mth(d)));
      for (let m = 0; m < n; m++) {
        const proof = await log.inclusionProof(m, n);
        expect(hex(proof)).toEqual(hex(path(m, d)));
        expect(await verifyInclusion(m, n, d[m]!, proof, root)).toBe(true);
        // A sample of tampering per tree keeps the run short; the property test below covers more.
        if (m % 5 !== n % 5) continue;
        for (const bad of corruptions(proof, junk)) {
          expect(await verifyInclusion(m, n, d[m]!, bad, root)).toBe(false);
        }
        expect(await verifyInclusion(m, n, junk, proof, root)).toBe(false);
        expect(await verifyInclusion(m, n, d[m]!, proof, junk)).toBe(false);
        if (n > 1) expect(await verifyInclusion((m + 1) % n, n, d[m]!, proof, root)).toBe(false);
        // No probe with another tree size: RFC 9162 binds the size only through the root (leaf 0
        // walks the same path in trees of 3 and 4), which is why checkpoints sign both together.
        expect(await verifyInclusion(m, m, d[m]!, proof, root)).toBe(false);
      }
    }
  });

  it("refuses impossible positions", async () => {
    const leaf = naiveLeaf(Uint8Array.of(1));
    expect(await verifyInclusion(0, 1, leaf, [], leaf)).toBe(true);
    expect(await verifyInclusion(1, 1, leaf, [], leaf)).toBe(false);
    expect(await verifyInclusion(0, 0, leaf, [], leaf)).toBe(false);
    expect(await verifyInclusion(-1, 1, leaf, [], leaf)).toBe(false);
    expect(await verifyInclusion(0, 1, leaf.slice(1), [], leaf.slice(1))).toBe(false);
    await expect(inclusionProof(3, leavesOf(3))).rejects.toThrow(RangeError);
  });
});

describe("consistency proofs", () => {
  it("match RFC 9162 PROOF and verify for every pair of sizes 1..40; tampering fails", async () => {
    const all = leavesOf(40);
    const log = await MerkleLog.fromLeafHashes(all);
    const roots = [mth([]), ...all.map((_, i) => mth(all.slice(0, i + 1)))];
    const junk = naiveLeaf(Uint8Array.of(42));
    for (let n = 1; n <= 40; n++) {
      for (let m = 1; m <= n; m++) {
        const proof = await log.consistencyProof(m, n);
        expect(hex(proof)).toEqual(m === n ? [] : hex(subproof(m, all.slice(0, n), true)));
        const [r1, r2] = [roots[m]!, roots[n]!];
        expect(await verifyConsistency(m, n, r1, r2, proof)).toBe(true);
        if (m === n || m % 3 !== n % 3) continue;
        for (const bad of corruptions(proof, junk)) {
          expect(await verifyConsistency(m, n, r1, r2, bad)).toBe(false);
        }
        expect(await verifyConsistency(m, n, r2, r1, proof)).toBe(false);
        expect(await verifyConsistency(m, n, junk, r2, proof)).toBe(false);
        expect(await verifyConsistency(m, n, r1, junk, proof)).toBe(false);
        expect(await verifyConsistency(n, m, r1, r2, proof)).toBe(false);
      }
    }
  });

  it("treats equal sizes and the empty tree as the RFC leaves them", async () => {
    const [a, b] = leavesOf(2);
    const empty = mth([]);
    expect(await verifyConsistency(1, 1, a!, a!, [])).toBe(true);
    expect(await verifyConsistency(1, 1, a!, b!, [])).toBe(false);
    expect(await verifyConsistency(1, 1, a!, a!, [a!])).toBe(false);
    expect(await verifyConsistency(0, 2, empty, b!, [])).toBe(true);
    expect(await verifyConsistency(0, 2, a!, b!, [])).toBe(false);
    expect(await verifyConsistency(2, 1, a!, b!, [])).toBe(false);
    expect(await verifyConsistency(1, 2, a!, b!, [])).toBe(false);
    expect(await proveConsistency(await MerkleLog.fromLeafHashes([a!]), 0, 1)).toEqual([]);
  });
});

describe("MerkleLog", () => {
  it("appending one leaf at a time gives the same tree as rebuilding from the leaves", async () => {
    const all = leavesOf(100);
    const grown = new MerkleLog();
    for (const [i, leaf] of all.entries()) {
      expect(await grown.append(leaf)).toBe(i);
      expect(bytesToHex(await grown.root())).toBe(bytesToHex(mth(all.slice(0, i + 1))));
    }
    const rebuilt = await MerkleLog.fromLeafHashes(all);
    expect(rebuilt.size).toBe(100);
    expect(hex(await grown.inclusionProof(37, 90))).toEqual(
      hex(await rebuilt.inclusionProof(37, 90)),
    );
    expect(hex(await grown.consistencyProof(13, 77))).toEqual(
      hex(subproof(13, all.slice(0, 77), true)),
    );
    expect(bytesToHex(rebuilt.leafHash(5))).toBe(bytesToHex(all[5]!));
  });

  it("applies concurrent appends in call order", async () => {
    const all = leavesOf(33);
    const log = new MerkleLog();
    const indices = await Promise.all(all.map((leaf) => log.append(leaf)));
    expect(indices).toEqual(all.map((_, i) => i));
    expect(bytesToHex(await log.root())).toBe(bytesToHex(mth(all)));
  });

  it("refuses sizes it does not have and malformed leaf hashes", async () => {
    const log = await MerkleLog.fromLeafHashes(leavesOf(4));
    expect(() => log.root(5)).toThrow(RangeError);
    expect(() => log.inclusionProof(0, 5)).toThrow(RangeError);
    await expect(log.append(new Uint8Array(31))).rejects.toThrow(RangeError);
    expect(log.size).toBe(4);
  });

  it("lets a store keep only the subtree hashes reported at each append", async () => {
    // What a database table keyed (level, index) would hold.
    const stored = new Map<string, Uint8Array>();
    const store: SubtreeHashes = {
      perfect: (level, index) => {
        const hash = stored.get(`${level}/${index}`);
        if (!hash) throw new Error(`missing ${level}/${index}`);
        return hash;
      },
    };
    const all = leavesOf(50);
    for (const [i, leaf] of all.entries()) {
      const nodes = await nodesCompletedBy(store, i, leaf);
      stored.set(`0/${i}`, leaf);
      for (const node of nodes) stored.set(`${node.level}/${node.index}`, node.hash);
    }
    expect(stored.size).toBe(2 * 50 - 3); // 50 leaves, 25 + 12 + 6 + 3 + 1 complete subtrees
    expect(bytesToHex(await treeRoot(store, 50))).toBe(bytesToHex(mth(all)));
    expect(hex(await proveInclusion(store, 44, 50))).toEqual(hex(path(44, all)));
    expect(hex(await proveConsistency(store, 21, 50))).toEqual(hex(subproof(21, all, true)));
  });

  it("names in advance every stored subtree a root or proof reads, so one query can fetch them", async () => {
    const all = leavesOf(77);
    const log = await MerkleLog.fromLeafHashes(all);
    // A store holding only what was announced fails loudly on anything else.
    const only = (keys: [number, number][]): SubtreeHashes => {
      const wanted = new Set(keys.map(([l, i]) => `${l}/${i}`));
      return {
        perfect: (level, index) => {
          if (!wanted.has(`${level}/${index}`)) throw new Error(`unannounced ${level}/${index}`);
          return log.perfect(level, index);
        },
      };
    };
    for (let n = 1; n <= 77; n++) {
      const root = await treeRoot(only(subtreesForRoot(n)), n);
      expect(bytesToHex(root)).toBe(bytesToHex(await log.root(n)));
      for (let m = 0; m < n; m += 3) {
        const proof = await proveInclusion(only(subtreesForInclusion(m, n)), m, n);
        expect(hex(proof)).toEqual(hex(await log.inclusionProof(m, n)));
        const keys = subtreesForConsistency(m + 1, n);
        expect(hex(await proveConsistency(only(keys), m + 1, n))).toEqual(
          hex(await log.consistencyProof(m + 1, n)),
        );
      }
    }
    // A root needs one subtree per set bit of the size: 77 = 64 + 8 + 4 + 1.
    expect(subtreesForRoot(77)).toEqual([
      [6, 0],
      [3, 8],
      [2, 18],
      [0, 76],
    ]);
  });
});

describe("stores that keep edge roots", () => {
  it("give the same proofs, and keep only the few imperfect ranges on the right edges", async () => {
    const all = leavesOf(300);
    const log = await MerkleLog.fromLeafHashes(all);
    for (const n of [1, 2, 3, 77, 128, 255, 299, 300]) {
      const store: SubtreeHashes = {
        perfect: (level, index) => log.perfect(level, index),
        edges: new Map(),
      };
      for (let m = 0; m < n; m++) {
        const proof = await proveInclusion(store, m, n);
        expect(hex(proof)).toEqual(hex(path(m, all.slice(0, n))));
        proof[0]?.fill(0); // what a caller does with its proof never reaches the store
      }
      expect(bytesToHex(await treeRoot(store, n))).toBe(bytesToHex(mth(all.slice(0, n))));
      expect(store.edges!.size).toBeLessThanOrEqual(Math.ceil(Math.log2(n)));
      for (let m = 1; m <= n; m += 7)
        expect(hex(await proveConsistency(store, m, n))).toEqual(
          hex(subproof(m, all.slice(0, n), true)),
        );
    }
  });
});

describe("properties", () => {
  const treeAndIndex = fc
    .integer({ min: 1, max: 300 })
    .chain((n) => fc.tuple(fc.constant(n), fc.nat({ max: n - 1 }), fc.nat({ max: n - 1 })));

  it("every inclusion proof verifies and a flipped bit anywhere breaks it", async () => {
    const log = await MerkleLog.fromLeafHashes(leavesOf(300));
    await fc.assert(
      fc.asyncProperty(treeAndIndex, fc.nat(), async ([n, m, other], bit) => {
        const [root, proof, leaf] = [
          await log.root(n),
          await log.inclusionProof(m, n),
          log.leafHash(m),
        ];
        expect(await verifyInclusion(m, n, leaf, proof, root)).toBe(true);
        const parts = [leaf, root, ...proof].map((h) => new Uint8Array(h));
        const target = parts[bit % parts.length]!;
        target[(bit >> 3) % 32]! ^= 1 << (bit % 8);
        const [badLeaf, badRoot, ...badProof] = parts;
        expect(await verifyInclusion(m, n, badLeaf!, badProof, badRoot!)).toBe(false);
        if (other !== m) expect(await verifyInclusion(other, n, leaf, proof, root)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it("every consistency proof verifies and a flipped bit anywhere breaks it", async () => {
    const log = await MerkleLog.fromLeafHashes(leavesOf(300));
    await fc.assert(
      fc.asyncProperty(treeAndIndex, fc.nat(), async ([n, a, b], bit) => {
        const m = Math.min(a, b) + 1;
        if (m === n) return;
        const [r1, r2, proof] = [
          await log.root(m),
          await log.root(n),
          await log.consistencyProof(m, n),
        ];
        expect(await verifyConsistency(m, n, r1, r2, proof)).toBe(true);
        const parts = [r1, r2, ...proof].map((h) => new Uint8Array(h));
        parts[bit % parts.length]![(bit >> 3) % 32]! ^= 1 << (bit % 8);
        const [badOld, badNew, ...badProof] = parts;
        expect(await verifyConsistency(m, n, badOld!, badNew!, badProof)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});
