// Organisations (real-name, licensed participants), their API keys, status history and credit commitments.
import { sql } from "drizzle-orm";
import {
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";

export const ROLES = ["producer", "seller", "logistics", "inspector", "regulator"] as const;
export type Role = (typeof ROLES)[number];

export const ORG_STATUSES = [
  "pending",
  "pending_review",
  "verified",
  "rejected",
  "suspended",
] as const;
export type OrgStatus = (typeof ORG_STATUSES)[number];

export interface Licence {
  kind: string;
  number: string;
  issuer?: string;
  validUntil?: string;
}

const ts = () => timestamp({ withTimezone: true, mode: "date" });

export const orgs = pgTable(
  "orgs",
  {
    id: text().primaryKey(),
    /** enterprise (has a USCC) or natural_person (个人卖家: keyed hash of the ID number). */
    kind: text().$type<"enterprise" | "natural_person">().notNull(),
    uscc: text(),
    personIdHash: text(),
    personIdLast4: text(),
    nameZh: text().notNull(),
    nameEn: text(),
    roles: text().array().$type<Role[]>().notNull(),
    regionCode: text().notNull(),
    /**
     * A regulator's jurisdiction: a GB/T 2260 code (county, prefecture, province) or 000000 for
     * the whole country; what it sees and acts on lies inside it. Null for other organisations.
     */
    jurisdiction: text(),
    address: text(),
    contactPhone: text(),
    contactEmail: text(),
    licences: jsonb().$type<Licence[]>().notNull().default([]),
    status: text().$type<OrgStatus>().notNull(),
    statusReason: text(),
    createdAt: ts().notNull(),
    updatedAt: ts().notNull(),
  },
  (t) => [
    uniqueIndex("orgs_uscc_key").on(t.uscc),
    uniqueIndex("orgs_person_id_hash_key").on(t.personIdHash),
    index("orgs_region_idx").on(t.regionCode),
  ],
);

export const orgStatusHistory = pgTable(
  "org_status_history",
  {
    id: bigserial({ mode: "number" }).primaryKey(),
    orgId: text()
      .notNull()
      .references(() => orgs.id),
    fromStatus: text().$type<OrgStatus>(),
    toStatus: text().$type<OrgStatus>().notNull(),
    reason: text().notNull(),
    actorOrgId: text().references(() => orgs.id),
    at: ts().notNull(),
  },
  (t) => [index("org_status_history_org_idx").on(t.orgId, t.at)],
);

export const apiKeys = pgTable(
  "api_keys",
  {
    id: text().primaryKey(),
    orgId: text()
      .notNull()
      .references(() => orgs.id),
    name: text().notNull(),
    /** The visible start of the key (zs_xxxxxxxx), to tell keys apart in lists. */
    prefix: text().notNull(),
    /** SHA-256 (hex) of the whole key: the key itself is shown once and never stored. */
    hash: text().notNull(),
    createdAt: ts().notNull(),
    revokedAt: ts(),
    lastUsedAt: ts(),
  },
  (t) => [uniqueIndex("api_keys_hash_key").on(t.hash), index("api_keys_org_idx").on(t.orgId)],
);

export interface CommitmentBody {
  quality: string;
  priceHonesty: string;
  logistics: string;
  afterSales: {
    noReasonReturnDays: number;
    firstCompensation: boolean;
    responseHours: number;
    text?: string;
  };
  extra?: string;
}

export const commitments = pgTable(
  "commitments",
  {
    id: text().primaryKey(),
    orgId: text()
      .notNull()
      .references(() => orgs.id),
    version: integer().notNull(),
    body: jsonb().$type<CommitmentBody>().notNull(),
    publishedAt: ts().notNull(),
    current: boolean().notNull().default(true),
  },
  (t) => [
    uniqueIndex("commitments_org_version_key").on(t.orgId, t.version),
    uniqueIndex("commitments_one_current").on(t.orgId).where(sql`${t.current}`),
  ],
);

export type Org = typeof orgs.$inferSelect;
export type ApiKey = typeof apiKeys.$inferSelect;
export type Commitment = typeof commitments.$inferSelect;
export type OrgStatusChange = typeof orgStatusHistory.$inferSelect;
