// API-key authentication and role checks: who is calling, and may they do this.
import { and, eq, gt, isNull, lte, type SQL, type SQLWrapper, sql } from "drizzle-orm";
import type { Context } from "hono";
import { apiKeys, listEntries, type Org, orgs, type Role } from "../db/schema";
import type { MemberActor } from "../features/members/policy";
import type { Clock } from "./clock";
import type { AppEnv } from "./context";
import { sha256Hex } from "./crypto";
import { AppError } from "./errors";

export const API_KEY_PATTERN = /^zs_[A-Za-z0-9_-]{32,64}$/;

export interface Caller {
  org: Org;
  /** The API key used, or null for a person in the console. */
  keyId: string | null;
  /** The person behind a console request (member, role, session); absent for API keys. */
  member?: MemberActor;
  /** The black-list entry in force today, read with the key so that sellers pay no extra query. */
  blackListEntryId: string | null;
}

const callers = new WeakMap<Context, Caller | null>();

/**
 * The console authenticates by session cookie and then hands the same Caller to the same checks
 * (requireCaller, requireWriter) and services as an API key would, so the rules exist once.
 * API routes never look at cookies: a session cannot be ridden into /v1 by a cross-site form.
 */
export function actAsMember(c: Context<AppEnv>, caller: Caller): void {
  callers.set(c, caller);
}

/** The black-list entry in force today for `orgId`, as the API-key lookup reads it. */
export async function blackListEntryOf(c: Context<AppEnv>, orgId: string): Promise<string | null> {
  const { db, clock } = c.var.deps;
  const [row] = await db
    .select({ id: listEntries.id })
    .from(listEntries)
    .where(inForce(orgId, "black", today(clock)))
    .limit(1);
  return row?.id ?? null;
}

/** The calling organisation, or null when the request carries no Authorization header. */
export async function optionalCaller(c: Context<AppEnv>): Promise<Caller | null> {
  if (callers.has(c)) return callers.get(c) ?? null;
  const header = c.req.header("Authorization");
  if (!header) {
    callers.set(c, null);
    return null;
  }
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match?.[1] || !API_KEY_PATTERN.test(match[1])) {
    throw new AppError(
      "unauthorized",
      "the Authorization header must be `Bearer zs_…` with a valid API key",
      {},
      {
        "WWW-Authenticate": 'Bearer realm="zhuisu"',
      },
    );
  }
  const hash = await sha256Hex(match[1]);
  const { db, clock } = c.var.deps;
  const [row] = await db
    .select({
      key: apiKeys,
      org: orgs,
      blackListEntryId: sql<string | null>`(${db
        .select({ id: listEntries.id })
        .from(listEntries)
        .where(inForce(orgs.id, "black", today(clock)))
        .limit(1)})`,
    })
    .from(apiKeys)
    .innerJoin(orgs, eq(orgs.id, apiKeys.orgId))
    .where(and(eq(apiKeys.hash, hash), isNull(apiKeys.revokedAt)))
    .limit(1);
  if (!row) {
    throw new AppError(
      "unauthorized",
      "this API key is unknown or has been revoked",
      {},
      {
        "WWW-Authenticate": 'Bearer realm="zhuisu", error="invalid_token"',
      },
    );
  }
  const caller = { org: row.org, keyId: row.key.id, blackListEntryId: row.blackListEntryId };
  callers.set(c, caller);
  return caller;
}

export async function requireCaller(c: Context<AppEnv>): Promise<Caller> {
  const caller = await optionalCaller(c);
  if (!caller) {
    throw new AppError(
      "unauthorized",
      "this endpoint needs an API key: `Authorization: Bearer zs_…`",
      {},
      {
        "WWW-Authenticate": 'Bearer realm="zhuisu"',
      },
    );
  }
  return caller;
}

export function hasRole(org: Org, role: Role): boolean {
  return org.roles.includes(role);
}

/** Why this organisation may not write right now, or null when it may. */
export function writeBlock(org: Org): string | null {
  switch (org.status) {
    case "verified":
      return null;
    case "pending":
    case "pending_review":
      return `organisation ${org.id} is not verified yet (status ${org.status}); a regulator must verify it before it can write`;
    case "rejected":
      return `organisation ${org.id} was rejected by a regulator: ${org.statusReason ?? "no reason given"}`;
    case "suspended":
      return `organisation ${org.id} is suspended: ${org.statusReason ?? "no reason given"}`;
  }
}

const today = (clock: Clock) => clock.now().toISOString().slice(0, 10);

/** Entries of `list` in force on `day` for the organisation `orgId` names. */
function inForce(orgId: SQLWrapper | string, list: "black" | "red", day: string): SQL {
  return and(
    eq(listEntries.orgId, orgId),
    eq(listEntries.list, list),
    isNull(listEntries.removedAt),
    lte(listEntries.listedOn, day),
    gt(listEntries.maxPublishUntil, day),
  )!;
}

/** The caller, checked for a write: it holds one of `roles` and is verified. */
export async function requireWriter(c: Context<AppEnv>, ...roles: Role[]): Promise<Caller> {
  const caller = await requireCaller(c);
  if (roles.length > 0 && !roles.some((r) => hasRole(caller.org, r))) {
    throw new AppError(
      "forbidden",
      `this needs the ${roles.join(" or ")} role; organisation ${caller.org.id} has ${caller.org.roles.join(", ") || "none"}`,
      { missingRole: roles },
    );
  }
  const blocked = writeBlock(caller.org);
  if (blocked) throw new AppError("forbidden", blocked, { orgStatus: caller.org.status });
  return caller;
}

/** For listing and selling: a black-listed seller may not (403 naming the entry). */
export async function assertNotBlackListed(c: Context<AppEnv>, caller: Caller): Promise<void> {
  if (caller.blackListEntryId === null) return;
  const [entry] = await c.var.deps.db
    .select()
    .from(listEntries)
    .where(eq(listEntries.id, caller.blackListEntryId));
  if (entry) {
    throw new AppError(
      "forbidden",
      `organisation ${caller.org.id} is on the black list (${entry.reason}; ${entry.authority}, since ${entry.listedOn}) and may not list or sell`,
      { listEntry: entry },
    );
  }
}
