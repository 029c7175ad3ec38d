// The alert thresholds: one validated structure with documented defaults, overridable by a regulator at runtime.
import { z } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import { integritySettings } from "../../db/schema";
import type { Db } from "../../db/types";

const hours = (max: number) => z.number().min(0).max(max);
const ratio = z.number().min(0).max(1);
const count = z.number().int().min(1).max(1_000_000);

/**
 * Every number an alert rule compares against. The reasons are in docs/integrity.md; the
 * one-line comments say why the default is where it is.
 */
export const Thresholds = z
  .object({
    emptyParcel: z
      .object({
        /** Packaging only adds weight: a parcel under half the goods' net weight cannot hold them. */
        maxWeightRatio: ratio.default(0.5),
        /** Below this the scale's resolution and envelope-sized goods make the comparison noise. */
        minGoodsGrams: z.number().int().min(0).max(10_000_000).default(100),
      })
      .strict()
      .prefault({}),
    transit: z
      .object({
        /** A courier on a scooter inside one district. */
        sameCountyHours: hours(72).default(0.25),
        /** Across one city by road. */
        samePrefectureHours: hours(72).default(0.5),
        /** Across a province by expressway or high-speed rail. */
        sameProvinceHours: hours(72).default(1.5),
        /** Pick-up, sorting and delivery take this much even between neighbouring provinces. */
        otherProvinceBaseHours: hours(72).default(2),
        /** Places in two provinces can be this much closer than their capitals (border towns). */
        provinceSlackKm: z.number().min(0).max(5_000).default(600),
        /** Air freight at cruising speed: nothing carries a parcel faster. */
        maxSpeedKmh: z.number().min(1).max(5_000).default(800),
      })
      .strict()
      .prefault({}),
    salesBurst: z
      .object({
        windowHours: hours(24 * 30).default(24),
        /** Separate orders from one buyer account to one seller within the window. */
        minOrders: count.default(10),
      })
      .strict()
      .prefault({}),
    reviewBurst: z
      .object({
        windowMinutes: z
          .number()
          .min(1)
          .max(24 * 60 * 7)
          .default(60),
        /** Small sellers get a few reviews an hour at most; fewer than this is never a burst. */
        minReviews: count.default(10),
        /** ...and it must be this many times the seller's own usual rate per window. */
        factor: z.number().min(1).max(1_000).default(5),
        /** The period the usual rate is measured over, before the window. */
        baselineDays: z.number().min(1).max(365).default(30),
      })
      .strict()
      .prefault({}),
    reviewPattern: z
      .object({
        windowHours: hours(24 * 30).default(24),
        /** A buyer who used the goods does not write a 5-star review this soon after delivery. */
        fastMinutes: z
          .number()
          .min(0)
          .max(24 * 60)
          .default(10),
        minReviews: count.default(5),
        /** Share of the seller's reviews in the window that are 5 stars and fast. */
        minShare: ratio.default(0.6),
      })
      .strict()
      .prefault({}),
  })
  .openapi("AlertThresholds");

export type Thresholds = z.infer<typeof Thresholds>;

/** The body of `PUT /v1/alerts/thresholds`: fields left out return to their defaults. */
export const ThresholdsInput = Thresholds.strict().openapi("AlertThresholdsInput");

export const DEFAULT_THRESHOLDS: Thresholds = Thresholds.parse({});

const SETTING = "alert_thresholds";

/** The thresholds in force: the stored override, re-read through the schema so new defaults apply. */
export async function loadThresholds(db: Db): Promise<Thresholds> {
  const [row] = await db
    .select({ value: integritySettings.value })
    .from(integritySettings)
    .where(eq(integritySettings.name, SETTING));
  if (!row) return DEFAULT_THRESHOLDS;
  const parsed = Thresholds.safeParse(row.value);
  // A stored value that no longer fits the schema (a field tightened since) falls back whole.
  return parsed.success ? parsed.data : DEFAULT_THRESHOLDS;
}

export async function saveThresholds(
  db: Db,
  now: Date,
  actorOrgId: string,
  value: Thresholds,
): Promise<Thresholds> {
  await db
    .insert(integritySettings)
    .values({ name: SETTING, value, updatedAt: now, updatedByOrgId: actorOrgId })
    .onConflictDoUpdate({
      target: integritySettings.name,
      set: { value, updatedAt: now, updatedByOrgId: actorOrgId },
    });
  return value;
}
