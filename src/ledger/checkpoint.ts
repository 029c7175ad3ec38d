// Signed checkpoints of the ledger's Merkle log: C2SP tlog-checkpoint text signed with Ed25519 (WebCrypto).
//
// The signed body is the C2SP checkpoint note text (https://c2sp.org/tlog-checkpoint):
//
//   zhuisu.example/log                                    origin (also the signing key's name)
//   1234                                                  tree size, decimal, no leading zeros
//   CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=          root hash, standard base64
//   timestamp 2024-05-06T02:11:12.345Z                    extension line
//
// each line ending in a newline. The spec allows opaque extension lines (and discourages them,
// since monitors cannot audit them); one is used so that the publication time is covered by the
// same single signature. The first three lines stay a plain checkpoint, and `toSignedNote` gives
// the C2SP signed-note form, which standard note tooling can verify with `noteVerifierKey`.

import {
  type Bytes,
  base64ToBytes,
  bytesToBase64,
  bytesToHex,
  concatBytes,
  hexToBytes,
  sha256,
  utf8,
} from "./hex";

export interface Checkpoint {
  /** The log's name, e.g. "zhuisu.example/log". */
  origin: string;
  treeSize: number;
  /** Root hash of the first treeSize leaves, 64 lower-case hex digits. */
  rootHash: string;
  /** Publication time, ISO 8601 in UTC with milliseconds (Date.prototype.toISOString form). */
  timestamp: string;
}

export interface SignedCheckpoint extends Checkpoint {
  /** Ed25519 signature of `checkpointText(checkpoint)`, standard base64. */
  signature: string;
  /** First 8 bytes of SHA-256 of the raw public key, hex: which key to verify with. */
  keyId: string;
}

/** A key ready to sign, with what verifiers need to know about it. */
export interface SigningKey {
  privateKey: CryptoKey;
  /** Raw 32-byte Ed25519 public key (RFC 8032 encoding). */
  publicKey: Bytes;
  keyId: string;
}

/**
 * A key as configuration stores it. PKCS#8 is what openssl, Node and workerd all import; the
 * public key is kept raw (32 bytes) because that is how Ed25519 keys are published and hashed.
 */
export interface ExportedSigningKey {
  privateKeyPkcs8: string;
  publicKey: string;
  keyId: string;
}

const ED25519 = { name: "Ed25519" } as const;

export async function keyIdOf(publicKey: Uint8Array): Promise<string> {
  return bytesToHex((await sha256(new Uint8Array(publicKey))).subarray(0, 8));
}

export async function generateSigningKey(): Promise<ExportedSigningKey> {
  const pair = (await crypto.subtle.generateKey(ED25519, true, [
    "sign",
    "verify",
  ])) as CryptoKeyPair;
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", pair.privateKey));
  const publicKey = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
  return {
    privateKeyPkcs8: bytesToBase64(pkcs8),
    publicKey: bytesToBase64(publicKey),
    keyId: await keyIdOf(publicKey),
  };
}

/** Imports a base64 PKCS#8 Ed25519 private key; its public key comes from the key itself. */
export async function importSigningKey(privateKeyPkcs8: string): Promise<SigningKey> {
  // Extractable only so that the public half can be read back through JWK export.
  const privateKey = await crypto.subtle.importKey(
    "pkcs8",
    base64ToBytes(privateKeyPkcs8),
    ED25519,
    true,
    ["sign"],
  );
  const publicKey = await publicKeyFromPrivate(privateKey);
  return { privateKey, publicKey, keyId: await keyIdOf(publicKey) };
}

/** WebCrypto has no "derive public key", but an Ed25519 private JWK carries it as `x`. */
export async function publicKeyFromPrivate(privateKey: CryptoKey): Promise<Bytes> {
  const jwk = await crypto.subtle.exportKey("jwk", privateKey);
  if (typeof jwk.x !== "string") throw new TypeError("not an Ed25519 private key");
  const base64 = jwk.x.replaceAll("-", "+").replaceAll("_", "/");
  return base64ToBytes(base64.padEnd(Math.ceil(base64.length / 4) * 4, "="));
}

// Key names of signed notes: non-empty, no Unicode spaces, no plus, no control characters.
const ORIGIN = /^[^\s+\p{Cc}\p{Z}]+$/u;
const ROOT_HASH = /^[0-9a-f]{64}$/;

function isCanonicalTime(timestamp: string): boolean {
  const time = new Date(timestamp);
  return !Number.isNaN(time.getTime()) && time.toISOString() === timestamp;
}

/** Why a checkpoint cannot be written as a note body, or null if it can. */
function checkpointProblem(cp: Checkpoint): string | null {
  if (typeof cp.origin !== "string" || !ORIGIN.test(cp.origin)) {
    return "origin must be non-empty, without spaces, plus signs or control characters";
  }
  if (!Number.isSafeInteger(cp.treeSize) || cp.treeSize < 0) return "treeSize must be a size";
  if (typeof cp.rootHash !== "string" || !ROOT_HASH.test(cp.rootHash)) {
    return "rootHash must be 64 lower-case hex digits";
  }
  if (typeof cp.timestamp !== "string" || !isCanonicalTime(cp.timestamp)) {
    return "timestamp must be ISO 8601 UTC with milliseconds";
  }
  return null;
}

/** The exact bytes that are signed (as UTF-8): see the module comment. */
export function checkpointText(cp: Checkpoint): string {
  const problem = checkpointProblem(cp);
  if (problem) throw new TypeError(problem);
  const root = bytesToBase64(hexToBytes(cp.rootHash));
  return `${cp.origin}\n${cp.treeSize}\n${root}\ntimestamp ${cp.timestamp}\n`;
}

export async function signCheckpoint(cp: Checkpoint, key: SigningKey): Promise<SignedCheckpoint> {
  const body = utf8(checkpointText(cp));
  const signature = new Uint8Array(await crypto.subtle.sign(ED25519, key.privateKey, body));
  const { origin, treeSize, rootHash, timestamp } = cp;
  return {
    origin,
    treeSize,
    rootHash,
    timestamp,
    signature: bytesToBase64(signature),
    keyId: key.keyId,
  };
}

function publicKeyBytes(publicKey: Uint8Array | string): Bytes | null {
  try {
    const raw =
      typeof publicKey === "string" ? base64ToBytes(publicKey) : new Uint8Array(publicKey);
    return raw.length === 32 ? raw : null;
  } catch {
    return null;
  }
}

/** True only for an intact checkpoint signed by this key (raw 32 bytes, or base64 of them). */
export async function verifyCheckpoint(
  signed: SignedCheckpoint,
  publicKey: Uint8Array | string,
): Promise<boolean> {
  const raw = publicKeyBytes(publicKey);
  if (!raw || checkpointProblem(signed) || signed.keyId !== (await keyIdOf(raw))) return false;
  let signature: Bytes;
  try {
    signature = base64ToBytes(signed.signature);
  } catch {
    return false;
  }
  if (signature.length !== 64) return false;
  const key = await crypto.subtle.importKey("raw", raw, ED25519, false, ["verify"]);
  return crypto.subtle.verify(ED25519, key, signature, utf8(checkpointText(signed)));
}

// C2SP signed-note key ID: SHA-256(key name || 0x0A || 0x01 || public key)[:4].
async function noteKeyId(origin: string, publicKey: Uint8Array): Promise<Bytes> {
  const digest = await sha256(concatBytes(utf8(`${origin}\n`), Uint8Array.of(1), publicKey));
  return digest.slice(0, 4);
}

/** `<origin>+<key id hex>+<base64(0x01 || public key)>`: the verifier key string of note tooling. */
export async function noteVerifierKey(origin: string, publicKey: Uint8Array): Promise<string> {
  const id = bytesToHex(await noteKeyId(origin, publicKey));
  return `${origin}+${id}+${bytesToBase64(concatBytes(Uint8Array.of(1), publicKey))}`;
}

/** A signed-note signature line: `— <key name> base64(key id || signature)` and a newline. */
export async function noteSignatureLine(
  name: string,
  publicKey: Uint8Array,
  signature: Uint8Array,
): Promise<string> {
  const id = await noteKeyId(name, publicKey);
  return `\u2014 ${name} ${bytesToBase64(concatBytes(id, signature))}\n`;
}

/** The checkpoint as a C2SP signed note: its text, a blank line, the log's signature line. */
export async function toSignedNote(
  signed: SignedCheckpoint,
  publicKey: Uint8Array,
): Promise<string> {
  const line = await noteSignatureLine(signed.origin, publicKey, base64ToBytes(signed.signature));
  return `${checkpointText(signed)}\n${line}`;
}

/**
 * Reads back a note written by `toSignedNote`, taking the signature line of this key under the
 * origin's name; null if there is none. Nothing is verified: pass the result to verifyCheckpoint.
 */
export async function fromSignedNote(
  note: string,
  publicKey: Uint8Array,
): Promise<SignedCheckpoint | null> {
  const match =
    /^([^\n]+)\n(0|[1-9]\d*)\n([A-Za-z0-9+/]{43}=)\ntimestamp ([^\n]+)\n\n((?:\u2014 [^\n]+\n)+)$/.exec(
      note,
    );
  if (!match) return null;
  const [, origin = "", size = "", root = "", timestamp = "", lines = ""] = match;
  const id = bytesToBase64(await noteKeyId(origin, publicKey));
  for (const line of lines.split("\n")) {
    const [, name, signature] = /^\u2014 (\S+) (\S+)$/.exec(line) ?? [];
    if (name !== origin || !signature) continue;
    let bytes: Bytes;
    try {
      bytes = base64ToBytes(signature);
    } catch {
      continue;
    }
    if (bytes.length !== 68 || bytesToBase64(bytes.subarray(0, 4)) !== id) continue;
    return {
      origin,
      treeSize: Number(size),
      rootHash: bytesToHex(base64ToBytes(root)),
      timestamp,
      signature: bytesToBase64(bytes.subarray(4)),
      keyId: await keyIdOf(publicKey),
    };
  }
  return null;
}
