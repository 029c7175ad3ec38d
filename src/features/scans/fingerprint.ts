// Who is scanning, coarsely: a keyed, weekly-rotated hash of the IP prefix and user agent; no raw IP is kept.
import type { Context } from "hono";
import type { AppEnv } from "../../lib/context";
import { keyedHash } from "../../lib/crypto";
import { type BucketName, limiterFor } from "../../lib/rate-limit";

const WEEK_MS = 7 * 86_400_000;

interface NodeBindings {
  incoming?: { socket?: { remoteAddress?: string } };
}

/**
 * The client's IP: the first hop of X-Forwarded-For (the service runs behind a proxy that sets
 * it), Cloudflare's CF-Connecting-IP in Workers, else the socket's peer address.
 */
export function clientIp(c: Context<AppEnv>): string {
  const forwarded = c.req.header("X-Forwarded-For")?.split(",")[0]?.trim();
  if (forwarded) return forwarded;
  const cf = c.req.header("CF-Connecting-IP")?.trim();
  if (cf) return cf;
  return (c.env as NodeBindings | undefined)?.incoming?.socket?.remoteAddress ?? "unknown";
}

function expandIpv6(ip: string): string[] | null {
  const [head = "", tail] = ip.split("::", 2) as [string, string | undefined];
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  if (tail === undefined && left.length !== 8) return null;
  const fill = Array.from({ length: 8 - left.length - right.length }, () => "0");
  const groups = tail === undefined ? left : [...left, ...fill, ...right];
  return groups.length === 8 && groups.every((g) => /^[0-9a-f]{1,4}$/i.test(g)) ? groups : null;
}

/** The network a client is in: IPv4 /24, IPv6 /48. Phones hop addresses within these. */
export function ipPrefix(ip: string): string {
  const v4 = /^(?:::ffff:)?(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.\d{1,3}$/i.exec(ip);
  if (v4) return `${v4[1]}.${v4[2]}.${v4[3]}.0/24`;
  const groups = expandIpv6(ip.replace(/%.*$/, ""));
  if (groups)
    return `${groups
      .slice(0, 3)
      .map((g) => g.toLowerCase().replace(/^0+(?=.)/, ""))
      .join(":")}::/48`;
  return ip.slice(0, 64);
}

export const weekNumber = (at: Date) => Math.floor(at.getTime() / WEEK_MS);

const fingerprints = new WeakMap<Context, Promise<string>>();

/** The keyed fingerprint of the calling client; the purpose string rotates it every week. */
export function clientFingerprint(c: Context<AppEnv>): Promise<string> {
  let fp = fingerprints.get(c);
  if (!fp) {
    const { secrets, clock } = c.var.deps;
    const ua = (c.req.header("User-Agent") ?? "").slice(0, 512);
    fp = keyedHash(
      secrets.hashSecret,
      `fp:${weekNumber(clock.now())}`,
      `${ipPrefix(clientIp(c))}|${ua}`,
    ).then((h) => h.slice(0, 32));
    fingerprints.set(c, fp);
  }
  return fp;
}

/** The app's rate limiter: its shared store (REDIS_URL) or this process's memory. */
export const limiterOf = (c: Context<AppEnv>) =>
  limiterFor(c.var.deps.clock, c.var.deps.rateLimitStore);

/** Spends one token of `bucket` for the calling client, or throws 429 with Retry-After. */
export async function limitClient(c: Context<AppEnv>, bucket: BucketName): Promise<string> {
  const fingerprint = await clientFingerprint(c);
  await limiterOf(c).check(bucket, fingerprint);
  return fingerprint;
}
