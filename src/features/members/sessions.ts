// Console sessions: login with lockout, server-side session rows behind an opaque cookie, idle and absolute expiry, logout.
import { and, eq, isNull } from "drizzle-orm";
import { type Member, members, type Org, orgs, type Session, sessions } from "../../db/schema";
import type { Db } from "../../db/types";
import { sha256Hex } from "../../lib/crypto";
import { AppError } from "../../lib/errors";
import { randomString } from "../../lib/random";
import { rateLimited } from "../../lib/rate-limit";
import { newId } from "../orgs/service";
import { recordActivity } from "./activity";
import { burnVerification, verifyPassword } from "./password";
import type { MemberDeps } from "./policy";
import { parseLogin, whereLogin } from "./service";

/** Sessions are touched at most this often, so reading pages does not write on every request. */
const TOUCH_MS = 60_000;

export interface LoggedIn {
  /** The cookie value; only its hash is stored. */
  token: string;
  session: Session;
  member: Member;
}

const badLogin = () =>
  new AppError("unauthorized", "the login or the password is wrong", { reason: "bad_login" });

function lockedError(until: Date, now: Date): AppError {
  const base = rateLimited(
    "too many wrong passwords for this member",
    (until.getTime() - now.getTime()) / 1000,
  );
  return new AppError(
    base.code,
    base.detail,
    { ...base.extras, reason: "member_locked" },
    base.headers,
  );
}

/**
 * Checks a login and opens a session. A wrong password counts against the member; after
 * `maxFailures` in a row it is locked for `lockMs`, during which even the right password is
 * refused. An unknown login costs the same scrypt time as a known one.
 */
export async function login(
  db: Db,
  deps: MemberDeps,
  input: { login: string; password: string; userAgent?: string },
): Promise<LoggedIn> {
  const { clock, policy } = deps;
  const id = parseLogin(input.login);
  const [member] = id ? await db.select().from(members).where(whereLogin(id)) : [];
  if (!member?.passwordHash) {
    await burnVerification(input.password);
    throw badLogin();
  }
  const now = clock.now();
  if (member.lockedUntil && member.lockedUntil > now) throw lockedError(member.lockedUntil, now);
  const ok = await verifyPassword(input.password, member.passwordHash);
  if (!ok) {
    // Written outside any transaction that the refusal would roll back.
    const failures = member.failedLogins + 1;
    const lock = failures >= policy.maxFailures;
    const lockedUntil = lock ? new Date(now.getTime() + policy.lockMs) : null;
    await db.transaction(async (tx) => {
      await tx
        .update(members)
        .set({ failedLogins: lock ? 0 : failures, lockedUntil })
        .where(eq(members.id, member.id));
      await recordActivity(tx, clock, {
        orgId: member.orgId,
        memberId: member.id,
        sessionId: null,
        action: lock ? "login.locked" : "login.failed",
        detail: { failures },
      });
    });
    if (lockedUntil) throw lockedError(lockedUntil, now);
    throw badLogin();
  }
  const token = randomString(43);
  return db.transaction(async (tx) => {
    await tx
      .update(members)
      .set({ failedLogins: 0, lockedUntil: null })
      .where(eq(members.id, member.id));
    const [session] = await tx
      .insert(sessions)
      .values({
        id: newId("ses"),
        memberId: member.id,
        orgId: member.orgId,
        tokenHash: await sha256Hex(token),
        createdAt: now,
        lastSeenAt: now,
        expiresAt: new Date(now.getTime() + policy.absoluteMs),
        userAgent: input.userAgent?.slice(0, 256) ?? null,
      })
      .returning();
    await recordActivity(tx, clock, {
      orgId: member.orgId,
      memberId: member.id,
      sessionId: session!.id,
      action: "login",
    });
    return { token, session: session!, member };
  });
}

export interface ActiveSession {
  session: Session;
  member: Member;
  org: Org;
}

/** The live session a cookie names, or null when unknown, revoked, idle too long, past its end, or its member removed. */
export async function resolveSession(
  db: Db,
  deps: MemberDeps,
  token: string,
): Promise<ActiveSession | null> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
  const [row] = await db
    .select({ session: sessions, member: members, org: orgs })
    .from(sessions)
    .innerJoin(members, eq(members.id, sessions.memberId))
    .innerJoin(orgs, eq(orgs.id, sessions.orgId))
    .where(
      and(
        eq(sessions.tokenHash, await sha256Hex(token)),
        isNull(sessions.revokedAt),
        isNull(members.removedAt),
      ),
    );
  if (!row) return null;
  const now = deps.clock.now().getTime();
  const { session } = row;
  if (session.expiresAt.getTime() <= now) return null;
  if (session.lastSeenAt.getTime() + deps.policy.idleMs <= now) return null;
  if (now - session.lastSeenAt.getTime() >= TOUCH_MS) {
    const lastSeenAt = new Date(now);
    await db.update(sessions).set({ lastSeenAt }).where(eq(sessions.id, session.id));
    row.session = { ...session, lastSeenAt };
  }
  return row;
}

/** Ends one session (logout). */
export async function logout(db: Db, deps: MemberDeps, active: ActiveSession): Promise<void> {
  await db.transaction(async (tx) => {
    await tx
      .update(sessions)
      .set({ revokedAt: deps.clock.now() })
      .where(eq(sessions.id, active.session.id));
    await recordActivity(tx, deps.clock, {
      orgId: active.org.id,
      memberId: active.member.id,
      sessionId: active.session.id,
      action: "logout",
    });
  });
}

/** Ends every session of the member, on every device (log out everywhere). */
export async function logoutEverywhere(
  db: Db,
  deps: MemberDeps,
  active: ActiveSession,
): Promise<number> {
  return db.transaction(async (tx) => {
    const ended = await tx
      .update(sessions)
      .set({ revokedAt: deps.clock.now() })
      .where(and(eq(sessions.memberId, active.member.id), isNull(sessions.revokedAt)))
      .returning({ id: sessions.id });
    await recordActivity(tx, deps.clock, {
      orgId: active.org.id,
      memberId: active.member.id,
      sessionId: active.session.id,
      action: "logout.everywhere",
      detail: { sessions: ended.length },
    });
    return ended.length;
  });
}
