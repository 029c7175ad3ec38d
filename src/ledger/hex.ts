// Byte helpers shared by the ledger modules (hex, base64, UTF-8, SHA-256).
import { createHash } from "node:crypto";

const HEX_DIGITS = "0123456789abcdef";

/** Bytes backed by a plain ArrayBuffer: what WebCrypto accepts without a copy. */
export type Bytes = Uint8Array<ArrayBuffer>;

export function bytesToHex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += HEX_DIGITS[b >> 4]! + HEX_DIGITS[b & 15]!;
  return out;
}

/** Parses lower- or upper-case hex; throws on odd length or a non-hex character. */
export function hexToBytes(hex: string): Bytes {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new TypeError("hex string expected");
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

// btoa/atob exist in Node 20 and workerd; Buffer does not exist in workerd without nodejs_compat.
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** Decodes standard base64 (with padding); throws on anything else. */
export function base64ToBytes(text: string): Bytes {
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text)) {
    throw new TypeError("base64 string expected");
  }
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

const encoder = new TextEncoder();

export function utf8(text: string): Bytes {
  return encoder.encode(text);
}

export function concatBytes(...parts: Uint8Array[]): Bytes {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/**
 * node:crypto (in Workers through nodejs_compat) rather than WebCrypto: a WebCrypto digest is a
 * job on the thread pool, whose dispatch costs far more than hashing the few bytes of a leaf,
 * a node or an event's pre-hash string. Kept async so callers need not care.
 */
export async function sha256(data: Bytes): Promise<Bytes> {
  return new Uint8Array(createHash("sha256").update(data).digest());
}
