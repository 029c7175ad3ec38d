// Signed checkpoints: round trips, tampering, wrong keys, and interoperability with C2SP signed notes.
import { describe, expect, it } from "vitest";
import {
  type Checkpoint,
  checkpointText,
  fromSignedNote,
  generateSigningKey,
  importSigningKey,
  keyIdOf,
  noteSignatureLine,
  noteVerifierKey,
  publicKeyFromPrivate,
  type SignedCheckpoint,
  signCheckpoint,
  toSignedNote,
  verifyCheckpoint,
} from "./checkpoint";
import { base64ToBytes, bytesToBase64, bytesToHex, concatBytes, hexToBytes, utf8 } from "./hex";

const CHECKPOINT: Checkpoint = {
  origin: "zhuisu.example/log",
  treeSize: 20852163,
  rootHash: "0ac5186a91863e8e1d90c808014aa89bf5da8e3ee1d9f07630f0378f68f1ab62",
  timestamp: "2024-05-06T02:11:12.345Z",
};

// An Ed25519 private key in PKCS#8 is a fixed 16-byte header followed by the 32-byte seed.
const pkcs8 = (seed: Uint8Array) =>
  bytesToBase64(concatBytes(hexToBytes("302e020100300506032b657004220420"), seed));

describe("checkpoint text", () => {
  it("is the C2SP checkpoint body with a timestamp extension line", () => {
    expect(checkpointText(CHECKPOINT)).toBe(
      "zhuisu.example/log\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n" +
        "timestamp 2024-05-06T02:11:12.345Z\n",
    );
  });

  it.each<[string, Partial<Checkpoint>]>([
    ["an empty origin", { origin: "" }],
    ["an origin with a newline", { origin: "zhuisu.example/log\n1" }],
    ["an origin with a space", { origin: "zhuisu example" }],
    ["an origin with a plus", { origin: "zhuisu+log" }],
    ["a negative size", { treeSize: -1 }],
    ["a fractional size", { treeSize: 1.5 }],
    ["a short root hash", { rootHash: "0ac5" }],
    ["an upper-case root hash", { rootHash: CHECKPOINT.rootHash.toUpperCase() }],
    ["a timestamp with an offset", { timestamp: "2024-05-06T10:11:12.345+08:00" }],
    ["a timestamp without milliseconds", { timestamp: "2024-05-06T02:11:12Z" }],
  ])("refuses %s", (_, change) => {
    expect(() => checkpointText({ ...CHECKPOINT, ...change })).toThrow(TypeError);
  });
});

describe("keys", () => {
  it("generates keys that import back with the same public key and key id", async () => {
    const exported = await generateSigningKey();
    const key = await importSigningKey(exported.privateKeyPkcs8);
    expect(bytesToBase64(key.publicKey)).toBe(exported.publicKey);
    expect(key.keyId).toBe(exported.keyId);
    expect(key.keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(bytesToHex(await publicKeyFromPrivate(key.privateKey))).toBe(bytesToHex(key.publicKey));
  });

  it("derives the RFC 8032 public key and signature (test 1) from a PKCS#8 seed", async () => {
    const seed = hexToBytes("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
    const key = await importSigningKey(pkcs8(seed));
    expect(bytesToHex(key.publicKey)).toBe(
      "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
    );
    const signature = await crypto.subtle.sign(
      { name: "Ed25519" },
      key.privateKey,
      new Uint8Array(),
    );
    expect(bytesToHex(new Uint8Array(signature))).toBe(
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    );
    expect(key.keyId).toBe(
      bytesToHex(new Uint8Array(await crypto.subtle.digest("SHA-256", key.publicKey))).slice(0, 16),
    );
  });
});

describe("signing and verifying", () => {
  it("verifies what it signed, with the raw or the base64 public key", async () => {
    const exported = await generateSigningKey();
    const key = await importSigningKey(exported.privateKeyPkcs8);
    const signed = await signCheckpoint(CHECKPOINT, key);
    expect(signed).toMatchObject({ ...CHECKPOINT, keyId: exported.keyId });
    expect(base64ToBytes(signed.signature)).toHaveLength(64);
    expect(await verifyCheckpoint(signed, key.publicKey)).toBe(true);
    expect(await verifyCheckpoint(signed, exported.publicKey)).toBe(true);
    // Survives a trip through JSON, as it will through the API and the database.
    expect(await verifyCheckpoint(JSON.parse(JSON.stringify(signed)), exported.publicKey)).toBe(
      true,
    );
  });

  it.each<[string, Partial<SignedCheckpoint>]>([
    ["origin", { origin: "zhuisu.example/other-log" }],
    ["tree size", { treeSize: 20852164 }],
    ["root hash", { rootHash: `1${CHECKPOINT.rootHash.slice(1)}` }],
    ["timestamp", { timestamp: "2024-05-06T02:11:12.346Z" }],
    ["key id", { keyId: "0000000000000000" }],
    ["signature", { signature: bytesToBase64(new Uint8Array(64)) }],
    ["signature encoding", { signature: "not base64!" }],
    ["signature length", { signature: bytesToBase64(new Uint8Array(63)) }],
  ])("fails when the %s is changed", async (_, change) => {
    const key = await importSigningKey((await generateSigningKey()).privateKeyPkcs8);
    const signed = await signCheckpoint(CHECKPOINT, key);
    expect(await verifyCheckpoint({ ...signed, ...change }, key.publicKey)).toBe(false);
  });

  it("fails with another key, even when the key id is made to match it", async () => {
    const key = await importSigningKey((await generateSigningKey()).privateKeyPkcs8);
    const other = await importSigningKey((await generateSigningKey()).privateKeyPkcs8);
    const signed = await signCheckpoint(CHECKPOINT, key);
    expect(await verifyCheckpoint(signed, other.publicKey)).toBe(false);
    expect(await verifyCheckpoint({ ...signed, keyId: other.keyId }, other.publicKey)).toBe(false);
    expect(await verifyCheckpoint(signed, new Uint8Array(31))).toBe(false);
    expect(await verifyCheckpoint(signed, "garbage")).toBe(false);
  });

  it("fails for a signature over a different checkpoint swapped in", async () => {
    const key = await importSigningKey((await generateSigningKey()).privateKeyPkcs8);
    const a = await signCheckpoint(CHECKPOINT, key);
    const b = await signCheckpoint({ ...CHECKPOINT, treeSize: 1 }, key);
    expect(await verifyCheckpoint({ ...a, signature: b.signature }, key.publicKey)).toBe(false);
  });
});

describe("C2SP signed notes", () => {
  // golang.org/x/mod/sumdb/note's example key and note, as published with its tests.
  const GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
  const GO_SEED = base64ToBytes("AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz").subarray(1);
  const GO_TEXT =
    "If you think cryptography is the answer to your problem,\n" +
    "then you don't know what your problem is.\n";
  const GO_LINE =
    "\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

  it("computes key ids, verifier keys and signature lines as the Go reference does", async () => {
    const key = await importSigningKey(pkcs8(GO_SEED));
    expect(await noteVerifierKey("PeterNeumann", key.publicKey)).toBe(GO_VKEY);
    const signature = await crypto.subtle.sign({ name: "Ed25519" }, key.privateKey, utf8(GO_TEXT));
    expect(await noteSignatureLine("PeterNeumann", key.publicKey, new Uint8Array(signature))).toBe(
      GO_LINE,
    );
  });

  it("writes a checkpoint as a signed note and reads it back", async () => {
    const key = await importSigningKey((await generateSigningKey()).privateKeyPkcs8);
    const signed = await signCheckpoint(CHECKPOINT, key);
    const note = await toSignedNote(signed, key.publicKey);
    expect(note.startsWith(`${checkpointText(CHECKPOINT)}\n\u2014 zhuisu.example/log `)).toBe(true);
    const back = await fromSignedNote(note, key.publicKey);
    expect(back).toEqual(signed);
    expect(await verifyCheckpoint(back!, key.publicKey)).toBe(true);
    const other = await importSigningKey((await generateSigningKey()).privateKeyPkcs8);
    expect(await fromSignedNote(note, other.publicKey)).toBeNull();
    expect(await fromSignedNote(note.replace("20852163", "020852163"), key.publicKey)).toBeNull();
  });

  it("names keys by the SHA-256 of the raw public key", async () => {
    expect(await keyIdOf(new Uint8Array(32))).toBe("66687aadf862bd77");
  });
});
