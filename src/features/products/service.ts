// Products and lots: registration by GTIN with the licences each category needs, lots with their master data.
import { and, asc, count, desc, eq, sql } from "drizzle-orm";
import type { Gs1Code, Gtin14 } from "../../codes";
import {
  checkLicence,
  type LicenceKind,
  missingLicences,
  REQUIRED_LICENCES,
} from "../../codes/licences";
import {
  type Category,
  type Item,
  items,
  type Lot,
  lots,
  type Org,
  orgs,
  type Product,
  products,
} from "../../db/schema";
import type { Db } from "../../db/types";
import type { Clock } from "../../lib/clock";
import { AppError, type FieldError } from "../../lib/errors";
import { afterPosition, decodeCursor, toPage } from "../../lib/pagination";
import { newId } from "../orgs/service";
import {
  AgriCertificate,
  type CreateLotInput,
  MAX_MASTER_DATA_BYTES,
  type RegisterProductInput,
} from "./schemas";

function invalid(errors: FieldError[]): AppError {
  const first = errors[0]!;
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : "";
  return new AppError("validation_failed", `${first.path}: ${first.message}${more}`, { errors });
}

/** How the numbers a category requires are called on a Chinese label. */
const LICENCE_NAMES: Partial<Record<LicenceKind, string>> = {
  food_production_sc: "食品生产许可证编号 SC…",
  health_food_registration: "保健食品注册号或备案号",
  drug_approval: "药品批准文号 国药准字…",
  medical_device_registration: "医疗器械注册证编号或备案编号",
  cosmetic_registration: "化妆品注册证编号或备案编号",
};

function checkLicences(category: Category, licences: RegisterProductInput["licences"]) {
  const errors: FieldError[] = [];
  const normalised = licences.map((licence, i) => {
    const check = checkLicence(licence.kind as LicenceKind, licence.number);
    if (!check.ok) {
      errors.push({ path: `json.licences.${i}.number`, message: check.message });
      return licence;
    }
    return { ...licence, number: check.value };
  });
  for (const kind of missingLicences(
    category,
    licences.map((l) => l.kind as LicenceKind),
  )) {
    errors.push({
      path: "json.licences",
      message: `a product of category ${category} must carry a licence of kind ${kind} (${LICENCE_NAMES[kind] ?? kind}); required: ${REQUIRED_LICENCES[category].join(", ")}`,
      code: "missing_licence",
    });
  }
  return { normalised, errors };
}

export async function registerProduct(
  db: Db,
  clock: Clock,
  input: RegisterProductInput,
  owner: Org,
): Promise<Product> {
  const { normalised, errors } = checkLicences(input.category, input.licences);
  if (errors.length > 0) throw invalid(errors);
  const [row] = await db
    .insert(products)
    .values({
      gtin: input.gtin,
      ownerOrgId: owner.id,
      nameZh: input.nameZh,
      nameEn: input.nameEn ?? null,
      category: input.category,
      specification: input.specification,
      netWeightGrams: input.netWeightGrams ?? null,
      licences: normalised,
      shelfLifeDays: input.shelfLifeDays ?? null,
      imageUrl: input.imageUrl ?? null,
      originRegion: input.originRegion ?? null,
      originPlace: input.originPlace ?? null,
      createdAt: clock.now(),
    })
    .onConflictDoNothing({ target: products.gtin })
    .returning();
  if (row) return row;
  const [existing] = await db
    .select({ ownerOrgId: products.ownerOrgId, ownerName: orgs.nameZh })
    .from(products)
    .innerJoin(orgs, eq(orgs.id, products.ownerOrgId))
    .where(eq(products.gtin, input.gtin));
  const mine = existing?.ownerOrgId === owner.id;
  throw new AppError(
    "conflict",
    mine
      ? `GTIN ${input.gtin} is already registered by your organisation`
      : `GTIN ${input.gtin} is registered by another organisation (${existing?.ownerOrgId} ${existing?.ownerName})`,
    {
      ownerOrgId: existing?.ownerOrgId,
      errors: [
        {
          path: "json.gtin",
          message: mine ? "already registered" : "registered by another organisation",
        },
      ],
    },
  );
}

export async function findProduct(db: Db, gtin: Gtin14): Promise<Product | null> {
  const [row] = await db.select().from(products).where(eq(products.gtin, gtin));
  return row ?? null;
}

export async function getProduct(db: Db, gtin: Gtin14): Promise<Product> {
  const product = await findProduct(db, gtin);
  if (!product) throw new AppError("not_found", `no product with GTIN ${gtin} is registered`);
  return product;
}

export async function listProducts(
  db: Db,
  filter: { ownerOrgId?: string; category?: Category; limit: number; cursor?: string },
) {
  const position = decodeCursor(filter.cursor);
  const conditions = [
    filter.ownerOrgId ? eq(products.ownerOrgId, filter.ownerOrgId) : undefined,
    filter.category ? eq(products.category, filter.category) : undefined,
    afterPosition(products.createdAt, products.gtin, position),
  ].filter((c) => c !== undefined);
  const rows = await db
    .select()
    .from(products)
    .where(and(...conditions))
    .orderBy(asc(products.createdAt), asc(products.gtin))
    .limit(filter.limit + 1);
  return toPage(rows, filter.limit, (r) => ({ at: r.createdAt.toISOString(), id: r.gtin }));
}

/** Only the brand owner registers lots of a product and commissions its items. */
export function assertOwner(product: Product, org: Org, action: string): void {
  if (product.ownerOrgId !== org.id) {
    throw new AppError(
      "forbidden",
      `product ${product.gtin} belongs to organisation ${product.ownerOrgId}; only its owner may ${action}`,
      { ownerOrgId: product.ownerOrgId },
    );
  }
}

function addDays(isoDate: string, days: number): string {
  const at = new Date(`${isoDate}T00:00:00Z`);
  at.setUTCDate(at.getUTCDate() + days);
  return at.toISOString().slice(0, 10);
}

function checkLot(product: Product, input: CreateLotInput) {
  const errors: FieldError[] = [];
  const expiryDate =
    input.expiryDate ??
    (product.shelfLifeDays ? addDays(input.productionDate, product.shelfLifeDays) : undefined);
  if (expiryDate !== undefined && expiryDate < input.productionDate) {
    errors.push({
      path: "json.expiryDate",
      message: `the expiry date ${expiryDate} is before the production date ${input.productionDate}`,
    });
  }
  const bytes = new TextEncoder().encode(JSON.stringify(input.masterData)).length;
  if (bytes > MAX_MASTER_DATA_BYTES) {
    errors.push({
      path: "json.masterData",
      message: `master data is ${bytes} bytes of JSON; at most ${MAX_MASTER_DATA_BYTES} are kept per lot`,
    });
  }
  let masterData = input.masterData;
  if (product.category === "edible_agricultural" && input.masterData.certificate !== undefined) {
    const certificate = AgriCertificate.safeParse(input.masterData.certificate);
    if (certificate.success) {
      masterData = { ...input.masterData, certificate: certificate.data };
    } else {
      for (const issue of certificate.error.issues) {
        errors.push({
          path: ["json.masterData.certificate", ...issue.path.map(String)].join("."),
          message: issue.message,
          code: issue.code,
        });
      }
    }
  }
  if (errors.length > 0) throw invalid(errors);
  return { expiryDate: expiryDate ?? null, masterData };
}

export async function createLot(
  db: Db,
  clock: Clock,
  product: Product,
  input: CreateLotInput,
  actor: Org,
): Promise<Lot> {
  assertOwner(product, actor, "add lots to it");
  const { expiryDate, masterData } = checkLot(product, input);
  const origin = input.origin;
  const [row] = await db
    .insert(lots)
    .values({
      id: newId("lot"),
      gtin: product.gtin,
      lot: input.lot,
      productionDate: input.productionDate,
      expiryDate,
      quantity: input.quantity ?? null,
      originRegion: origin ? origin.region : product.originRegion,
      originPlace: origin ? (origin.place ?? null) : product.originPlace,
      latitude: origin?.latitude ?? null,
      longitude: origin?.longitude ?? null,
      masterData,
      createdAt: clock.now(),
    })
    .onConflictDoNothing({ target: [lots.gtin, lots.lot] })
    .returning();
  if (!row) {
    throw new AppError("conflict", `lot ${input.lot} of GTIN ${product.gtin} already exists`, {
      errors: [{ path: "json.lot", message: "already registered for this GTIN" }],
    });
  }
  return row;
}

export async function findLot(db: Db, gtin: Gtin14, lot: string): Promise<Lot | null> {
  const [row] = await db
    .select()
    .from(lots)
    .where(and(eq(lots.gtin, gtin), eq(lots.lot, lot)));
  return row ?? null;
}

/** A lot and its product, or 404 naming which of the two is missing. */
export async function getLot(
  db: Db,
  gtin: Gtin14,
  lot: string,
): Promise<{ product: Product; lot: Lot }> {
  const product = await getProduct(db, gtin);
  const row = await findLot(db, gtin, lot);
  if (!row) throw new AppError("not_found", `lot ${lot} of GTIN ${gtin} is not registered`);
  return { product, lot: row };
}

export async function countItems(db: Db, lotId: string): Promise<number> {
  const [row] = await db.select({ n: count() }).from(items).where(eq(items.lotId, lotId));
  return Number(row?.n ?? 0);
}

export interface Resolution {
  product?: Product;
  lot?: Lot;
  item?: Item;
  /** What the code names that is not registered, e.g. "serial X of GTIN Y"; absent when all is found. */
  missing?: string;
}

/** What a parsed GS1 code names in the database: its product, lot or item (an item brings its lot). */
export async function resolveCode(db: Db, code: Gs1Code): Promise<Resolution> {
  if (!code.gtin || (code.level === "item" && code.serial === undefined)) {
    return { missing: `the GS1 key ${code.key}` };
  }
  const product = await findProduct(db, code.gtin);
  if (!product) return { missing: `GTIN ${code.gtin}` };
  if (code.serial !== undefined) {
    const [row] = await db
      .select({ item: items, lot: lots })
      .from(items)
      .innerJoin(lots, eq(lots.id, items.lotId))
      .where(and(eq(items.gtin, code.gtin), eq(items.serial, code.serial)));
    if (!row) return { product, missing: `serial ${code.serial} of GTIN ${code.gtin}` };
    return { product, lot: row.lot, item: row.item };
  }
  if (code.lot !== undefined) {
    const lot = await findLot(db, code.gtin, code.lot);
    if (!lot) return { product, missing: `lot ${code.lot} of GTIN ${code.gtin}` };
    return { product, lot };
  }
  return { product };
}

/** A product's lots, newest first, each with how many items it has. */
export async function lotsWithCounts(db: Db, gtin: Gtin14) {
  return db
    .select({
      lot: lots,
      items: sql<number>`(select count(*)::int from items i where i.lot_id = lots.id)`,
    })
    .from(lots)
    .where(eq(lots.gtin, gtin))
    .orderBy(desc(lots.createdAt))
    .limit(500);
}
