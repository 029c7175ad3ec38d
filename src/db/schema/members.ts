// People of an organisation (members), their invitations, console sessions and the activity log of what they did.
import { sql } from "drizzle-orm";
import {
  bigserial,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import { orgs } from "./orgs";

export const MEMBER_ROLES = ["owner", "staff"] as const;
export type MemberRole = (typeof MEMBER_ROLES)[number];

const ts = () => timestamp({ withTimezone: true, mode: "date" });

export const members = pgTable(
  "members",
  {
    id: text().primaryKey(),
    orgId: text()
      .notNull()
      .references(() => orgs.id),
    /** Lower-cased; a member logs in with its email or its phone. */
    email: text(),
    phone: text(),
    displayName: text().notNull(),
    role: text().$type<MemberRole>().notNull(),
    /** scrypt$N$r$p$salt$hash (base64url); null until the invitee sets a password. */
    passwordHash: text(),
    /** Wrong passwords since the last success or lock. */
    failedLogins: integer().notNull().default(0),
    lockedUntil: ts(),
    createdAt: ts().notNull(),
    removedAt: ts(),
  },
  (t) => [
    // One login per person across the service: an identifier names one active member.
    uniqueIndex("members_email_key").on(t.email).where(sql`${t.removedAt} is null`),
    uniqueIndex("members_phone_key").on(t.phone).where(sql`${t.removedAt} is null`),
    index("members_org_idx").on(t.orgId),
  ],
);

export const invitations = pgTable(
  "invitations",
  {
    id: text().primaryKey(),
    orgId: text()
      .notNull()
      .references(() => orgs.id),
    memberId: text()
      .notNull()
      .references(() => members.id),
    /** SHA-256 (hex) of the one-time token in the link; the token itself is never stored. */
    tokenHash: text().notNull(),
    invitedBy: text().references(() => members.id),
    createdAt: ts().notNull(),
    expiresAt: ts().notNull(),
    usedAt: ts(),
  },
  (t) => [uniqueIndex("invitations_token_hash_key").on(t.tokenHash)],
);

export const sessions = pgTable(
  "sessions",
  {
    id: text().primaryKey(),
    memberId: text()
      .notNull()
      .references(() => members.id),
    orgId: text()
      .notNull()
      .references(() => orgs.id),
    /** SHA-256 (hex) of the cookie value; the cookie itself is never stored. */
    tokenHash: text().notNull(),
    createdAt: ts().notNull(),
    lastSeenAt: ts().notNull(),
    /** The absolute end, whatever the activity. */
    expiresAt: ts().notNull(),
    revokedAt: ts(),
    userAgent: text(),
  },
  (t) => [
    uniqueIndex("sessions_token_hash_key").on(t.tokenHash),
    index("sessions_member_idx").on(t.memberId),
  ],
);

export const activity = pgTable(
  "activity",
  {
    id: bigserial({ mode: "number" }).primaryKey(),
    orgId: text()
      .notNull()
      .references(() => orgs.id),
    memberId: text().references(() => members.id),
    sessionId: text().references(() => sessions.id),
    /** What was done, e.g. key.create, member.invite, login.failed. */
    action: text().notNull(),
    /** What it was done to (a key id, a member id), when anything. */
    target: text(),
    detail: jsonb().$type<Record<string, unknown>>(),
    at: ts().notNull(),
  },
  (t) => [index("activity_org_idx").on(t.orgId, t.at)],
);

export type Member = typeof members.$inferSelect;
export type Invitation = typeof invitations.$inferSelect;
export type Session = typeof sessions.$inferSelect;
export type Activity = typeof activity.$inferSelect;
