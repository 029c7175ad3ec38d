// Lifecycle write routes in the authorisation matrix: each kind against every caller.
import { seedLot } from "../../seed";
import type { MatrixContext, MatrixRow } from "../matrix";

/** A fresh lot of the common producer, listed by the common seller, so a sale is otherwise valid. */
async function listedLot(ctx: MatrixContext) {
  const lot = await seedLot(ctx.t, ctx.cast.producer, { count: 1 });
  await ctx.t.request("POST", "/v1/events", {
    key: ctx.cast.seller.key,
    json: {
      kind: "listing",
      code: lot.gtin,
      shopName: "s",
      listingUrl: "https://s.example/1",
      price: 1,
    },
  });
  return lot;
}

export const rows: MatrixRow[] = [
  {
    operationId: "recordEvent",
    label: "listing",
    request: async (ctx) => {
      const lot = await seedLot(ctx.t, ctx.cast.producer, { count: 0 });
      return {
        method: "POST",
        path: "/v1/events",
        json: {
          kind: "listing",
          code: lot.gtin,
          shopName: "s",
          listingUrl: "https://s.example/1",
          price: 1,
        },
      };
    },
    expect: { none: 401, seller: 201, unverified: 403, others: 403 },
  },
  {
    operationId: "recordEvent",
    label: "sale",
    request: async (ctx) => {
      const lot = await listedLot(ctx);
      return {
        method: "POST",
        path: "/v1/events",
        json: { kind: "sale", items: [lot.items[0]!.key], orderNumber: "M-1" },
      };
    },
    // The seller sells what it lists; the other roles lack the seller role.
    expect: { none: 401, seller: 201, others: 403 },
  },
  {
    operationId: "recordEvent",
    label: "dispatch",
    request: async (ctx) => {
      const lot = await listedLot(ctx);
      await ctx.t.request("POST", "/v1/events", {
        key: ctx.cast.seller.key,
        json: { kind: "sale", items: [lot.items[0]!.key], orderNumber: "M-2" },
      });
      return {
        method: "POST",
        path: "/v1/events",
        json: {
          kind: "dispatch",
          items: [lot.items[0]!.key],
          waybill: "SF1",
          carrierOrgId: ctx.cast.logistics.org.id,
          parcelWeightGrams: 2500,
          destinationRegion: "330106",
        },
      };
    },
    // Producer (custodian) and the named carrier may; the seller holds nothing (409); others lack the role.
    expect: { none: 401, producer: 201, logistics: 201, seller: 409, unverified: 403, others: 403 },
  },
  {
    operationId: "recordEvent",
    label: "destroy",
    request: async (ctx) => {
      const lot = await seedLot(ctx.t, ctx.cast.producer, { count: 1 });
      return {
        method: "POST",
        path: "/v1/events",
        json: { kind: "destroy", items: [lot.items[0]!.key], reason: "过期" },
      };
    },
    // The brand owner and a regulator may destroy; a seller or carrier that does not hold it may not.
    expect: {
      none: 401,
      producer: 201,
      regulator: 201,
      seller: 409,
      logistics: 409,
      unverified: 403,
      inspector: 403,
    },
  },
  {
    operationId: "recordEvent",
    label: "correction",
    request: async (ctx) => {
      const lot = await listedLot(ctx);
      const sold = await ctx.t.request("POST", "/v1/events", {
        key: ctx.cast.seller.key,
        json: { kind: "sale", items: [lot.items[0]!.key], orderNumber: "M-WRONG" },
      });
      const { event } = (await sold.json()) as { event: { eventId: string } };
      return {
        method: "POST",
        path: "/v1/events",
        json: { kind: "correction", eventId: event.eventId, reason: "did_not_occur" },
      };
    },
    // The seller that recorded the sale, or a regulator; a producer or carrier did not record it.
    expect: {
      none: 401,
      seller: 201,
      regulator: 201,
      producer: 403,
      logistics: 403,
      inspector: 403,
      unverified: 403,
    },
  },
  {
    operationId: "confirmReceipt",
    request: async (ctx) => {
      const lot = await seedLot(ctx.t, ctx.cast.producer, { count: 1 });
      return {
        method: "POST",
        path: "/v1/receipts/confirm",
        json: { item: lot.items[0]!.key, receiptCode: "ABCDEFGHJKMN" },
      };
    },
    // Public: the receipt code is the credential; a wrong one is 404 whoever asks.
    expect: { others: 404 },
  },
];
