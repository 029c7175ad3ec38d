// The organisations of a trace, in one query: verified identity and licences, by id.
import { inArray } from "drizzle-orm";
import { type Org, orgs } from "../../db/schema";
import type { Db } from "../../db/types";
import { identityView } from "../orgs/profile";
import type { PartyView } from "./schemas";

export const partyView = (org: Org): PartyView => identityView(org);

export async function partiesOf(
  db: Db,
  ids: Iterable<string | null | undefined>,
): Promise<Map<string, PartyView>> {
  const wanted = [...new Set([...ids].filter((id): id is string => typeof id === "string"))];
  if (wanted.length === 0) return new Map();
  const rows = await db.select().from(orgs).where(inArray(orgs.id, wanted));
  return new Map(rows.map((o) => [o.id, partyView(o)]));
}

export const actorOf = (party: PartyView | undefined) =>
  party ? { id: party.id, nameZh: party.nameZh, uscc: party.uscc, verified: party.verified } : null;
