// The custody rules: what cannot have happened is refused, naming the item, its state and the rule.
import type { Org } from "../../db/schema";
import type { Clock } from "../../lib/clock";
import { AppError } from "../../lib/errors";
import type { LockedItem } from "./subjects";

/** Clocks of scanners and phones drift; an event this far in the future is still accepted. */
export const FUTURE_SKEW_MS = 5 * 60_000;

export interface Violation {
  item: string;
  state: string;
  rule: string;
  message: string;
}

export function refuse(violations: Violation[]): never {
  const first = violations[0]!;
  const more = violations.length > 1 ? ` (and ${violations.length - 1} more)` : "";
  throw new AppError("custody_violation", `${first.message}${more}`, {
    rule: first.rule,
    item: first.item,
    state: first.state,
    violations,
  });
}

/** Collects one violation per item for which `check` returns a reason. */
export function checkEach(
  items: LockedItem[],
  check: (item: LockedItem) => [rule: string, message: string] | null,
): void {
  const violations: Violation[] = [];
  for (const item of items) {
    const broken = check(item);
    if (broken)
      violations.push({
        item: item.key,
        state: stateOf(item),
        rule: broken[0],
        message: broken[1],
      });
  }
  if (violations.length > 0) refuse(violations);
}

export const stateOf = (item: LockedItem) =>
  item.recalled || item.lotRecalled ? `${item.state}+recalled` : item.state;

/** Nothing happens to a destroyed item: the one rule every kind shares. */
export function notDestroyed(item: LockedItem): [string, string] | null {
  return item.state === "destroyed"
    ? ["destroyed_is_final", `item ${item.key} was destroyed; nothing can happen to it any more`]
    : null;
}

/** The event time: given or now; not in the future beyond the skew, not before the items existed. */
export function eventTimeOf(
  given: string | undefined,
  clock: Clock,
  items: LockedItem[] = [],
): Date {
  const now = clock.now();
  if (!given) return now;
  const at = new Date(given);
  if (at.getTime() > now.getTime() + FUTURE_SKEW_MS) {
    throw new AppError("validation_failed", `json.eventTime: ${given} is in the future`, {
      errors: [
        { path: "json.eventTime", message: "is in the future (beyond 5 minutes of clock skew)" },
      ],
    });
  }
  const early = items.find((i) => at < i.commissionedAt);
  if (early) {
    throw new AppError(
      "validation_failed",
      `json.eventTime: ${given} is before item ${early.key} was commissioned`,
      {
        errors: [
          {
            path: "json.eventTime",
            message: `is before item ${early.key} was commissioned (${early.commissionedAt.toISOString()})`,
          },
        ],
      },
    );
  }
  return at;
}

export const isRegulator = (org: Org) => org.roles.includes("regulator");
