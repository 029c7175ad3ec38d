// The ledger side of commissioning: one EPCIS ObjectEvent ADD for the items a producer brought into being.
import { itemKey, lotKey, productKey } from "../../codes/keys";
import type { Db } from "../../db/types";
import { type Appended, appendEvent, type SubjectRef } from "../../ledger/append";
import { epcOf, objectEvent, orgUri } from "../../ledger/epcis";

export interface CommissioningFacts {
  gtin: string;
  lot: string;
  serials: readonly string[];
  actorOrgId: string;
  eventTime: Date;
  expiryDate?: string | null;
  productionDate?: string | null;
}

export async function recordCommissioning(
  tx: Db,
  recordTime: Date,
  facts: CommissioningFacts,
): Promise<Appended> {
  const lot = lotKey(facts.gtin, facts.lot);
  const itemKeys = facts.serials.map((s) => itemKey(facts.gtin, s));
  const ilmd: Record<string, unknown> = { "cbvmda:lotNumber": facts.lot };
  if (facts.productionDate) ilmd["cbvmda:productionDate"] = facts.productionDate;
  if (facts.expiryDate) ilmd["cbvmda:itemExpirationDate"] = facts.expiryDate;
  const subjects: SubjectRef[] = [
    ...itemKeys.map((key) => ({ key, level: "item" as const })),
    { key: lot, level: "lot", role: "context" },
    { key: productKey(facts.gtin), level: "product", role: "context" },
  ];
  return appendEvent(tx, recordTime, {
    kind: "commission",
    actorOrgId: facts.actorOrgId,
    event: {
      ...objectEvent({
        action: "ADD",
        eventTime: facts.eventTime,
        epcs: itemKeys.map(epcOf),
        bizStep: "commissioning",
        disposition: "active",
        readPoint: orgUri(facts.actorOrgId),
      }),
      ilmd,
    },
    subjects,
  });
}
