// The identifiers an EPCIS event names, as ledger subjects: canonical Digital Link paths for GS1 keys, else the URI.
import { parseCode } from "../../codes";
import type { SubjectRef } from "../../ledger/append";
import { canonicalGs1Identifier } from "../../ledger/epc-normalise";

type Level = SubjectRef["level"];
type Role = NonNullable<SubjectRef["role"]>;

export interface IdentifierKey {
  key: string;
  level: Level;
}

const LEVELS: Record<string, Level> = { item: "item", lot: "lot", product: "product" };

/**
 * The subject key of an identifier in any form (EPC URN, Digital Link on any host): the
 * canonical Digital Link path (`/01/09506000134352/21/abc`) when it is a GS1 key, so that
 * EPCIS-captured events join the histories of the items the service knows; else the URI as given.
 */
export function identifierKey(identifier: string): IdentifierKey {
  const dl = canonicalGs1Identifier(identifier);
  if (dl) {
    const parsed = parseCode(dl, { gbt33993: false });
    if (parsed.ok && parsed.value.kind === "gs1") {
      return { key: parsed.value.key, level: LEVELS[parsed.value.level] ?? "other" };
    }
    return { key: dl, level: "other" };
  }
  return { key: identifier, level: "other" };
}

const EPC_LISTS: [string, Role][] = [
  ["epcList", "epc"],
  ["childEPCs", "child"],
  ["inputEPCList", "input"],
  ["outputEPCList", "output"],
];
const QUANTITY_LISTS: [string, Role][] = [
  ["quantityList", "quantity"],
  ["childQuantityList", "quantity"],
  ["inputQuantityList", "input"],
  ["outputQuantityList", "output"],
];

/** Every identifier of an event with the role it plays, for event_subjects. */
export function eventSubjects(event: Record<string, unknown>): SubjectRef[] {
  const out: SubjectRef[] = [];
  const products = new Set<string>();
  const add = (value: unknown, role: Role, quantity?: unknown) => {
    if (typeof value !== "string" || value === "") return;
    const { key, level } = identifierKey(value);
    const ref: SubjectRef = { key, level, role };
    if (typeof quantity === "number" && Number.isInteger(quantity) && Math.abs(quantity) < 2 ** 31)
      ref.quantity = quantity;
    out.push(ref);
    // As lifecycle events do: the product of an item or lot is a context subject, so that a
    // product's history holds its items' events and EPC patterns find them by index.
    if ((level === "item" || level === "lot") && key.startsWith("/01/"))
      products.add(key.slice(0, 18));
  };
  add(event.parentID, "parent");
  for (const [field, role] of EPC_LISTS) {
    const list = event[field];
    if (Array.isArray(list)) for (const epc of list) add(epc, role);
  }
  for (const [field, role] of QUANTITY_LISTS) {
    const list = event[field];
    if (!Array.isArray(list)) continue;
    for (const element of list) {
      if (element && typeof element === "object") {
        const { epcClass, quantity } = element as { epcClass?: unknown; quantity?: unknown };
        add(epcClass, role, quantity);
      }
    }
  }
  for (const key of products) out.push({ key, level: "product", role: "context" });
  return out;
}

/** Roles of instance-level identifiers and of class-level ones, per MATCH_ parameter. */
export const MATCH_ROLES = {
  MATCH_epc: ["epc", "child"],
  MATCH_parentID: ["parent"],
  MATCH_inputEPC: ["input"],
  MATCH_outputEPC: ["output"],
  MATCH_anyEPC: ["epc", "child", "parent", "input", "output"],
  MATCH_epcClass: ["quantity"],
  MATCH_inputEPCClass: ["input"],
  MATCH_outputEPCClass: ["output"],
  MATCH_anyEPCClass: ["quantity", "input", "output"],
} as const satisfies Record<string, readonly Role[]>;

export type MatchParameter = keyof typeof MATCH_ROLES;

/** Whether a MATCH_ parameter asks for class-level identifiers (quantity lists). */
export function matchesClasses(parameter: MatchParameter): boolean {
  return parameter.endsWith("Class");
}
