// Hashing helpers over node:crypto, which Workers provide through nodejs_compat: the same code
// runs in both, and a hash costs microseconds instead of a WebCrypto job on the thread pool.
import { createHash, createHmac } from "node:crypto";

export function toHex(bytes: ArrayBuffer | Uint8Array): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let out = "";
  for (const b of view) out += b.toString(16).padStart(2, "0");
  return out;
}

export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  return createHash("sha256").update(data).digest("hex");
}

/** HMAC-SHA256 under the service's hash secret; `purpose` separates the uses of one secret. */
export async function keyedHash(secret: string, purpose: string, value: string): Promise<string> {
  return createHmac("sha256", secret).update(`${purpose}\u0000${value}`).digest("hex");
}
