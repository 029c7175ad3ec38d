// What the public and the organisation itself see of an organisation.
import type { z } from "@hono/zod-openapi";
import { lookupRegion } from "../../codes/region";
import type { Commitment, ListEntry, Org } from "../../db/schema";
import type { Db } from "../../db/types";
import type { Clock } from "../../lib/clock";
import { creditSummary } from "../credit/summaries";
import { jurisdictionNames, jurisdictionOf } from "./jurisdiction";
import type { CreditSummary, ListBadge, PrivateOrg, PublicOrg } from "./schemas";
import { currentCommitment, publishedListEntries } from "./service";

export type PublicOrgView = z.infer<typeof PublicOrg>;
export type PrivateOrgView = z.infer<typeof PrivateOrg>;
type Credit = z.infer<typeof CreditSummary>;

/** The credit shown on a profile: computed from evidence by the credit feature (grade M until there is enough). */
export type CreditLookup = (db: Db, clock: Clock, org: Org) => Promise<Credit>;

export const commitmentView = (c: Commitment) => ({
  id: c.id,
  version: c.version,
  body: c.body,
  publishedAt: c.publishedAt.toISOString(),
  current: c.current,
});

export const listBadge = (e: ListEntry): z.infer<typeof ListBadge> => ({
  id: e.id,
  list: e.list,
  reason: e.reason,
  authority: e.authority,
  severity: e.severity,
  listedOn: e.listedOn,
  maxPublishUntil: e.maxPublishUntil,
});

export function regionView(code: string) {
  const region = lookupRegion(code);
  return { code, names: region?.names ?? [], retired: region?.retired ?? false };
}

/** Who an organisation is, as every public view shows it: verified identity, region, licences. */
export function identityView(org: Org) {
  return {
    id: org.id,
    nameZh: org.nameZh,
    nameEn: org.nameEn,
    uscc: org.uscc,
    personIdMasked: org.personIdLast4 ? `**************${org.personIdLast4}` : null,
    roles: org.roles,
    status: org.status,
    verified: org.status === "verified",
    region: regionView(org.regionCode),
    jurisdiction: jurisdictionView(org),
    licences: org.licences,
  };
}

export function jurisdictionView(org: Org) {
  const code = jurisdictionOf(org);
  return code === null ? null : { code, names: jurisdictionNames(code) };
}

/** The public profile from what has been read: the scan page reads these in one query. */
export function publicOrgView(
  org: Org,
  commitment: Commitment | null,
  entries: ListEntry[],
  credit: PublicOrgView["credit"],
): PublicOrgView {
  return {
    ...identityView(org),
    kind: org.kind,
    commitment: commitment ? commitmentView(commitment) : null,
    credit,
    lists: entries.map(listBadge),
  };
}

export async function publicProfile(
  db: Db,
  clock: Clock,
  org: Org,
  credit: CreditLookup = creditSummary,
): Promise<PublicOrgView> {
  const today = clock.now().toISOString().slice(0, 10);
  const [commitment, entries, score] = await Promise.all([
    currentCommitment(db, org.id),
    publishedListEntries(db, org.id, today),
    credit(db, clock, org),
  ]);
  return publicOrgView(org, commitment ?? null, entries, score);
}

export async function privateProfile(
  db: Db,
  clock: Clock,
  org: Org,
  credit?: CreditLookup,
): Promise<PrivateOrgView> {
  return {
    ...(await publicProfile(db, clock, org, credit)),
    address: org.address,
    contactPhone: org.contactPhone,
    contactEmail: org.contactEmail,
    statusReason: org.statusReason,
    createdAt: org.createdAt.toISOString(),
  };
}
