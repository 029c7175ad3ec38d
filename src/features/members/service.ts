// Members of an organisation: creating the first one, inviting others (one-time, expiring links), setting passwords, removing.
import { and, asc, eq, gt, isNull, ne, sql } from "drizzle-orm";
import {
  type Invitation,
  invitations,
  type Member,
  type MemberRole,
  members,
  sessions,
} from "../../db/schema";
import type { Db } from "../../db/types";
import type { Clock } from "../../lib/clock";
import { sha256Hex } from "../../lib/crypto";
import { AppError } from "../../lib/errors";
import { randomString } from "../../lib/random";
import { newId } from "../orgs/service";
import { recordActivity } from "./activity";
import { hashPassword, PASSWORD_MAX, PASSWORD_MIN } from "./password";
import type { MemberActor, MemberDeps } from "./policy";

/** How a person logs in: an email (lower-cased) or a mainland mobile number (11 digits). */
export type LoginId = { email: string; phone?: undefined } | { phone: string; email?: undefined };

export function parseLogin(raw: string): LoginId | null {
  const value = raw.trim();
  if (value.includes("@")) {
    const email = value.toLowerCase();
    return /^[^\s@]{1,64}@[^\s@]{1,255}\.[^\s@]{1,63}$/.test(email) ? { email } : null;
  }
  const digits = value.replace(/[\s-]/g, "").replace(/^(\+|00)86/, "");
  return /^1\d{10}$/.test(digits) ? { phone: digits } : null;
}

const whereLogin = (login: LoginId) =>
  and(
    login.email ? eq(members.email, login.email) : eq(members.phone, login.phone!),
    isNull(members.removedAt),
  );

export function checkPassword(password: string): void {
  if (password.length < PASSWORD_MIN || password.length > PASSWORD_MAX) {
    throw new AppError(
      "validation_failed",
      `password: must be ${PASSWORD_MIN} to ${PASSWORD_MAX} characters`,
      { errors: [{ path: "password", message: "length", code: "password_length" }] },
    );
  }
}

async function assertLoginFree(db: Db, login: LoginId): Promise<void> {
  const [clash] = await db.select({ id: members.id }).from(members).where(whereLogin(login));
  if (clash) {
    throw new AppError("conflict", `${login.email ?? login.phone} already belongs to a member`, {
      reason: "login_taken",
    });
  }
}

export interface NewMember {
  orgId: string;
  login: LoginId;
  displayName: string;
  role: MemberRole;
  password?: string;
}

/** A member with a password at once: the first owner of an organisation (admin CLI, demo). */
export async function createMember(db: Db, clock: Clock, input: NewMember): Promise<Member> {
  if (input.password !== undefined) checkPassword(input.password);
  const passwordHash = input.password === undefined ? null : await hashPassword(input.password);
  return db.transaction(async (tx) => {
    await assertLoginFree(tx, input.login);
    const [row] = await tx
      .insert(members)
      .values({
        id: newId("mbr"),
        orgId: input.orgId,
        email: input.login.email ?? null,
        phone: input.login.phone ?? null,
        displayName: input.displayName,
        role: input.role,
        passwordHash,
        createdAt: clock.now(),
      })
      .returning();
    return row!;
  });
}

function requireOwner(actor: MemberActor): void {
  if (actor.role !== "owner") {
    throw new AppError("forbidden", "only an owner of the organisation may manage its members", {
      missingRole: ["owner"],
    });
  }
}

export interface IssuedInvitation {
  member: Member;
  /** The one-time token of the link; shown once, stored only as a hash. */
  token: string;
  expiresAt: Date;
}

/** An owner invites a person: a member without a password and a link that sets one, once, before it expires. */
export async function inviteMember(
  db: Db,
  deps: MemberDeps,
  actor: MemberActor,
  input: { login: LoginId; displayName: string; role: MemberRole },
): Promise<IssuedInvitation> {
  requireOwner(actor);
  const token = randomString(43);
  const now = deps.clock.now();
  const expiresAt = new Date(now.getTime() + deps.policy.invitationMs);
  const tokenHash = await sha256Hex(token);
  return db.transaction(async (tx) => {
    const member = await createMember(tx, deps.clock, { ...input, orgId: actor.orgId });
    await tx.insert(invitations).values({
      id: newId("inv"),
      orgId: actor.orgId,
      memberId: member.id,
      tokenHash,
      invitedBy: actor.memberId,
      createdAt: now,
      expiresAt,
    });
    await recordActivity(tx, deps.clock, {
      orgId: actor.orgId,
      memberId: actor.memberId,
      sessionId: actor.sessionId,
      action: "member.invite",
      target: member.id,
      detail: { role: member.role, displayName: member.displayName },
    });
    return { member, token, expiresAt };
  });
}

/** The open invitation a token names, with its member; 404 when unknown, used, expired or withdrawn. */
export async function openInvitation(
  db: Db,
  clock: Clock,
  token: string,
): Promise<{ invitation: Invitation; member: Member }> {
  const [row] = await db
    .select({ invitation: invitations, member: members })
    .from(invitations)
    .innerJoin(members, eq(members.id, invitations.memberId))
    .where(
      and(
        eq(invitations.tokenHash, await sha256Hex(token)),
        isNull(invitations.usedAt),
        gt(invitations.expiresAt, clock.now()),
        isNull(members.removedAt),
      ),
    );
  if (!row) {
    throw new AppError("not_found", "this invitation is unknown, already used or expired", {
      reason: "invitation_invalid",
    });
  }
  return row;
}

/** The invitee sets its password; the link works once. */
export async function acceptInvitation(
  db: Db,
  clock: Clock,
  token: string,
  password: string,
): Promise<Member> {
  checkPassword(password);
  const passwordHash = await hashPassword(password);
  return db.transaction(async (tx) => {
    const { invitation } = await openInvitation(tx, clock, token);
    // Marking it used only if still unused makes two parallel acceptances yield one winner.
    const [used] = await tx
      .update(invitations)
      .set({ usedAt: clock.now() })
      .where(and(eq(invitations.id, invitation.id), isNull(invitations.usedAt)))
      .returning({ id: invitations.id });
    if (!used) throw new AppError("not_found", "this invitation was already used");
    const [member] = await tx
      .update(members)
      .set({ passwordHash, failedLogins: 0, lockedUntil: null })
      .where(eq(members.id, invitation.memberId))
      .returning();
    await recordActivity(tx, clock, {
      orgId: invitation.orgId,
      memberId: member!.id,
      sessionId: null,
      action: "member.join",
      target: member!.id,
    });
    return member!;
  });
}

export async function listMembers(db: Db, orgId: string): Promise<Member[]> {
  return db
    .select()
    .from(members)
    .where(and(eq(members.orgId, orgId), isNull(members.removedAt)))
    .orderBy(asc(members.createdAt), asc(members.id));
}

/** An owner removes a member of its own organisation; its sessions end with it. The last owner stays. */
export async function removeMember(
  db: Db,
  clock: Clock,
  actor: MemberActor,
  memberId: string,
): Promise<void> {
  requireOwner(actor);
  await db.transaction(async (tx) => {
    const [member] = await tx
      .select()
      .from(members)
      .where(
        and(eq(members.id, memberId), eq(members.orgId, actor.orgId), isNull(members.removedAt)),
      )
      .for("update");
    if (!member) {
      throw new AppError("not_found", `organisation ${actor.orgId} has no member ${memberId}`);
    }
    if (member.role === "owner") {
      const [others] = await tx
        .select({ n: sql<number>`count(*)::int` })
        .from(members)
        .where(
          and(
            eq(members.orgId, actor.orgId),
            eq(members.role, "owner"),
            isNull(members.removedAt),
            ne(members.id, memberId),
          ),
        );
      if ((others?.n ?? 0) === 0) {
        throw new AppError("conflict", "the last owner of an organisation cannot be removed", {
          reason: "last_owner",
        });
      }
    }
    const now = clock.now();
    await tx.update(members).set({ removedAt: now }).where(eq(members.id, memberId));
    await tx
      .update(sessions)
      .set({ revokedAt: now })
      .where(and(eq(sessions.memberId, memberId), isNull(sessions.revokedAt)));
    await recordActivity(tx, clock, {
      orgId: actor.orgId,
      memberId: actor.memberId,
      sessionId: actor.sessionId,
      action: "member.remove",
      target: memberId,
      detail: { displayName: member.displayName },
    });
  });
}

export { whereLogin };
