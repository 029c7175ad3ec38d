// The lifecycle kinds: each checks its custody rules under row locks and appends one EPCIS event.

import type { z } from "@hono/zod-openapi";
import { and, eq, inArray, sql } from "drizzle-orm";
import { parseCode } from "../../codes";
import { productKey } from "../../codes/keys";
import {
  eventSubjects,
  events,
  items as itemsTable,
  type Org,
  orgs,
  products,
} from "../../db/schema";
import type { Db } from "../../db/types";
import {
  type Appended,
  appendEvent,
  type EventDraft,
  eventByHashId,
  standing,
} from "../../ledger/append";
import { epcOf, objectEvent, orgUri, ZS_CONTEXT, ZS_NS } from "../../ledger/epcis";
import { eventHashId } from "../../ledger/event-hash";
import type { Clock } from "../../lib/clock";
import { AppError } from "../../lib/errors";
import { alertOnDispatch, alertOnRefusal, alertOnSignOff } from "../alerts/inline";
import { assertWithin, jurisdictionOf, regionWithin } from "../orgs/jurisdiction";
import { getOrg } from "../orgs/service";
import { recordCorrection } from "./correction";
import { orderOf, recordItemSale } from "./item-sale";
import { closeReceipts, type IssuedReceipt } from "./receipts";
import { checkEach, eventTimeOf, isRegulator, notDestroyed } from "./rules";
import type {
  DestroyBody,
  DispatchBody,
  LifecycleInput,
  ListingBody,
  ReturnBody,
  SaleBody,
  SignOffBody,
} from "./schemas";
import {
  itemIdsJson,
  itemSubjects,
  type LockedItem,
  listedKeys,
  lockItems,
  lockLot,
} from "./subjects";

export interface LifecycleContext {
  clock: Clock;
  hashSecret: string;
  baseUrl: string;
  caller: Org;
}

export interface Recorded {
  appended: Appended;
  affected: number;
  receipts?: IssuedReceipt[];
}

const zs = (name: string) => `${ZS_NS}${name}`;

async function setItems(
  tx: Db,
  items: LockedItem[],
  set: Partial<typeof itemsTable.$inferInsert>,
  now: Date,
) {
  if (items.length === 0) return;
  await tx
    .update(itemsTable)
    .set({ ...set, updatedAt: now })
    .where(
      sql`${itemsTable.id} in (select (jsonb_array_elements_text(${itemIdsJson(items)}::jsonb))::bigint)`,
    );
}

/**
 * An event that repeats a stored one (same Event Hash ID) is answered with the stored one; the
 * hash comes back too, so that the append does not compute it again.
 */
async function findDuplicate(tx: Db, draft: EventDraft) {
  const hashId = await eventHashId(draft.event, draft.context ?? ZS_CONTEXT);
  return { hashId, stored: await eventByHashId(tx, hashId) };
}

/** The recording of one lifecycle event inside a transaction the caller holds (bulk uploads). */
export function recordLifecycleIn(
  tx: Db,
  ctx: LifecycleContext,
  input: LifecycleInput,
): Promise<Recorded> {
  switch (input.kind) {
    case "listing":
      return recordListing(tx, ctx, input);
    case "sale":
      return recordSale(tx, ctx, input);
    case "dispatch":
      return recordDispatch(tx, ctx, input);
    case "sign_off":
      return recordSignOff(tx, ctx, input);
    case "return":
      return recordReturn(tx, ctx, input);
    case "destroy":
      return recordDestroy(tx, ctx, input);
    case "correction":
      return recordCorrection(tx, ctx, input);
  }
}

/**
 * Records one lifecycle event in its own transaction; `also` runs in the same transaction (the
 * console's activity row). A refused sale or sign-off raises its alert after the rollback.
 */
export async function recordLifecycle(
  db: Db,
  ctx: LifecycleContext,
  input: LifecycleInput,
  also?: (tx: Db, recorded: Recorded) => Promise<void>,
): Promise<Recorded> {
  return db
    .transaction(async (tx) => {
      const recorded = await recordLifecycleIn(tx, ctx, input);
      await also?.(tx, recorded);
      return recorded;
    })
    .catch(async (error: unknown) => {
      await alertOnLifecycleRefusal(db, ctx, input, error);
      throw error;
    });
}

/**
 * Attempts to sell recalled goods or sign off what was never sent are signals: raised after the
 * rollback of the attempt, outside its transaction, so they stay.
 */
export async function alertOnLifecycleRefusal(
  db: Db,
  ctx: LifecycleContext,
  input: LifecycleInput,
  error: unknown,
): Promise<void> {
  if (input.kind !== "sale" && input.kind !== "sign_off") return;
  const details =
    input.kind === "sale" ? { orderNumber: input.orderNumber } : { waybill: input.waybill };
  await alertOnRefusal(
    db,
    ctx.clock,
    { kind: input.kind, callerOrgId: ctx.caller.id, details },
    error,
  );
}

async function recordListing(
  tx: Db,
  ctx: LifecycleContext,
  input: z.infer<typeof ListingBody>,
): Promise<Recorded> {
  const parsed = parseCode(input.code, { gbt33993: false });
  if (
    !parsed.ok ||
    parsed.value.kind !== "gs1" ||
    (parsed.value.level !== "product" && parsed.value.level !== "lot")
  ) {
    throw new AppError("validation_failed", "json.code: must name a product (GTIN) or a lot", {
      errors: [
        {
          path: "json.code",
          message: parsed.ok ? "must name a product (GTIN) or a lot" : parsed.error.message,
        },
      ],
    });
  }
  const key = parsed.value.key;
  const level = parsed.value.level;
  if (level === "lot") await lockLot(tx, input.code, "json.code");
  else {
    const [product] = await tx.select().from(products).where(eq(products.gtin, parsed.value.gtin!));
    if (!product) {
      throw new AppError("validation_failed", `json.code: product ${key} is not registered`, {
        errors: [{ path: "json.code", message: `product ${key} is not registered` }],
      });
    }
  }
  const eventTime = eventTimeOf(input.eventTime, ctx.clock);
  const appended = await appendEvent(tx, ctx.clock.now(), {
    kind: "listing",
    actorOrgId: ctx.caller.id,
    event: objectEvent({
      action: "OBSERVE",
      eventTime,
      quantities: [{ epcClass: epcOf(key), quantity: 1, uom: "EA" }],
      bizStep: zs("listing"),
      sources: [{ type: "owning_party", source: orgUri(ctx.caller.id) }],
      extensions: {
        "zs:shopName": input.shopName,
        "zs:listingUrl": input.listingUrl,
        "zs:price": input.price,
        "zs:currency": input.currency,
      },
    }),
    subjects: [{ key, level, role: "quantity" }],
  });
  return { appended, affected: 0 };
}

async function recordSale(
  tx: Db,
  ctx: LifecycleContext,
  input: z.infer<typeof SaleBody>,
): Promise<Recorded> {
  exactlyOneSubject(input);
  const now = ctx.clock.now();
  if (input.lot) {
    const { lot, product, key } = await lockLot(tx, input.lot.code, "json.lot.code");
    const lotState = lot.recalled
      ? "recalled"
      : lot.nonConforming
        ? "non_conforming"
        : "conforming";
    if (lot.recalled || lot.nonConforming) {
      throw new AppError(
        "custody_violation",
        `lot ${key} is ${lotState}; its goods cannot be sold`,
        {
          rule: lot.recalled ? "recalled_not_sold" : "non_conforming_not_sold",
          item: key,
          state: lotState,
        },
      );
    }
    const lists = async () => {
      const listed = await listedKeys(tx, ctx.caller.id, [product.gtin]);
      return listed.has(key) || listed.has(productKey(product.gtin));
    };
    if (product.ownerOrgId !== ctx.caller.id && !(await lists())) {
      throw new AppError(
        "custody_violation",
        `organisation ${ctx.caller.id} neither makes nor lists ${key}`,
        {
          rule: "seller_must_hold_or_list",
          item: key,
          state: lotState,
        },
      );
    }
    const [sold] = await tx
      .select({ total: sql<string>`coalesce(sum(${eventSubjects.quantity}), 0)` })
      .from(eventSubjects)
      .innerJoin(events, eq(events.id, eventSubjects.eventId))
      .where(and(eq(events.kind, "sale"), eq(eventSubjects.subjectKey, key), standing(events.id)));
    if (lot.quantity !== null && Number(sold?.total ?? 0) + input.lot.quantity > lot.quantity) {
      throw new AppError(
        "custody_violation",
        `lot ${key} has ${lot.quantity - Number(sold?.total ?? 0)} units left to sell, not ${input.lot.quantity}`,
        {
          rule: "lot_quantity_exceeded",
          item: key,
          state: lotState,
        },
      );
    }
    const eventTime = eventTimeOf(input.eventTime, ctx.clock);
    const appended = await appendEvent(tx, now, {
      kind: "sale",
      actorOrgId: ctx.caller.id,
      event: objectEvent({
        action: "OBSERVE",
        eventTime,
        quantities: [{ epcClass: epcOf(key), quantity: input.lot.quantity, uom: "EA" }],
        bizStep: "retail_selling",
        disposition: "retail_sold",
        bizTransactions: [orderOf(ctx.caller.id, input.orderNumber)],
        sources: [{ type: "owning_party", source: orgUri(ctx.caller.id) }],
      }),
      subjects: [
        { key, level: "lot", role: "quantity", quantity: input.lot.quantity },
        { key: productKey(product.gtin), level: "product", role: "context" },
      ],
    });
    return { appended, affected: 0 };
  }
  return recordItemSale(tx, ctx, input);
}

function exactlyOneSubject(input: { items?: string[]; lot?: unknown }) {
  if ((input.items ? 1 : 0) + (input.lot ? 1 : 0) !== 1) {
    throw new AppError(
      "validation_failed",
      "json: give either `items` or `lot`, not both or neither",
      {
        errors: [{ path: "json.items", message: "give either `items` or `lot`" }],
      },
    );
  }
}

async function recordDispatch(
  tx: Db,
  ctx: LifecycleContext,
  input: z.infer<typeof DispatchBody>,
): Promise<Recorded> {
  exactlyOneSubject(input);
  const now = ctx.clock.now();
  const callerIsCarrier = ctx.caller.roles.includes("logistics");
  const carrierId = input.carrierOrgId ?? (callerIsCarrier ? ctx.caller.id : undefined);
  if (!carrierId) {
    throw new AppError(
      "validation_failed",
      "json.carrierOrgId: name the logistics organisation that carries the parcel",
      {
        errors: [
          {
            path: "json.carrierOrgId",
            message: "required when the caller is not a logistics organisation",
          },
        ],
      },
    );
  }
  const carrier = await getOrg(tx, carrierId).catch(() => null);
  if (!carrier?.roles.includes("logistics") || carrier.status !== "verified") {
    throw new AppError(
      "validation_failed",
      `json.carrierOrgId: ${carrierId} is not a verified logistics organisation`,
      {
        errors: [{ path: "json.carrierOrgId", message: "not a verified logistics organisation" }],
      },
    );
  }
  const transaction = {
    type: "desadv",
    bizTransaction: `urn:zhuisu:waybill:${carrierId}:${encodeURIComponent(input.waybill)}`,
  };
  const extensions = {
    "zs:waybill": input.waybill,
    "zs:carrier": orgUri(carrierId),
    "zs:parcelWeightGrams": input.parcelWeightGrams,
    "zs:destinationRegion": input.destinationRegion,
  };
  const destinations = [
    { type: "location", destination: `urn:zhuisu:region:${input.destinationRegion}` },
  ];
  if (input.lot) {
    const { product, key } = await lockLot(tx, input.lot.code, "json.lot.code");
    const eventTime = eventTimeOf(input.eventTime, ctx.clock);
    const appended = await appendEvent(tx, now, {
      kind: "dispatch",
      actorOrgId: ctx.caller.id,
      event: objectEvent({
        action: "OBSERVE",
        eventTime,
        quantities: [{ epcClass: epcOf(key), quantity: input.lot.quantity, uom: "EA" }],
        bizStep: "shipping",
        disposition: "in_transit",
        bizTransactions: [transaction],
        destinations,
        extensions,
      }),
      subjects: [
        { key, level: "lot", role: "quantity", quantity: input.lot.quantity },
        { key: productKey(product.gtin), level: "product", role: "context" },
      ],
      meta: {
        goodsWeightGrams: (product.netWeightGrams ?? 0) * input.lot.quantity,
        carrierOrgId: carrierId,
      },
    });
    if (!appended.duplicate)
      await alertOnDispatch(tx, now, appended.row, [{ key, sellerOrgId: null }]);
    return { appended, affected: 0 };
  }
  const items = await lockItems(tx, input.items!);
  const eventTime = eventTimeOf(input.eventTime, ctx.clock, items);
  const custodians = [...new Set(items.map((i) => i.custodianOrgId))];
  const draft = {
    kind: "dispatch",
    actorOrgId: ctx.caller.id,
    event: objectEvent({
      action: "OBSERVE",
      eventTime,
      epcs: items.map((i) => epcOf(i.key)),
      bizStep: "shipping",
      disposition: "in_transit",
      bizTransactions: [transaction],
      sources: custodians
        .filter((c): c is string => c !== null)
        .map((c) => ({ type: "possessing_party", source: orgUri(c) })),
      destinations,
      extensions,
    }),
    subjects: itemSubjects(items),
    meta: {
      goodsWeightGrams: items.reduce((sum, i) => sum + (i.netWeightGrams ?? 0), 0),
      carrierOrgId: carrierId,
    },
  };
  const { hashId, stored } = await findDuplicate(tx, draft);
  if (stored) return { appended: { row: stored, duplicate: true }, affected: 0 };
  checkEach(items, (item) => {
    if (item.state === "destroyed") return notDestroyed(item);
    if (item.state !== "sold")
      return [
        "dispatch_needs_sale",
        `item ${item.key} is ${item.state}; only sold items are dispatched to buyers`,
      ];
    const custodian = item.custodianOrgId === ctx.caller.id;
    const pickingUp = callerIsCarrier && carrierId === ctx.caller.id;
    if (!custodian && !pickingUp) {
      return [
        "only_custodian_dispatches",
        `item ${item.key} is held by ${item.custodianOrgId ?? "nobody"}; only its custodian or the carrier dispatches it`,
      ];
    }
    return null;
  });
  const appended = await appendEvent(tx, now, draft, hashId);
  await alertOnDispatch(tx, now, appended.row, items);
  await setItems(tx, items, { state: "dispatched", custodianOrgId: carrierId }, now);
  return { appended, affected: items.length };
}

async function recordSignOff(
  tx: Db,
  ctx: LifecycleContext,
  input: z.infer<typeof SignOffBody>,
): Promise<Recorded> {
  exactlyOneSubject(input);
  if (input.lot) {
    const { product, key } = await lockLot(tx, input.lot.code, "json.lot.code");
    const [dispatched] = await tx
      .select({ id: events.id })
      .from(events)
      .innerJoin(eventSubjects, eq(eventSubjects.eventId, events.id))
      .where(
        and(eq(events.kind, "dispatch"), eq(eventSubjects.subjectKey, key), standing(events.id)),
      )
      .limit(1);
    if (!dispatched) {
      throw new AppError(
        "custody_violation",
        `lot ${key} was never dispatched; sign-off needs a dispatch`,
        {
          rule: "sign_off_needs_dispatch",
          item: key,
          state: "not_dispatched",
        },
      );
    }
    const appended = await appendEvent(tx, ctx.clock.now(), {
      kind: "sign_off",
      actorOrgId: ctx.caller.id,
      event: objectEvent({
        action: "OBSERVE",
        eventTime: eventTimeOf(input.eventTime, ctx.clock),
        quantities: [{ epcClass: epcOf(key), quantity: input.lot.quantity, uom: "EA" }],
        bizStep: "accepting",
        disposition: "retail_sold",
        extensions: input.waybill ? { "zs:waybill": input.waybill } : {},
      }),
      subjects: [
        { key, level: "lot", role: "quantity", quantity: input.lot.quantity },
        { key: productKey(product.gtin), level: "product", role: "context" },
      ],
    });
    if (!appended.duplicate)
      await alertOnSignOff(tx, ctx.clock.now(), appended.row, [{ key, sellerOrgId: null }]);
    return { appended, affected: 0 };
  }
  const items = await lockItems(tx, input.items!);
  return signOffItems(tx, ctx.clock, items, {
    actor: ctx.caller,
    waybill: input.waybill,
    eventTime: input.eventTime,
  });
}

/** Delivery of items: by the carrier holding them, or confirmed by the buyer (actor null). */
export async function signOffItems(
  tx: Db,
  clock: Clock,
  items: LockedItem[],
  by: { actor: Org | null; waybill?: string; eventTime?: string },
): Promise<Recorded> {
  const now = clock.now();
  const eventTime = eventTimeOf(by.eventTime, clock, items);
  const draft = {
    kind: "sign_off",
    actorOrgId: by.actor?.id ?? null,
    event: objectEvent({
      action: "OBSERVE",
      eventTime,
      epcs: items.map((i) => epcOf(i.key)),
      bizStep: "accepting",
      disposition: "retail_sold",
      bizTransactions: by.waybill
        ? [
            {
              type: "recadv",
              bizTransaction: `urn:zhuisu:waybill:${encodeURIComponent(by.waybill)}`,
            },
          ]
        : [],
      extensions: { "zs:confirmedBy": by.actor ? "carrier" : "buyer" },
    }),
    subjects: itemSubjects(items),
  };
  const { hashId, stored } = await findDuplicate(tx, draft);
  if (stored) return { appended: { row: stored, duplicate: true }, affected: 0 };
  checkEach(items, (item) => {
    if (item.state === "destroyed") return notDestroyed(item);
    if (by.actor === null) {
      if (item.state !== "dispatched" && item.state !== "delivered") {
        return [
          "sign_off_needs_dispatch",
          `item ${item.key} is ${item.state}; it was never dispatched`,
        ];
      }
      return null;
    }
    if (item.state !== "dispatched")
      return [
        "sign_off_needs_dispatch",
        `item ${item.key} is ${item.state}; sign-off needs a dispatch`,
      ];
    if (item.custodianOrgId !== by.actor.id) {
      return [
        "only_carrier_signs_off",
        `item ${item.key} is carried by ${item.custodianOrgId ?? "nobody"}, not ${by.actor.id}`,
      ];
    }
    return null;
  });
  const appended = await appendEvent(tx, now, draft, hashId);
  await alertOnSignOff(tx, now, appended.row, items);
  await setItems(
    tx,
    items.filter((i) => i.state === "dispatched"),
    { state: "delivered", custodianOrgId: null },
    now,
  );
  return { appended, affected: items.length };
}

async function recordReturn(
  tx: Db,
  ctx: LifecycleContext,
  input: z.infer<typeof ReturnBody>,
): Promise<Recorded> {
  const now = ctx.clock.now();
  const items = await lockItems(tx, input.items);
  const eventTime = eventTimeOf(input.eventTime, ctx.clock, items);
  const draft = {
    kind: "return",
    actorOrgId: ctx.caller.id,
    event: objectEvent({
      action: "OBSERVE",
      eventTime,
      epcs: items.map((i) => epcOf(i.key)),
      bizStep: "returning",
      disposition: "returned",
      bizTransactions: input.rmaNumber
        ? [
            {
              type: "rma",
              bizTransaction: `urn:zhuisu:rma:${ctx.caller.id}:${encodeURIComponent(input.rmaNumber)}`,
            },
          ]
        : [],
      extensions: { "zs:reason": input.reason },
    }),
    subjects: itemSubjects(items),
  };
  const { hashId, stored } = await findDuplicate(tx, draft);
  if (stored) return { appended: { row: stored, duplicate: true }, affected: 0 };
  checkEach(items, (item) => {
    if (item.state === "destroyed") return notDestroyed(item);
    if (!["sold", "dispatched", "delivered"].includes(item.state)) {
      return [
        "return_needs_sale",
        `item ${item.key} is ${item.state}; only sold items are returned`,
      ];
    }
    if (item.sellerOrgId !== ctx.caller.id)
      return [
        "only_seller_takes_back",
        `item ${item.key} was sold by ${item.sellerOrgId}, not ${ctx.caller.id}`,
      ];
    return null;
  });
  const appended = await appendEvent(tx, now, draft, hashId);
  await setItems(tx, items, { state: "returned", custodianOrgId: ctx.caller.id }, now);
  await closeReceipts(tx, items, now);
  return { appended, affected: items.length };
}

/** The brand owners among `ownerIds` registered inside a regulator's jurisdiction. */
async function ownersWithin(tx: Db, regulator: Org, ownerIds: string[]): Promise<Set<string>> {
  const rows = await tx
    .select({ id: orgs.id, region: orgs.regionCode })
    .from(orgs)
    .where(inArray(orgs.id, ownerIds));
  const jurisdiction = jurisdictionOf(regulator);
  return new Set(
    rows
      .filter((r) => jurisdiction !== null && regionWithin(r.region, jurisdiction))
      .map((r) => r.id),
  );
}

async function recordDestroy(
  tx: Db,
  ctx: LifecycleContext,
  input: z.infer<typeof DestroyBody>,
): Promise<Recorded> {
  exactlyOneSubject(input);
  const now = ctx.clock.now();
  if (input.lot) {
    const { product, key } = await lockLot(tx, input.lot.code, "json.lot.code");
    if (product.ownerOrgId !== ctx.caller.id) {
      if (!isRegulator(ctx.caller)) {
        throw new AppError(
          "forbidden",
          `only the brand owner or a regulator destroys quantities of lot ${key}`,
        );
      }
      const inside = await ownersWithin(tx, ctx.caller, [product.ownerOrgId]);
      if (!inside.has(product.ownerOrgId)) {
        assertWithin(ctx.caller, null, `the brand owner of lot ${key}`);
      }
    }
    const appended = await appendEvent(tx, now, {
      kind: "destroy",
      actorOrgId: ctx.caller.id,
      event: objectEvent({
        action: "DELETE",
        eventTime: eventTimeOf(input.eventTime, ctx.clock),
        quantities: [{ epcClass: epcOf(key), quantity: input.lot.quantity, uom: "EA" }],
        bizStep: "destroying",
        disposition: "destroyed",
        extensions: { "zs:reason": input.reason },
      }),
      subjects: [
        { key, level: "lot", role: "quantity", quantity: input.lot.quantity },
        { key: productKey(product.gtin), level: "product", role: "context" },
      ],
    });
    return { appended, affected: 0 };
  }
  const items = await lockItems(tx, input.items!);
  const draft = {
    kind: "destroy",
    actorOrgId: ctx.caller.id,
    event: objectEvent({
      action: "DELETE",
      eventTime: eventTimeOf(input.eventTime, ctx.clock, items),
      epcs: items.map((i) => epcOf(i.key)),
      bizStep: "destroying",
      disposition: "destroyed",
      extensions: { "zs:reason": input.reason },
    }),
    subjects: itemSubjects(items),
  };
  const { hashId, stored } = await findDuplicate(tx, draft);
  if (stored) return { appended: { row: stored, duplicate: true }, affected: 0 };
  const reach = isRegulator(ctx.caller)
    ? await ownersWithin(tx, ctx.caller, [...new Set(items.map((i) => i.ownerOrgId))])
    : new Set<string>();
  checkEach(items, (item) => {
    if (item.state === "destroyed") return notDestroyed(item);
    const allowed =
      item.custodianOrgId === ctx.caller.id ||
      item.ownerOrgId === ctx.caller.id ||
      reach.has(item.ownerOrgId);
    return allowed
      ? null
      : [
          "only_custodian_destroys",
          `item ${item.key} is held by ${item.custodianOrgId ?? "a consumer"}; only its custodian, brand owner or a regulator of its brand owner's region destroys it`,
        ];
  });
  const appended = await appendEvent(tx, now, draft, hashId);
  await setItems(tx, items, { state: "destroyed", custodianOrgId: null }, now);
  return { appended, affected: items.length };
}
