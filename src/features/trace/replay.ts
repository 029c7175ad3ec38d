// Pure replay of the lifecycle: a unit's state, custodian and destination after each event, and who handed over to whom.
import type { ItemState } from "../../db/schema";

/** What a trace needs of an event: the columns and the few document fields that carry key data. */
export interface KeyData {
  id: number;
  eventId: string;
  hashId: string;
  kind: string;
  eventType: string;
  action: string | null;
  bizStep: string | null;
  disposition: string | null;
  eventTime: Date;
  recordTime: Date;
  readPoint: string | null;
  bizLocation: string | null;
  actorOrgId: string | null;
  tzOffset: string | null;
  carrierOrgId: string | null;
  destinationRegion: string | null;
  bizTransactions: { type?: string; bizTransaction?: string }[];
  sources: { type?: string; source?: string }[];
  destinations: { type?: string; destination?: string }[];
  certificationInfo: string | null;
  recallId: string | null;
  recallOutcome: string | null;
  /** Its fields in our namespace (`zs:…`). */
  extensions: Record<string, unknown>;
  /** Its place in the Merkle log, once sequenced. */
  leafIndex: number | null;
  leafHash: string | null;
  /** On an error declaration: the row id of the event it declares erroneous. */
  declares: number | null;
  /** On an event declared erroneous: the declaration (the event stays in the log, and stops counting). */
  correction: Correction | null;
}

export interface Correction {
  /** Row id of the error declaration. */
  by: number;
  reason: string | null;
  declaredAt: string | null;
  note: string | null;
}

/** What a replay reads of an event. */
export type Transition = Pick<
  KeyData,
  "kind" | "actorOrgId" | "carrierOrgId" | "destinationRegion" | "correction"
>;

export interface UnitState {
  state: ItemState | null;
  custodian: string | null;
  seller: string | null;
  destinationRegion: string | null;
}

/** A unit before its commissioning: copy it (`{ ...NOT_YET }`), `applyEvent` changes what it is given. */
export const NOT_YET: Readonly<UnitState> = {
  state: null,
  custodian: null,
  seller: null,
  destinationRegion: null,
};

/** The buyer, who is never named: a consumer is not an organisation of the service. */
export const CONSUMER = "consumer";

const ORG_URI = /^urn:zhuisu:org:(.+)$/;
export const orgIdOf = (uri: string | undefined | null): string | null =>
  (uri && ORG_URI.exec(uri)?.[1]) || null;

/**
 * The same transitions the lifecycle service applies to the items table, replayed from the
 * ledger. Mutates `u` in place: a lot's forward trace folds tens of thousands of (unit, event)
 * pairs, and a fresh object per pair is mostly garbage. An event declared erroneous changes
 * nothing: that is what its declaration says. The lifecycle service replays the same way when
 * it corrects an item (events/correction.ts), so a trace and the items table agree.
 */
export function applyEvent(u: UnitState, e: Transition): void {
  if (e.correction) return;
  switch (e.kind) {
    case "commission":
      u.state = "commissioned";
      u.custodian = e.actorOrgId;
      return;
    case "sale":
      u.state = "sold";
      u.seller = e.actorOrgId;
      return;
    case "dispatch":
      u.state = "dispatched";
      u.custodian = e.carrierOrgId ?? u.custodian;
      u.destinationRegion = e.destinationRegion ?? u.destinationRegion;
      return;
    case "sign_off":
      if (u.state === "dispatched") {
        u.state = "delivered";
        u.custodian = null;
      }
      return;
    case "return":
      u.state = "returned";
      u.custodian = e.actorOrgId;
      return;
    case "destroy":
      u.state = "destroyed";
      u.custodian = null;
      return;
  }
}

/** Who handed over to whom in an event; `before` is the unit's state just before it, when known. */
export function edgeOf(e: KeyData, before?: UnitState): { from: string | null; to: string | null } {
  const source = orgIdOf(e.sources[0]?.source);
  switch (e.kind) {
    case "commission":
      return { from: null, to: e.actorOrgId };
    case "sale":
      return { from: e.actorOrgId, to: CONSUMER };
    case "dispatch":
      return { from: before?.custodian ?? source ?? e.actorOrgId, to: e.carrierOrgId };
    case "sign_off":
      return { from: before?.custodian ?? e.actorOrgId, to: CONSUMER };
    case "return":
      return { from: CONSUMER, to: e.actorOrgId };
    case "destroy":
      return { from: before?.custodian ?? e.actorOrgId, to: null };
    case "listing":
      return { from: e.actorOrgId, to: null };
    case "inspection":
    case "recall":
    case "recall_closed":
      return { from: null, to: null };
    default:
      return { from: source, to: orgIdOf(e.destinations[0]?.destination) };
  }
}

/** A lot's flags after its inspections and recalls up to a time, from the ledger alone. */
export function lotFlagsAt(events: KeyData[]): { nonConforming: boolean; recalled: boolean } {
  let nonConforming = false;
  // A lot stays recalled while any recall of it stands; only a withdrawal lifts one.
  const standing = new Set<string>();
  for (const e of events) {
    if (e.correction) continue;
    if (e.kind === "inspection") nonConforming = e.disposition === "non_conformant";
    if (e.kind === "recall") standing.add(e.recallId ?? String(e.id));
    if (e.kind === "recall_closed" && e.recallOutcome === "withdrawn")
      standing.delete(e.recallId ?? "");
  }
  return { nonConforming, recalled: standing.size > 0 };
}
