// Lifecycle routes: record an event, read one, read the history of any product, lot or item.
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { parseCode } from "../../codes";
import { publicBaseUrl } from "../../config";
import type { Org, Role } from "../../db/schema";
import { assertNotBlackListed, type Caller, requireWriter } from "../../lib/auth";
import type { AppEnv } from "../../lib/context";
import { AppError } from "../../lib/errors";
import {
  authErrorResponses,
  conflictResponse,
  createRouter,
  errorResponses,
  notFoundResponse,
} from "../../lib/router";
import { confirmReceipt } from "./confirm";
import { EventView, History, LifecycleBody, type LifecycleInput, Recorded } from "./schemas";
import { type LifecycleContext, recordLifecycle } from "./service";
import { eventViews, getEvent, historyOf } from "./views";

const tags = ["Lifecycle events"];

/** Who may record an event of this kind: its roles, verified, and (to list or sell) not black-listed. */
export async function lifecycleWriter(
  c: Context<AppEnv>,
  kind: LifecycleInput["kind"],
): Promise<Caller> {
  const caller = await requireWriter(c, ...ROLES_OF[kind]);
  if (kind === "listing" || kind === "sale") await assertNotBlackListed(c, caller);
  return caller;
}

export const lifecycleContext = (c: Context<AppEnv>, org: Org): LifecycleContext => ({
  clock: c.var.deps.clock,
  hashSecret: c.var.deps.secrets.hashSecret,
  baseUrl: publicBaseUrl(c.var.deps.config),
  caller: org,
});

export const ROLES_OF: Record<LifecycleInput["kind"], Role[]> = {
  listing: ["seller"],
  sale: ["seller"],
  dispatch: ["seller", "producer", "logistics"],
  sign_off: ["logistics"],
  return: ["seller"],
  destroy: ["producer", "seller", "logistics", "regulator"],
  correction: ["producer", "seller", "logistics", "regulator"],
};

export const recordEventRoute = createRoute({
  method: "post",
  path: "/v1/events",
  operationId: "recordEvent",
  summary:
    "Record a lifecycle event: listing, sale, dispatch, sign-off, return, destroy, or a correction",
  description: [
    "One body shape per `kind`. The custody rules are checked under row locks in the same transaction that appends the event; a violation is a 409 `custody_violation` naming the item, its state and the rule.",
    "",
    "- `listing` (seller): a product or lot offered in a shop.",
    "- `sale` (verified seller, not black-listed): items it holds or lists, or a lot quantity; returns one receipt code per item, shown once.",
    "- `dispatch` (the custodian, or the carrier picking up): sold items into a parcel, with waybill and weight.",
    "- `sign_off` (the carrier holding the items): delivered. Buyers confirm with their receipt code at `/v1/receipts/confirm`.",
    "- `return` (the seller that sold them), `destroy` (custodian, brand owner or regulator).",
    "- `correction` (the organisation that recorded the event, or a regulator): declares a listing, sale, dispatch, sign-off or return erroneous (an EPCIS error declaration; the original stays in the ledger) and gives its items back the state the rest of their history says. Only the latest event that moved an item is corrected (409 `correct_latest_first` names the later one).",
    "",
    "Sending the same event twice (same content and `eventTime`) stores it once and answers with the stored event (`duplicate: true`).",
  ].join("\n"),
  tags,
  request: {
    body: {
      required: true,
      content: {
        "application/json": {
          schema: LifecycleBody,
          examples: {
            sale: {
              value: {
                kind: "sale",
                items: ["/01/06901234567892/21/Kf3x9QmT7pLw"],
                orderNumber: "TB20260601-000123",
                buyerRef: "buyer-8812",
              },
            },
            dispatch: {
              value: {
                kind: "dispatch",
                items: ["/01/06901234567892/21/Kf3x9QmT7pLw"],
                waybill: "SF1234567890",
                carrierOrgId: "org_carrier",
                parcelWeightGrams: 2600,
                destinationRegion: "330106",
              },
            },
            listing: {
              value: {
                kind: "listing",
                code: "06901234567892",
                shopName: "橘乡旗舰店",
                listingUrl: "https://shop.example.cn/item/1",
                price: 39.9,
              },
            },
            sign_off: {
              value: {
                kind: "sign_off",
                items: ["/01/06901234567892/21/Kf3x9QmT7pLw"],
                waybill: "SF1234567890",
              },
            },
            return: {
              value: {
                kind: "return",
                items: ["/01/06901234567892/21/Kf3x9QmT7pLw"],
                reason: "七天无理由退货",
              },
            },
            destroy: {
              value: {
                kind: "destroy",
                items: ["/01/06901234567892/21/Kf3x9QmT7pLw"],
                reason: "召回后销毁",
              },
            },
            correction: {
              value: {
                kind: "correction",
                eventId: "ni:///sha-256;2f1c0e9a…?ver=CBV2.0",
                reason: "did_not_occur",
                note: "订单录错，顾客未购买",
              },
            },
          },
        },
      },
    },
  },
  responses: {
    201: { description: "Recorded", content: { "application/json": { schema: Recorded } } },
    200: {
      description: "Already recorded: the stored event",
      content: { "application/json": { schema: Recorded } },
    },
    ...authErrorResponses,
    ...conflictResponse,
    ...notFoundResponse,
    ...errorResponses,
  },
});

export const getEventRoute = createRoute({
  method: "get",
  path: "/v1/events/{id}",
  operationId: "getEvent",
  summary: "One event by its id or its EPCIS eventID (URL-encoded)",
  tags,
  security: [],
  request: { params: z.object({ id: z.string().min(1).max(300) }) },
  responses: {
    200: { description: "The event", content: { "application/json": { schema: EventView } } },
    ...notFoundResponse,
    ...errorResponses,
  },
});

export const confirmReceiptRoute = createRoute({
  method: "post",
  path: "/v1/receipts/confirm",
  operationId: "confirmReceipt",
  summary: "A buyer confirms receipt (签收) of an item with the receipt code from the sale",
  tags,
  security: [],
  request: {
    body: {
      required: true,
      content: {
        "application/json": {
          schema: z
            .object({
              item: z.string().min(1).max(512),
              receiptCode: z.string().trim().min(4).max(40),
            })
            .openapi("ReceiptConfirmation"),
        },
      },
    },
  },
  responses: {
    201: {
      description: "Confirmed; the sign-off is in the ledger",
      content: { "application/json": { schema: Recorded } },
    },
    ...conflictResponse,
    ...notFoundResponse,
    ...errorResponses,
  },
});

export const eventRoutes = createRouter()
  .openapi(recordEventRoute, async (c) => {
    const input = c.req.valid("json");
    const caller = await lifecycleWriter(c, input.kind);
    const { db, sales } = c.var.deps;
    const ctx = lifecycleContext(c, caller.org);
    // Sales of serialised items share transactions with their concurrent neighbours.
    const recorded =
      sales && input.kind === "sale" && input.items && !input.lot
        ? await sales.record(ctx, input)
        : await recordLifecycle(db, ctx, input);
    const [event] = await eventViews(db, [recorded.appended.row], [caller.org]);
    return c.json(
      {
        event: event!,
        duplicate: recorded.appended.duplicate,
        affected: recorded.affected,
        receipts: recorded.receipts,
      },
      recorded.appended.duplicate ? 200 : 201,
    );
  })
  .openapi(getEventRoute, async (c) => {
    const { db } = c.var.deps;
    const [view] = await eventViews(db, [await getEvent(db, c.req.valid("param").id)]);
    return c.json(view!, 200);
  })
  .openapi(confirmReceiptRoute, async (c) => {
    const { item, receiptCode } = c.req.valid("json");
    const { db, clock, secrets } = c.var.deps;
    const recorded = await confirmReceipt(
      db,
      { clock, hashSecret: secrets.hashSecret },
      item,
      receiptCode,
    );
    const [event] = await eventViews(db, [recorded.appended.row]);
    return c.json({ event: event!, duplicate: false, affected: recorded.affected }, 201);
  });

// The key is a path of several segments, so this route is registered by hand for the document.
eventRoutes.openAPIRegistry.registerPath({
  method: "get",
  path: "/v1/history/{key}",
  operationId: "getHistory",
  summary:
    "Every event of a product, lot or item, in time order, with each actor's verified identity",
  description:
    "`key` is the Digital Link path without the leading slash, e.g. `01/06901234567892/21/Kf3x9QmT7pLw`.",
  tags,
  security: [],
  request: {
    params: z.object({ key: z.string().openapi({ example: "01/06901234567892/10/LOT2026A" }) }),
  },
  responses: {
    200: { description: "The history", content: { "application/json": { schema: History } } },
    ...errorResponses,
  },
});
eventRoutes.get("/v1/history/:key{.+}", async (c) => {
  const parsed = parseCode(`/${c.req.param("key")}`, { gbt33993: false });
  if (!parsed.ok)
    throw new AppError("invalid_code", parsed.error.message, { parseError: parsed.error });
  if (parsed.value.kind !== "gs1")
    throw new AppError("invalid_code", "history is kept for GS1 keys");
  const { db } = c.var.deps;
  const rows = await historyOf(db, parsed.value.key);
  return c.json(
    { key: parsed.value.key, level: parsed.value.level, events: await eventViews(db, rows) },
    200,
  );
});
