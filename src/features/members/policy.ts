// The session and login rules of the console, read once from the configuration.
import type { Config } from "../../config";
import type { Clock } from "../../lib/clock";

export interface AccessPolicy {
  /** A session unused this long ends. */
  idleMs: number;
  /** A session ends this long after login, however busy. */
  absoluteMs: number;
  /** Wrong passwords in a row that lock a member. */
  maxFailures: number;
  lockMs: number;
  invitationMs: number;
}

export interface MemberDeps {
  clock: Clock;
  policy: AccessPolicy;
}

export function accessPolicy(config: Config): AccessPolicy {
  return {
    idleMs: config.SESSION_IDLE_MINUTES * 60_000,
    absoluteMs: config.SESSION_ABSOLUTE_HOURS * 3_600_000,
    maxFailures: config.LOGIN_MAX_FAILURES,
    lockMs: config.LOGIN_LOCK_MINUTES * 60_000,
    invitationMs: config.INVITATION_HOURS * 3_600_000,
  };
}

/** Who did something in the console: the member, its organisation and the session it used. */
export interface MemberActor {
  orgId: string;
  memberId: string;
  sessionId: string;
  role: "owner" | "staff";
}
