// Password hashing with scrypt (node:crypto; Workers provide it through nodejs_compat): memory-hard, salted, compared in constant time.
import { scrypt as scryptCallback, timingSafeEqual } from "node:crypto";
import { randomBytes } from "../../lib/random";

/**
 * Parameters (RFC 7914): N = 2^15, r = 8, p = 1 costs 32 MiB and about 50-100 ms per hash on one
 * core, OWASP's recommended scrypt minimum. They are stored in each hash, so raising them later
 * leaves old hashes verifiable.
 */
export const SCRYPT = { logN: 15, r: 8, p: 1, keyLength: 32, saltLength: 16 } as const;

/** Longest password accepted: scrypt hashes any length, but a megabyte of password is an attack. */
export const PASSWORD_MAX = 256;
export const PASSWORD_MIN = 10;

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");

function derive(
  password: string,
  salt: Uint8Array,
  logN: number,
  r: number,
  p: number,
  keyLength: number,
): Promise<Buffer> {
  const N = 2 ** logN;
  return new Promise((resolve, reject) =>
    scryptCallback(
      password.normalize("NFKC"),
      salt,
      keyLength,
      // 128·N·r bytes are needed; the default cap of 32 MiB is exactly that, so leave headroom.
      { N, r, p, maxmem: 256 * N * r },
      (error, key) => (error ? reject(error) : resolve(key)),
    ),
  );
}

/** `scrypt$logN$r$p$salt$hash`, salt and hash in base64url; a new random salt every time. */
export async function hashPassword(password: string): Promise<string> {
  const { logN, r, p, keyLength, saltLength } = SCRYPT;
  const salt = randomBytes(saltLength);
  const key = await derive(password, salt, logN, r, p, keyLength);
  return ["scrypt", logN, r, p, b64(salt), b64(key)].join("$");
}

/** True when `password` matches `stored`; a malformed hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, logN, r, p, salt, hash] = stored.split("$");
  if (scheme !== "scrypt" || !salt || !hash) return false;
  const expected = Buffer.from(hash, "base64url");
  const params = [Number(logN), Number(r), Number(p)] as const;
  if (!params.every((n) => Number.isInteger(n) && n > 0) || params[0] > 20) return false;
  const actual = await derive(
    password,
    Buffer.from(salt, "base64url"),
    params[0],
    params[1],
    params[2],
    expected.length,
  );
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

let dummy: Promise<string> | undefined;

/** Spends the time of one verification, so an unknown login costs what a wrong password does. */
export async function burnVerification(password: string): Promise<void> {
  dummy ??= hashPassword("not a password of anyone");
  await verifyPassword(password, await dummy);
}
