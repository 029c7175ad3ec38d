// Pure: publication periods of list entries under the credit-repair rules (信用修复), and calendar arithmetic.
import type { ListName, Severity } from "../../db/schema";

/** Adds calendar months to a YYYY-MM-DD date; the 31st plus a month is the last day of that month. */
export function addMonths(isoDate: string, months: number): string {
  const [y, m, d] = isoDate.split("-").map(Number) as [number, number, number];
  const total = y * 12 + (m - 1) + months;
  const year = Math.floor(total / 12);
  const month = total - year * 12;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return new Date(Date.UTC(year, month, Math.min(d, lastDay))).toISOString().slice(0, 10);
}

export function addDays(isoDate: string, days: number): string {
  return new Date(Date.parse(`${isoDate}T00:00:00Z`) + days * 86_400_000)
    .toISOString()
    .slice(0, 10);
}

/**
 * Months of publication [minimum, maximum] by list and severity. Black list, per the 2026 rules:
 * minor entries at most 3 months (repair may be asked at once), general 3 months to 1 year,
 * serious 1 to 3 years. A red-list entry is an honour for one year, whatever its severity; it is
 * renewed by a new decision, not repaired.
 */
export const PUBLICATION_MONTHS: Record<ListName, Record<Severity, readonly [number, number]>> = {
  black: { minor: [0, 3], general: [3, 12], serious: [12, 36] },
  red: { minor: [0, 12], general: [0, 12], serious: [0, 12] },
};

export interface PublicationWindow {
  /** Repair may be requested from this date. */
  minPublishUntil: string;
  /** Publication ends by itself on this date (the entry is not shown from this day on). */
  maxPublishUntil: string;
}

export function publicationWindow(
  list: ListName,
  severity: Severity,
  listedOn: string,
): PublicationWindow {
  const [min, max] = PUBLICATION_MONTHS[list][severity];
  return { minPublishUntil: addMonths(listedOn, min), maxPublishUntil: addMonths(listedOn, max) };
}

/** Days to apply for administrative reconsideration (行政复议法: 60 days from knowing of the decision). */
export const RECONSIDERATION_DAYS = 60;
/** Months to bring an administrative lawsuit (行政诉讼法: 6 months from knowing of the decision). */
export const LAWSUIT_MONTHS = 6;

/** The default "how and by when to appeal" published with an entry. */
export function defaultAppeal(listedOn: string, authority: string): string {
  return `如对列入决定不服，可于 ${addDays(listedOn, RECONSIDERATION_DAYS)} 前依法申请行政复议，或于 ${addMonths(listedOn, LAWSUIT_MONTHS)} 前依法提起行政诉讼（决定机关：${authority}）。`;
}

/** Is an entry published on `today` (YYYY-MM-DD)? Listed, not removed, before its maximum date. */
export function isPublished(
  entry: { listedOn: string; maxPublishUntil: string; removedAt: Date | null },
  today: string,
): boolean {
  return entry.removedAt === null && entry.listedOn <= today && today < entry.maxPublishUntil;
}
