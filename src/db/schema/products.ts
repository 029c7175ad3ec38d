// Products (by GTIN), lots (AI 10) and serialised items (AI 21): the traceability units.
import {
  bigserial,
  boolean,
  date,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import type { Licence } from "./orgs";
import { orgs } from "./orgs";

export const CATEGORIES = [
  "food",
  "health_food",
  "drug",
  "medical_device",
  "cosmetic",
  "edible_agricultural",
  "agricultural_input",
  "special_equipment",
  "hazardous_chemical",
  "rare_earth",
  "other",
] as const;
export type Category = (typeof CATEGORIES)[number];

export const ITEM_STATES = [
  "commissioned",
  "sold",
  "dispatched",
  "delivered",
  "returned",
  "destroyed",
] as const;
export type ItemState = (typeof ITEM_STATES)[number];

const ts = () => timestamp({ withTimezone: true, mode: "date" });

export const products = pgTable(
  "products",
  {
    gtin: text().primaryKey(),
    ownerOrgId: text()
      .notNull()
      .references(() => orgs.id),
    nameZh: text().notNull(),
    nameEn: text(),
    category: text().$type<Category>().notNull(),
    specification: text(),
    netWeightGrams: integer(),
    licences: jsonb().$type<Licence[]>().notNull().default([]),
    shelfLifeDays: integer(),
    imageUrl: text(),
    originRegion: text(),
    originPlace: text(),
    createdAt: ts().notNull(),
  },
  (t) => [
    index("products_owner_idx").on(t.ownerOrgId),
    index("products_category_idx").on(t.category, t.createdAt),
  ],
);

export const lots = pgTable(
  "lots",
  {
    id: text().primaryKey(),
    gtin: text()
      .notNull()
      .references(() => products.gtin),
    lot: text().notNull(),
    productionDate: date({ mode: "string" }),
    expiryDate: date({ mode: "string" }),
    quantity: integer(),
    originRegion: text(),
    originPlace: text(),
    latitude: doublePrecision(),
    longitude: doublePrecision(),
    /** Lot master data: ingredient lots, farm, feed or pesticide records, 承诺达标合格证 fields. */
    masterData: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    /** Set by a failed inspection; sales of its items are refused while set. */
    nonConforming: boolean().notNull().default(false),
    /** Set by a recall; overlays every item of the lot. */
    recalled: boolean().notNull().default(false),
    createdAt: ts().notNull(),
  },
  (t) => [uniqueIndex("lots_gtin_lot_key").on(t.gtin, t.lot)],
);

export const items = pgTable(
  "items",
  {
    id: bigserial({ mode: "number" }).primaryKey(),
    gtin: text()
      .notNull()
      .references(() => products.gtin),
    serial: text().notNull(),
    lotId: text()
      .notNull()
      .references(() => lots.id),
    state: text().$type<ItemState>().notNull(),
    recalled: boolean().notNull().default(false),
    /** Who holds it now (producer, then seller, carrier while in transit...). */
    custodianOrgId: text().references(() => orgs.id),
    /** The seller that sold it, once sold. */
    sellerOrgId: text().references(() => orgs.id),
    commissionedAt: ts().notNull(),
    updatedAt: ts().notNull(),
  },
  (t) => [
    uniqueIndex("items_gtin_serial_key").on(t.gtin, t.serial),
    index("items_lot_idx").on(t.lotId, t.state),
    // Pages, exports and label sheets walk a lot's items in commissioning order.
    index("items_lot_order_idx").on(t.lotId, t.id),
    index("items_custodian_idx").on(t.custodianOrgId),
  ],
);

export type Product = typeof products.$inferSelect;
export type Lot = typeof lots.$inferSelect;
export type Item = typeof items.$inferSelect;
