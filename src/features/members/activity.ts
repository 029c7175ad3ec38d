// The activity log: who (member, session) did what (action, target) for which organisation, and when.
import { and, desc, eq, lt } from "drizzle-orm";
import { activity, members } from "../../db/schema";
import type { Db } from "../../db/types";
import type { Clock } from "../../lib/clock";

export interface ActivityInput {
  orgId: string;
  memberId: string | null;
  sessionId: string | null;
  action: string;
  target?: string | null;
  detail?: Record<string, unknown>;
}

export async function recordActivity(db: Db, clock: Clock, input: ActivityInput): Promise<void> {
  await db.insert(activity).values({
    orgId: input.orgId,
    memberId: input.memberId,
    sessionId: input.sessionId,
    action: input.action,
    target: input.target ?? null,
    detail: input.detail ?? null,
    at: clock.now(),
  });
}

/** The organisation's activity, newest first, with the member's name; `before` pages back by id. */
export async function listActivity(
  db: Db,
  orgId: string,
  options: { limit: number; before?: number },
) {
  return db
    .select({
      id: activity.id,
      at: activity.at,
      action: activity.action,
      target: activity.target,
      detail: activity.detail,
      sessionId: activity.sessionId,
      memberId: activity.memberId,
      memberName: members.displayName,
    })
    .from(activity)
    .leftJoin(members, eq(members.id, activity.memberId))
    .where(
      and(
        eq(activity.orgId, orgId),
        options.before === undefined ? undefined : lt(activity.id, options.before),
      ),
    )
    .orderBy(desc(activity.id))
    .limit(options.limit);
}
