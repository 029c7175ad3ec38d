// The cloned-code rules and the fingerprint, on their own (no database).
import { describe, expect, it } from "vitest";
import { ipPrefix, weekNumber } from "./fingerprint";
import {
  cloneSignals,
  DISTINCT_CLIENT_WINDOW_MS,
  distanceKm,
  MAX_CLIENTS_AFTER_DELIVERY,
  MAX_DISTINCT_CLIENTS,
  MAX_SCANS_AFTER_DELIVERY,
  roundCoordinate,
  type ScanFact,
} from "./rules";

const now = new Date("2026-06-10T12:00:00Z");
const at = (minutesAgo: number) => new Date(now.getTime() - minutesAgo * 60_000);
const scan = (
  fingerprint: string,
  minutesAgo: number,
  extra: Partial<ScanFact> = {},
): ScanFact => ({
  at: at(minutesAgo),
  fingerprint,
  latitude: null,
  longitude: null,
  itemState: "sold",
  ...extra,
});
const rules = (scans: ScanFact[]) => cloneSignals(scans, now).map((s) => s.rule);

describe("many distinct clients", () => {
  it(`flags more than ${MAX_DISTINCT_CLIENTS} clients within 7 days, not ${MAX_DISTINCT_CLIENTS}`, () => {
    const scans = Array.from({ length: MAX_DISTINCT_CLIENTS }, (_, i) => scan(`c${i}`, i * 60));
    expect(rules(scans)).toEqual([]);
    // The same clients again and again do not add up.
    expect(rules([...scans, ...scans, ...scans])).toEqual([]);
    expect(rules([...scans, scan("one-more", 5)])).toEqual(["many_clients"]);
  });

  it("forgets clients older than the window", () => {
    const old = Array.from({ length: 20 }, (_, i) =>
      scan(`old${i}`, DISTINCT_CLIENT_WINDOW_MS / 60_000 + 10 + i),
    );
    expect(rules([...old, scan("new", 1)])).toEqual([]);
  });
});

describe("impossible travel", () => {
  const beijing = { latitude: 39.9, longitude: 116.4 };
  const shanghai = { latitude: 31.2, longitude: 121.5 };
  const hangzhou = { latitude: 30.3, longitude: 120.2 };

  it("knows the distances", () => {
    expect(distanceKm([39.9, 116.4], [31.2, 121.5])).toBeGreaterThan(1000);
    expect(distanceKm([39.9, 116.4], [31.2, 121.5])).toBeLessThan(1100);
    expect(distanceKm([30.3, 120.2], [30.3, 120.2])).toBe(0);
  });

  it("flags Beijing and Shanghai an hour apart, not a day apart", () => {
    expect(rules([scan("a", 60, beijing), scan("b", 0, shanghai)])).toEqual(["impossible_travel"]);
    expect(rules([scan("a", 24 * 60, beijing), scan("b", 0, shanghai)])).toEqual([]);
  });

  it("ignores short hops (rounding noise) and unlocated scans", () => {
    expect(
      rules([scan("a", 1, shanghai), scan("b", 0, { latitude: 31.3, longitude: 121.5 })]),
    ).toEqual([]);
    expect(rules([scan("a", 1, beijing), scan("b", 0)])).toEqual([]);
    // Shanghai → Hangzhou (≈ 165 km) in 30 minutes is 330 km/h: a fast train, not a copy.
    expect(rules([scan("a", 30, shanghai), scan("b", 0, hangzhou)])).toEqual([]);
    expect(rules([scan("a", 5, shanghai), scan("b", 0, hangzhou)])).toEqual(["impossible_travel"]);
  });

  it("keeps locations at 0.1°", () => {
    expect(roundCoordinate(31.2345)).toBe(31.2);
    expect(roundCoordinate(39.91)).toBe(39.9);
    expect(roundCoordinate(-0.06)).toBe(-0.1);
  });
});

describe("scans after delivery", () => {
  const delivered = (fingerprint: string, minutesAgo: number) =>
    scan(fingerprint, minutesAgo, { itemState: "delivered" });

  it(`lets the household (${MAX_CLIENTS_AFTER_DELIVERY} clients) scan, flags more`, () => {
    const household = Array.from({ length: MAX_CLIENTS_AFTER_DELIVERY }, (_, i) =>
      delivered(`h${i}`, i),
    );
    expect(rules(household)).toEqual([]);
    expect(rules([...household, delivered("stranger", 0)])).toEqual(["after_delivery"]);
    // Many scans before delivery (a shop shelf) do not count towards this rule.
    const shelf = Array.from({ length: 6 }, (_, i) => scan(`shop${i}`, 100 + i));
    expect(rules([...shelf, ...household])).toEqual([]);
  });

  it(`flags the same code scanned again and again (more than ${MAX_SCANS_AFTER_DELIVERY} times)`, () => {
    const again = Array.from({ length: MAX_SCANS_AFTER_DELIVERY }, (_, i) => delivered("buyer", i));
    expect(rules(again)).toEqual([]);
    expect(rules([...again, delivered("buyer", 0)])).toEqual(["after_delivery"]);
  });
});

describe("client fingerprint", () => {
  it("keeps only the network: IPv4 /24, IPv6 /48", () => {
    expect(ipPrefix("203.0.113.77")).toBe("203.0.113.0/24");
    expect(ipPrefix("::ffff:203.0.113.77")).toBe("203.0.113.0/24");
    expect(ipPrefix("2001:db8:abcd:12:1:2:3:4")).toBe("2001:db8:abcd::/48");
    expect(ipPrefix("2001:db8::1")).toBe("2001:db8:0::/48");
    expect(ipPrefix("2001:0DB8:00ab::")).toBe("2001:db8:ab::/48");
  });

  it("rotates weekly", () => {
    const monday = new Date("2026-06-01T00:00:00Z");
    expect(weekNumber(new Date(monday.getTime() + 8 * 86_400_000))).toBe(weekNumber(monday) + 1);
  });
});
