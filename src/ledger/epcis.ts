// Building EPCIS 2.0 events in the shape the ledger stores: Digital Link identifiers, CBV terms, our namespace.
export const EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld";
/** Our own extension namespace (lifecycle steps and fields that CBV has no term for). */
export const ZS_NS = "https://ns.zhuisu.org/epcis#";
export const ZS_CONTEXT: unknown[] = [EPCIS_CONTEXT, { zs: ZS_NS }];
/** Identifiers are stored as Digital Links on GS1's canonical host, whatever host they arrived on. */
export const ID_ORIGIN = "https://id.gs1.org";

export const epcOf = (key: string) => `${ID_ORIGIN}${key}`;
/** Organisations as EPCIS parties (source/destination lists, readPoint of their premises). */
export const orgUri = (orgId: string) => `urn:zhuisu:org:${orgId}`;

export interface QuantityElement {
  epcClass: string;
  quantity: number;
  uom?: string;
}

export interface ObjectEventInput {
  action: "ADD" | "OBSERVE" | "DELETE";
  eventTime: Date;
  epcs?: string[];
  quantities?: QuantityElement[];
  bizStep?: string;
  disposition?: string;
  readPoint?: string;
  bizLocation?: string;
  bizTransactions?: { type: string; bizTransaction: string }[];
  sources?: { type: string; source: string }[];
  destinations?: { type: string; destination: string }[];
  persistentDisposition?: { set?: string[]; unset?: string[] };
  certificationInfo?: string;
  /** Extension fields, already prefixed with `zs:`. */
  extensions?: Record<string, unknown>;
}

/** China time: the offset shown to people and kept with every event. */
export const DEFAULT_TZ_OFFSET = "+08:00";

export function objectEvent(input: ObjectEventInput): Record<string, unknown> {
  const event: Record<string, unknown> = {
    type: "ObjectEvent",
    eventTime: input.eventTime.toISOString(),
    eventTimeZoneOffset: DEFAULT_TZ_OFFSET,
    action: input.action,
  };
  if (input.epcs) event.epcList = input.epcs;
  if (input.quantities?.length) event.quantityList = input.quantities;
  if (input.bizStep) event.bizStep = input.bizStep;
  if (input.disposition) event.disposition = input.disposition;
  if (input.persistentDisposition) event.persistentDisposition = input.persistentDisposition;
  if (input.readPoint) event.readPoint = { id: input.readPoint };
  if (input.bizLocation) event.bizLocation = { id: input.bizLocation };
  if (input.bizTransactions?.length) event.bizTransactionList = input.bizTransactions;
  if (input.sources?.length) event.sourceList = input.sources;
  if (input.destinations?.length) event.destinationList = input.destinations;
  if (input.certificationInfo) event.certificationInfo = input.certificationInfo;
  Object.assign(event, input.extensions ?? {});
  return event;
}
