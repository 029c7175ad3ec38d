// Wire schema of the regulator's dashboard: every figure with the counts behind it.
import { z } from "@hono/zod-openapi";

const RegionCount = z.object({
  region: z.string().openapi({ example: "331000" }),
  names: z.array(z.string()).openapi({ example: ["浙江省", "台州市"] }),
});

export const Dashboard = z
  .object({
    jurisdiction: z.object({ code: z.string(), names: z.array(z.string()) }),
    generatedAt: z.string(),
    scans: z.object({
      days: z.number().int(),
      total: z.number().int(),
      perDay: z.array(z.object({ day: z.string(), scans: z.number().int() })).openapi({
        description: "China-time days, oldest first, every day present",
      }),
      perRegion: z.array(RegionCount.extend({ scans: z.number().int() })).openapi({
        description:
          "one level below the jurisdiction (provinces, prefectures or counties); a scan counts where its unit was sold, or made while unsold",
      }),
    }),
    alerts: z.object({
      weeks: z.number().int(),
      perWeek: z.array(
        z.object({
          week: z.string().openapi({ description: "Monday of the week (China time)" }),
          kind: z.string(),
          alerts: z.number().int(),
        }),
      ),
    }),
    clonedCodes: z
      .array(RegionCount.extend({ alerts: z.number().int(), codes: z.number().int() }))
      .openapi({ description: "open or confirmed cloned-code alerts by region, most first" }),
    credit: z.object({
      sellers: z.number().int(),
      truncated: z.boolean(),
      byGrade: z.record(z.string(), z.number().int()),
      list: z.array(
        z.object({
          id: z.string(),
          nameZh: z.string(),
          region: z.string(),
          grade: z.string(),
          score: z.number().nullable(),
        }),
      ),
    }),
    recalls: z.array(
      z.object({
        id: z.string(),
        product: z.string(),
        level: z.string(),
        createdAt: z.string(),
        units: z.number().int(),
        removed: z.number().int(),
        stillOnMarket: z.number().int(),
        scannedSince: z.number().int(),
      }),
    ),
  })
  .openapi("Dashboard");
