// Wire schemas of an organisation's credit: score, grade and every factor with the evidence behind it.
import { z } from "@hono/zod-openapi";

export const EvidenceRef = z
  .object({
    type: z.enum(["review", "complaint", "inspection", "alert", "list_entry"]),
    id: z.string(),
    eventId: z.number().int().nullable().openapi({ description: "the ledger event behind it" }),
    at: z.string(),
    weight: z.number().openapi({ description: "its weight after recency (0..1)" }),
  })
  .openapi("CreditEvidence");

export const CreditFactor = z
  .object({
    name: z.enum([
      "reviews",
      "complaints",
      "answers",
      "inspections",
      "base",
      "confirmed_alerts",
      "commitment_violations",
      "black_list",
      "red_list",
    ]),
    weight: z.number().openapi({
      description: "points the factor is worth at most (quality factors) or per unit (penalties)",
    }),
    value: z.number().nullable().openapi({
      description:
        "0..1 for quality factors, a recency-weighted count for penalties; null if it does not apply",
    }),
    contribution: z
      .number()
      .openapi({ description: "points added (negative: taken) to the score" }),
    note: z.string(),
    evidenceCount: z.number().int(),
    evidence: z.array(EvidenceRef).openapi({ description: "the most recent 100" }),
  })
  .openapi("CreditFactor");

export const CreditView = z
  .object({
    orgId: z.string(),
    score: z.number().openapi({ description: "0-100" }),
    grade: z.enum(["A", "B", "C", "D", "M"]).openapi({
      description: "A ≥ 90, B ≥ 70, C ≥ 40, D below (or black-listed); M: not enough evidence yet",
    }),
    computedAt: z.string(),
    evidenceStrength: z.number(),
    minEvidence: z.number(),
    halfLifeDays: z.number(),
    bands: z.object({ A: z.number(), B: z.number(), C: z.number() }),
    factors: z.array(CreditFactor),
  })
  .openapi("Credit");
