// Organisations: registration with real-name checks, verification by regulators, API keys, commitments.
import { and, asc, desc, eq, gt, isNull, or, sql } from "drizzle-orm";
import { checkLicence, type LicenceKind } from "../../codes/licences";
import { lookupRegion } from "../../codes/region";
import { checkResidentId, last4 } from "../../codes/resident-id";
import { checkUscc } from "../../codes/uscc";
import {
  apiKeys,
  type Commitment,
  type CommitmentBody,
  commitments,
  type Licence,
  listEntries,
  type Org,
  type OrgStatus,
  orgStatusHistory,
  orgs,
  type Role,
} from "../../db/schema";
import type { Db } from "../../db/types";
import type { Clock } from "../../lib/clock";
import { keyedHash, sha256Hex } from "../../lib/crypto";
import { AppError, type FieldError } from "../../lib/errors";
import { afterPosition, decodeCursor, toPage } from "../../lib/pagination";
import { randomString } from "../../lib/random";
import {
  assertWithin,
  isValidJurisdiction,
  jurisdictionOf,
  jurisdictionWithin,
  withinSql,
} from "./jurisdiction";

export interface OrgDeps {
  clock: Clock;
  hashSecret: string;
}

export interface RegisterInput {
  kind: "enterprise" | "natural_person";
  nameZh: string;
  nameEn?: string;
  uscc?: string;
  residentId?: string;
  roles: Role[];
  regionCode: string;
  /** Regulators only: the region they regulate (see jurisdiction.ts). */
  jurisdiction?: string;
  address?: string;
  contactPhone?: string;
  contactEmail?: string;
  licences: Licence[];
}

const LOWER_ALNUM = "abcdefghijkmnpqrstuvwxyz23456789";
export const newId = (prefix: string) => `${prefix}_${randomString(16, LOWER_ALNUM)}`;

function invalid(errors: FieldError[]): AppError {
  const first = errors[0]!;
  return new AppError("validation_failed", `${first.path}: ${first.message}`, { errors });
}

/** Checks what the schema cannot: codes, region, licences, role constraints. Returns the status to start in. */
/**
 * A national or wider regulator moves another regulator's jurisdiction (within its own); the
 * other one's queues follow at once.
 */
export async function changeJurisdiction(
  db: Db,
  clock: Clock,
  orgId: string,
  jurisdiction: string,
  actor: Org,
): Promise<Org> {
  if (!isValidJurisdiction(jurisdiction)) {
    throw new AppError(
      "validation_failed",
      `json.jurisdiction: ${jurisdiction} is not a current GB/T 2260 region code, nor 000000`,
      { errors: [{ path: "json.jurisdiction", message: "not a current GB/T 2260 code" }] },
    );
  }
  return db.transaction(async (tx) => {
    const [org] = await tx.select().from(orgs).where(eq(orgs.id, orgId)).for("update");
    if (!org) throw new AppError("not_found", `organisation ${orgId} does not exist`);
    if (!org.roles.includes("regulator")) {
      throw new AppError("conflict", `organisation ${orgId} is not a regulator`, {
        rule: "only_regulators_have_jurisdiction",
      });
    }
    const own = jurisdictionOf(actor)!;
    const current = jurisdictionOf(org)!;
    if (
      org.id === actor.id ||
      !jurisdictionWithin(current, own) ||
      !jurisdictionWithin(jurisdiction, own)
    ) {
      throw new AppError(
        "forbidden",
        `${actor.id} (${own}) may move only other regulators inside its own jurisdiction; ${orgId} regulates ${current}, asked ${jurisdiction}`,
        { jurisdiction: own },
      );
    }
    const [updated] = await tx
      .update(orgs)
      .set({ jurisdiction, updatedAt: clock.now() })
      .where(eq(orgs.id, orgId))
      .returning();
    return updated!;
  });
}

/** A regulator regulates a region inside its registrar's; nobody else has a jurisdiction. */
function checkJurisdiction(input: RegisterInput, registeredBy: Org | null): string | null {
  const fail = (message: string): never => {
    throw new AppError("validation_failed", `json.jurisdiction: ${message}`, {
      errors: [{ path: "json.jurisdiction", message }],
    });
  };
  if (!input.roles.includes("regulator")) {
    return input.jurisdiction === undefined ? null : fail("only regulators have a jurisdiction");
  }
  const code = input.jurisdiction;
  if (code === undefined) {
    return fail("a regulator is registered with the region it regulates (GB/T 2260, or 000000)");
  }
  if (!isValidJurisdiction(code)) {
    return fail(`${code} is not a current GB/T 2260 region code, nor 000000 (the whole country)`);
  }
  const outer = registeredBy ? jurisdictionOf(registeredBy) : null;
  if (outer !== null && !jurisdictionWithin(code, outer)) {
    throw new AppError(
      "forbidden",
      `jurisdiction ${code} is not inside ${outer}, the jurisdiction of ${registeredBy!.id}`,
      { jurisdiction: outer },
    );
  }
  return code;
}

function checkRegistration(
  input: RegisterInput,
  today: Date,
): { status: OrgStatus; reason: string | null } {
  const errors: FieldError[] = [];
  let status: OrgStatus = "pending";
  let reason: string | null = null;
  if (new Set(input.roles).size !== input.roles.length) {
    errors.push({ path: "json.roles", message: "a role is listed twice" });
  }
  if (input.kind === "enterprise") {
    if (!input.uscc) {
      errors.push({
        path: "json.uscc",
        message: "an enterprise registers with its 统一社会信用代码 (USCC)",
      });
    } else {
      const check = checkUscc(input.uscc);
      if (!check.ok && check.code === "bad_check_character") {
        // Early pilot codes that fail the check exist: hold them for a regulator, never verify them silently.
        status = "pending_review";
        reason = `USCC check character does not match (${check.message}); held for manual review by a regulator`;
      } else if (!check.ok) {
        errors.push({ path: "json.uscc", message: check.message, code: check.code });
      }
    }
    if (input.residentId)
      errors.push({ path: "json.residentId", message: "only natural persons give an ID number" });
  } else {
    if (!input.residentId) {
      errors.push({
        path: "json.residentId",
        message: "a natural-person seller registers with a resident ID number",
      });
    } else {
      const check = checkResidentId(input.residentId, { today });
      if (!check.ok)
        errors.push({ path: "json.residentId", message: check.message, code: check.code });
    }
    if (input.uscc)
      errors.push({
        path: "json.uscc",
        message: "natural persons have no USCC; use kind enterprise",
      });
    const allowed: Role[] = ["producer", "seller"];
    if (input.roles.some((r) => !allowed.includes(r))) {
      errors.push({
        path: "json.roles",
        message: "a natural person may only be a producer (农户) or a seller (个人卖家)",
      });
    }
  }
  if (!lookupRegion(input.regionCode)) {
    errors.push({
      path: "json.regionCode",
      message: `${input.regionCode} is not a GB/T 2260 region code`,
    });
  }
  input.licences.forEach((licence, i) => {
    const check = checkLicence(licence.kind as LicenceKind, licence.number);
    if (!check.ok) errors.push({ path: `json.licences.${i}.number`, message: check.message });
  });
  if (
    input.roles.includes("inspector") &&
    !input.licences.some((l) => l.kind === "cma" || l.kind === "cnas")
  ) {
    errors.push({
      path: "json.licences",
      message: "an inspector needs its accreditation number (a licence of kind cma or cnas)",
    });
  }
  if (errors.length > 0) throw invalid(errors);
  return { status, reason };
}

function normalisedLicences(licences: Licence[]): Licence[] {
  return licences.map((l) => {
    const check = checkLicence(l.kind as LicenceKind, l.number);
    return { ...l, number: check.ok ? check.value : l.number };
  });
}

export async function registerOrg(
  db: Db,
  deps: OrgDeps,
  input: RegisterInput,
  registeredBy: Org | null,
): Promise<{ org: Org; key: IssuedKey; notice: string | null }> {
  if (input.roles.includes("regulator") && !registeredBy?.roles.includes("regulator")) {
    throw new AppError(
      "forbidden",
      "regulator organisations are created by a regulator or with the admin CLI (npm run admin)",
    );
  }
  const jurisdiction = checkJurisdiction(input, registeredBy);
  const now = deps.clock.now();
  const { status, reason } = checkRegistration(input, now);
  const uscc = input.uscc?.toUpperCase() ?? null;
  const personIdHash = input.residentId
    ? await keyedHash(deps.hashSecret, "resident-id", input.residentId.toUpperCase())
    : null;
  return db.transaction(async (tx) => {
    const clash = await tx
      .select({ id: orgs.id, uscc: orgs.uscc })
      .from(orgs)
      .where(
        or(
          uscc ? eq(orgs.uscc, uscc) : sql`false`,
          personIdHash ? eq(orgs.personIdHash, personIdHash) : sql`false`,
        ),
      )
      .limit(1);
    if (clash[0]) {
      throw new AppError(
        "conflict",
        clash[0].uscc
          ? `an organisation with USCC ${clash[0].uscc} is already registered (${clash[0].id})`
          : "a natural person with this ID number is already registered",
        {
          existingOrgId: clash[0].id,
          errors: [{ path: uscc ? "json.uscc" : "json.residentId", message: "already registered" }],
        },
      );
    }
    const [org] = await tx
      .insert(orgs)
      .values({
        id: newId("org"),
        kind: input.kind,
        uscc,
        personIdHash,
        personIdLast4: input.residentId ? last4(input.residentId.toUpperCase() as never) : null,
        nameZh: input.nameZh,
        nameEn: input.nameEn ?? null,
        roles: input.roles,
        regionCode: input.regionCode,
        jurisdiction,
        address: input.address ?? null,
        contactPhone: input.contactPhone ?? null,
        contactEmail: input.contactEmail ?? null,
        licences: normalisedLicences(input.licences),
        status,
        statusReason: reason,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    await tx.insert(orgStatusHistory).values({
      orgId: org!.id,
      fromStatus: null,
      toStatus: status,
      reason: reason ?? "registered",
      actorOrgId: registeredBy?.id ?? null,
      at: now,
    });
    const key = await issueApiKey(tx, deps.clock, org!.id, "initial key");
    return { org: org!, key, notice: reason };
  });
}

export interface IssuedKey {
  id: string;
  name: string;
  prefix: string;
  key: string;
  createdAt: string;
}

export async function issueApiKey(
  db: Db,
  clock: Clock,
  orgId: string,
  name: string,
  given?: string,
): Promise<IssuedKey> {
  const key = given ?? `zs_${randomString(40)}`;
  const prefix = key.slice(0, 11);
  const now = clock.now();
  const id = newId("key");
  await db
    .insert(apiKeys)
    .values({ id, orgId, name, prefix, hash: await sha256Hex(key), createdAt: now });
  return { id, name, prefix, key, createdAt: now.toISOString() };
}

export async function listApiKeys(db: Db, orgId: string) {
  return db.select().from(apiKeys).where(eq(apiKeys.orgId, orgId)).orderBy(asc(apiKeys.createdAt));
}

export async function revokeApiKey(
  db: Db,
  clock: Clock,
  orgId: string,
  keyId: string,
): Promise<void> {
  const [row] = await db
    .update(apiKeys)
    .set({ revokedAt: clock.now() })
    .where(and(eq(apiKeys.id, keyId), eq(apiKeys.orgId, orgId), isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.id });
  if (!row) throw new AppError("not_found", `organisation ${orgId} has no active key ${keyId}`);
}

export async function getOrg(db: Db, id: string): Promise<Org> {
  const [org] = await db.select().from(orgs).where(eq(orgs.id, id));
  if (!org) throw new AppError("not_found", `organisation ${id} does not exist`);
  return org;
}

export async function getOrgByUscc(db: Db, uscc: string): Promise<Org> {
  const [org] = await db.select().from(orgs).where(eq(orgs.uscc, uscc.toUpperCase()));
  if (!org) throw new AppError("not_found", `no organisation with USCC ${uscc} is registered`);
  return org;
}

/** The verification states an organisation may move to from each one. */
export const ALLOWED: Record<OrgStatus, OrgStatus[]> = {
  pending: ["verified", "rejected"],
  pending_review: ["verified", "rejected"],
  verified: ["suspended", "rejected"],
  suspended: ["verified", "rejected"],
  rejected: ["pending", "verified"],
};

export async function changeOrgStatus(
  db: Db,
  clock: Clock,
  orgId: string,
  to: OrgStatus,
  reason: string,
  actor: Org,
): Promise<Org> {
  return db.transaction(async (tx) => {
    const [org] = await tx.select().from(orgs).where(eq(orgs.id, orgId)).for("update");
    if (!org) throw new AppError("not_found", `organisation ${orgId} does not exist`);
    assertWithin(actor, org.regionCode, `organisation ${orgId}`);
    if (!ALLOWED[org.status].includes(to)) {
      throw new AppError(
        "conflict",
        `organisation ${orgId} is ${org.status}; it cannot become ${to}`,
        {
          currentStatus: org.status,
          allowed: ALLOWED[org.status],
        },
      );
    }
    const now = clock.now();
    const [updated] = await tx
      .update(orgs)
      .set({ status: to, statusReason: reason, updatedAt: now })
      .where(eq(orgs.id, orgId))
      .returning();
    await tx.insert(orgStatusHistory).values({
      orgId,
      fromStatus: org.status,
      toStatus: to,
      reason,
      actorOrgId: actor.id,
      at: now,
    });
    return updated!;
  });
}

export async function statusHistory(db: Db, orgId: string) {
  return db
    .select()
    .from(orgStatusHistory)
    .where(eq(orgStatusHistory.orgId, orgId))
    .orderBy(asc(orgStatusHistory.at), asc(orgStatusHistory.id));
}

export async function publishCommitment(
  db: Db,
  clock: Clock,
  orgId: string,
  body: CommitmentBody,
): Promise<Commitment> {
  return db.transaction(async (tx) => {
    // Lock the organisation so two publications cannot take the same version number.
    await tx.select({ id: orgs.id }).from(orgs).where(eq(orgs.id, orgId)).for("update");
    const [last] = await tx
      .select({ version: commitments.version })
      .from(commitments)
      .where(eq(commitments.orgId, orgId))
      .orderBy(desc(commitments.version))
      .limit(1);
    await tx
      .update(commitments)
      .set({ current: false })
      .where(and(eq(commitments.orgId, orgId), eq(commitments.current, true)));
    const [row] = await tx
      .insert(commitments)
      .values({
        id: newId("cmt"),
        orgId,
        version: (last?.version ?? 0) + 1,
        body,
        publishedAt: clock.now(),
        current: true,
      })
      .returning();
    return row!;
  });
}

export async function commitmentHistory(db: Db, orgId: string): Promise<Commitment[]> {
  return db
    .select()
    .from(commitments)
    .where(eq(commitments.orgId, orgId))
    .orderBy(desc(commitments.version));
}

export async function currentCommitment(db: Db, orgId: string): Promise<Commitment | null> {
  const [row] = await db
    .select()
    .from(commitments)
    .where(and(eq(commitments.orgId, orgId), eq(commitments.current, true)));
  return row ?? null;
}

export async function publishedListEntries(db: Db, orgId: string, today: string) {
  return db
    .select()
    .from(listEntries)
    .where(
      and(
        eq(listEntries.orgId, orgId),
        isNull(listEntries.removedAt),
        gt(listEntries.maxPublishUntil, today),
        sql`${listEntries.listedOn} <= ${today}`,
      ),
    );
}

export async function listOrgs(
  db: Db,
  filter: {
    role?: Role;
    regionCode?: string;
    status?: OrgStatus;
    /** A regulator's queue: only organisations registered inside it. */
    jurisdiction?: string;
    limit: number;
    cursor?: string;
  },
) {
  const position = decodeCursor(filter.cursor);
  const conditions = [
    filter.role ? sql`${filter.role} = any(${orgs.roles})` : undefined,
    filter.regionCode ? withinSql(orgs.regionCode, filter.regionCode) : undefined,
    filter.jurisdiction ? withinSql(orgs.regionCode, filter.jurisdiction) : undefined,
    filter.status ? eq(orgs.status, filter.status) : undefined,
    afterPosition(orgs.createdAt, orgs.id, position),
  ].filter((c) => c !== undefined);
  const rows = await db
    .select()
    .from(orgs)
    .where(and(...conditions))
    .orderBy(asc(orgs.createdAt), asc(orgs.id))
    .limit(filter.limit + 1);
  return toPage(rows, filter.limit, (r) => ({ at: r.createdAt.toISOString(), id: r.id }));
}
