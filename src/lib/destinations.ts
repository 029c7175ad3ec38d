// Where the service may send a request on a client's behalf (subscription deliveries): public
// http(s) addresses only, unless configuration allows a host, so a subscription cannot be used to
// reach the service's own network (SSRF).

export interface DestinationPolicy {
  /** Send to private, loopback and link-local addresses too (a closed deployment). */
  allowPrivate: boolean;
  /** Hosts (names or IP literals, lower case) allowed whatever they resolve to. */
  allowedHosts: ReadonlySet<string>;
  /** The addresses a host name resolves to; absent where the runtime cannot resolve (Workers). */
  resolveHost?: (host: string) => Promise<string[]>;
}

export function destinationPolicy(
  config: { SUBSCRIPTION_PRIVATE_DESTINATIONS: boolean; SUBSCRIPTION_ALLOWED_HOSTS: string[] },
  resolveHost?: (host: string) => Promise<string[]>,
): DestinationPolicy {
  return {
    allowPrivate: config.SUBSCRIPTION_PRIVATE_DESTINATIONS,
    allowedHosts: new Set(config.SUBSCRIPTION_ALLOWED_HOSTS.map((h) => h.toLowerCase())),
    ...(resolveHost ? { resolveHost } : {}),
  };
}

/** Why `dest` may not be used, judged from the URL alone, or null. */
export function destinationProblem(dest: string, policy: DestinationPolicy): string | null {
  let url: URL;
  try {
    url = new URL(dest);
  } catch {
    return "dest is not a URL";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return "dest must be an http(s) URL";
  if (url.username || url.password) return "dest may not carry a user name or password";
  const host = hostOf(url);
  if (policy.allowPrivate || policy.allowedHosts.has(host)) return null;
  if (host === "localhost" || host.endsWith(".localhost")) {
    return `dest host ${host} is this machine; only public addresses are allowed`;
  }
  const range = isIpLiteral(host) ? nonPublicRange(host) : null;
  return range ? `dest address ${host} is in ${range}; only public addresses are allowed` : null;
}

/**
 * Why `dest` may not be used right now, after resolving its host: a public name may point at a
 * private address. Node's fetch resolves again when it connects, so a name that changes its
 * answer in between (DNS rebinding) is not caught here; deployments that fear it route
 * deliveries through an egress proxy.
 */
export async function resolvedDestinationProblem(
  dest: string,
  policy: DestinationPolicy,
): Promise<string | null> {
  const problem = destinationProblem(dest, policy);
  if (problem) return problem;
  const host = hostOf(new URL(dest));
  if (policy.allowPrivate || policy.allowedHosts.has(host) || isIpLiteral(host)) return null;
  if (!policy.resolveHost) return null;
  let addresses: string[];
  try {
    addresses = await policy.resolveHost(host);
  } catch (error) {
    return `dest host ${host} does not resolve: ${(error as Error).message}`;
  }
  for (const address of addresses) {
    const range = nonPublicRange(address);
    if (range) return `dest host ${host} resolves to ${address}, in ${range}`;
  }
  return null;
}

/** URL hosts keep IPv6 literals in brackets. */
function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, "$1").toLowerCase();
}

function isIpLiteral(host: string): boolean {
  return parseIpv4(host) !== null || host.includes(":");
}

// Special-purpose ranges (IANA registries) that a subscriber's public endpoint is never in.
// biome-ignore format: a table reads better in rows
const IPV4_RANGES: [string, number, string][] = [
  ["0.0.0.0", 8, "\"this network\" (0.0.0.0/8)"],
  ["10.0.0.0", 8, "a private network (10.0.0.0/8)"],
  ["100.64.0.0", 10, "carrier-grade NAT (100.64.0.0/10)"],
  ["127.0.0.0", 8, "loopback (127.0.0.0/8)"],
  ["169.254.0.0", 16, "link-local (169.254.0.0/16), where cloud metadata services answer"],
  ["172.16.0.0", 12, "a private network (172.16.0.0/12)"],
  ["192.0.0.0", 24, "IETF protocol assignments (192.0.0.0/24)"],
  ["192.0.2.0", 24, "documentation (192.0.2.0/24)"],
  ["192.168.0.0", 16, "a private network (192.168.0.0/16)"],
  ["198.18.0.0", 15, "benchmarking (198.18.0.0/15)"],
  ["198.51.100.0", 24, "documentation (198.51.100.0/24)"],
  ["203.0.113.0", 24, "documentation (203.0.113.0/24)"],
  ["224.0.0.0", 4, "multicast (224.0.0.0/4)"],
  ["240.0.0.0", 4, "reserved (240.0.0.0/4)"],
];

/** The special range `address` lies in, or null when it is a public address. */
export function nonPublicRange(address: string): string | null {
  const v4 = parseIpv4(address);
  if (v4 !== null) {
    for (const [base, bits, name] of IPV4_RANGES) {
      const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
      if ((v4 & mask) >>> 0 === (parseIpv4(base)! & mask) >>> 0) return name;
    }
    return null;
  }
  const v6 = parseIpv6(address);
  if (v6 === null) return `an address that cannot be read (${address})`;
  const [a = 0, b = 0] = v6;
  if (v6.every((g) => g === 0)) return "the unspecified address (::)";
  if (v6.slice(0, 7).every((g) => g === 0) && v6[7] === 1) return "loopback (::1)";
  const embeddedV4 = () => `${v6[6]! >> 8}.${v6[6]! & 255}.${v6[7]! >> 8}.${v6[7]! & 255}`;
  // IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) reach the IPv4 address inside.
  if (v6.slice(0, 5).every((g) => g === 0) && v6[5] === 0xffff) return nonPublicRange(embeddedV4());
  if (a === 0x64 && b === 0xff9b && v6.slice(2, 6).every((g) => g === 0)) {
    return nonPublicRange(embeddedV4());
  }
  if ((a & 0xfe00) === 0xfc00) return "unique local addresses (fc00::/7)";
  if ((a & 0xffc0) === 0xfe80) return "link-local (fe80::/10)";
  if ((a & 0xff00) === 0xff00) return "multicast (ff00::/8)";
  if (a === 0x2001 && b === 0x0db8) return "documentation (2001:db8::/32)";
  return null;
}

function parseIpv4(text: string): number | null {
  const parts = text.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) {
    return null;
  }
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

/** Eight 16-bit groups, with `::` expanded and a trailing dotted IPv4 read as two groups. */
function parseIpv6(text: string): number[] | null {
  let body = text.replace(/%.*$/, "");
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(body);
  if (dotted) {
    const v4 = parseIpv4(dotted[1]!);
    if (v4 === null) return null;
    body = `${body.slice(0, -dotted[1]!.length)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const halves = body.split("::");
  if (halves.length > 2) return null;
  const groups = (part: string) => (part === "" ? [] : part.split(":"));
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  if (!all.every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return null;
  return all.map((g) => Number.parseInt(g, 16));
}
