// The one source of randomness: a CSPRNG (WebCrypto), available in Node and Workers alike.
const URL_SAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

export function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  crypto.getRandomValues(out);
  return out;
}

/**
 * A string of `length` characters drawn uniformly from `alphabet` (rejection sampling, so no
 * character is more likely than another: serials and receipt codes must not be guessable).
 */
export function randomString(length: number, alphabet: string = URL_SAFE): string {
  const n = alphabet.length;
  if (n < 2 || n > 256) throw new RangeError("alphabet must have 2..256 characters");
  const limit = 256 - (256 % n);
  let out = "";
  while (out.length < length) {
    for (const b of randomBytes(Math.ceil((length - out.length) * 1.3) + 4)) {
      if (b < limit) out += alphabet[b % n];
      if (out.length === length) break;
    }
  }
  return out;
}

export function randomUuid(): string {
  return crypto.randomUUID();
}
