// Cloned-code rules over an item's scans: pure, so every threshold is tested on its own.
//
// The thresholds live here as documented constants (not in config.ts): they are part of the
// rule, reviewed with it, and docs/consumer.md quotes them. A signal is a reason for an inspector
// to look, not a verdict: it raises a "cloned_code" alert and a warning on the page.

/** Scans by more distinct clients than this within the window flag the serial (one item, one household). */
export const MAX_DISTINCT_CLIENTS = 9;
/** The window of the distinct-client rule; fingerprints rotate weekly, so one week at most. */
export const DISTINCT_CLIENT_WINDOW_MS = 7 * 86_400_000;
/** Faster than an airliner, door to door: two scans this far apart cannot be one item. */
export const MAX_SPEED_KMH = 800;
/** Shared locations are rounded to 0.1° (≈ 11 km); closer than this is noise, never travel. */
export const MIN_TRAVEL_KM = 100;
/** How many of the latest located scans are compared pairwise. */
export const TRAVEL_SCANS_COMPARED = 50;
/** After delivery the buyer's household scans it; more distinct clients than this is a copy. */
export const MAX_CLIENTS_AFTER_DELIVERY = 3;
/** ... and more scans than this after delivery, from anyone, is "again and again". */
export const MAX_SCANS_AFTER_DELIVERY = 30;
/** Locations are kept to this many decimals of a degree (0.1° ≈ 11 km): a district, never an address. */
export const LOCATION_DECIMALS = 1;
/** How far back the rules look at an item's scans. */
export const RULES_LOOKBACK_MS = 30 * 86_400_000;

export interface ScanFact {
  id?: number;
  at: Date;
  fingerprint: string;
  latitude: number | null;
  longitude: number | null;
  /** The item's state when it was scanned. */
  itemState: string | null;
}

export type CloneRule = "many_clients" | "impossible_travel" | "after_delivery";

export interface CloneSignal {
  rule: CloneRule;
  message: string;
  details: Record<string, unknown>;
}

export const roundCoordinate = (value: number) => {
  const scale = 10 ** LOCATION_DECIMALS;
  return Math.round(value * scale) / scale;
};

/** Great-circle distance in km (haversine, mean Earth radius). */
export function distanceKm(a: [number, number], b: [number, number]): number {
  const rad = Math.PI / 180;
  const dLat = (b[0] - a[0]) * rad;
  const dLon = (b[1] - a[1]) * rad;
  const h =
    Math.sin(dLat / 2) ** 2 + Math.cos(a[0] * rad) * Math.cos(b[0] * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(h)));
}

function manyClients(scans: ScanFact[], now: Date): CloneSignal | null {
  const since = now.getTime() - DISTINCT_CLIENT_WINDOW_MS;
  const clients = new Set(scans.filter((s) => s.at.getTime() >= since).map((s) => s.fingerprint));
  if (clients.size <= MAX_DISTINCT_CLIENTS) return null;
  return {
    rule: "many_clients",
    message: `scanned by ${clients.size} different clients within 7 days (more than ${MAX_DISTINCT_CLIENTS})`,
    details: { distinctClients: clients.size, windowDays: 7 },
  };
}

function impossibleTravel(scans: ScanFact[]): CloneSignal | null {
  const located = scans
    .filter((s) => s.latitude !== null && s.longitude !== null)
    .sort((a, b) => a.at.getTime() - b.at.getTime())
    .slice(-TRAVEL_SCANS_COMPARED);
  let worst: { km: number; hours: number; speed: number } | null = null;
  for (let i = 0; i < located.length; i++) {
    for (let j = i + 1; j < located.length; j++) {
      const a = located[i]!;
      const b = located[j]!;
      const km = distanceKm([a.latitude!, a.longitude!], [b.latitude!, b.longitude!]);
      if (km < MIN_TRAVEL_KM) continue;
      const hours = Math.abs(b.at.getTime() - a.at.getTime()) / 3_600_000;
      const speed = hours === 0 ? Number.POSITIVE_INFINITY : km / hours;
      if (speed > MAX_SPEED_KMH && (!worst || speed > worst.speed)) worst = { km, hours, speed };
    }
  }
  if (!worst) return null;
  const km = Math.round(worst.km);
  const minutes = Math.round(worst.hours * 60);
  return {
    rule: "impossible_travel",
    message: `scanned ${km} km apart within ${minutes} minutes (faster than ${MAX_SPEED_KMH} km/h)`,
    details: { distanceKm: km, minutes },
  };
}

function afterDelivery(scans: ScanFact[]): CloneSignal | null {
  const after = scans.filter((s) => s.itemState === "delivered");
  const clients = new Set(after.map((s) => s.fingerprint)).size;
  if (clients <= MAX_CLIENTS_AFTER_DELIVERY && after.length <= MAX_SCANS_AFTER_DELIVERY)
    return null;
  return {
    rule: "after_delivery",
    message: `scanned ${after.length} times by ${clients} different clients after it was delivered`,
    details: { scansAfterDelivery: after.length, clientsAfterDelivery: clients },
  };
}

/** Every cloned-code rule that an item's recent scans break. */
export function cloneSignals(scans: ScanFact[], now: Date): CloneSignal[] {
  return [manyClients(scans, now), impossibleTravel(scans), afterDelivery(scans)].filter(
    (s): s is CloneSignal => s !== null,
  );
}
