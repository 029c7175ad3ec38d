// Inspection and recall write routes in the authorisation matrix.
import { reportFields, uploadForm } from "../../../src/features/inspections/fixtures";
import { createRecall } from "../../../src/features/recalls/service";
import { seedLot } from "../../seed";
import type { MatrixContext, MatrixRow } from "../matrix";

const recallBody = (gtin: string) => ({
  product: gtin,
  level: "II" as const,
  reason: "标签错误",
  instructions: "请联系店铺退换",
  contacts: "400-000-0000",
});

/** An open recall of a fresh lot of the common producer. */
async function openRecall(ctx: MatrixContext): Promise<string> {
  const lot = await seedLot(ctx.t, ctx.cast.producer, { count: 1 });
  return createRecall(
    ctx.t.db,
    { clock: ctx.t.clock, caller: ctx.cast.producer.org },
    recallBody(lot.gtin),
  );
}

export const rows: MatrixRow[] = [
  {
    operationId: "uploadInspectionReport",
    request: async (ctx) => {
      const lot = await seedLot(ctx.t, ctx.cast.producer, { count: 0 });
      return {
        method: "POST",
        path: "/v1/inspections",
        body: uploadForm(reportFields({ lot: lot.lotKey })),
      };
    },
    // Accredited (CMA) verified inspectors only; the other roles lack the role.
    expect: { none: 401, inspector: 201, others: 403 },
  },
  {
    operationId: "createRecall",
    request: async (ctx) => {
      const lot = await seedLot(ctx.t, ctx.cast.producer, { count: 1 });
      return { method: "POST", path: "/v1/recalls", json: recallBody(lot.gtin) };
    },
    // The brand owner (the common producer) and regulators; sellers, carriers, labs may not.
    expect: { none: 401, producer: 201, regulator: 201, others: 403 },
  },
  {
    operationId: "closeRecall",
    request: async (ctx) => ({
      method: "POST",
      path: `/v1/recalls/${await openRecall(ctx)}/close`,
      json: { reason: "召回完成" },
    }),
    expect: { none: 401, producer: 200, regulator: 200, others: 403 },
  },
];
