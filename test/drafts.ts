// An item's OBSERVE event as a draft for the append path, for the ledger's own tests.
import type { EventDraft } from "../src/ledger/append";
import { objectEvent } from "../src/ledger/epcis";

export const observeDraft = (
  serial: string,
  eventTime: Date,
  extra: Record<string, unknown> = {},
): EventDraft => ({
  kind: "epcis",
  actorOrgId: null,
  event: {
    ...objectEvent({
      action: "OBSERVE",
      eventTime,
      epcs: [`https://id.gs1.org/01/09506000134352/21/${serial}`],
    }),
    ...extra,
  },
  subjects: [{ key: `/01/09506000134352/21/${serial}`, level: "item" }],
});
