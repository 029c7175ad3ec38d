// What products, lots and items look like on the wire, and the codes printed for them.
import {
  canonicalKey,
  compressDigitalLink,
  formatDigitalLink,
  formatElementString,
  type Gtin14,
  type GtinIdentity,
  parseDigitalLink,
} from "../../codes";
import { lookupRegion } from "../../codes/region";
import type { Item, Lot, Product } from "../../db/schema";
import type { ItemView } from "./item-schemas";
import type { LotView, ProductView } from "./schemas";

/** AI (17) of a lot's expiry date ("2026-07-01" → "260701"), printed with lots and items. */
function expiryAttribute(lot: Pick<Lot, "expiryDate">): Record<string, string> {
  const d = lot.expiryDate;
  return d ? { "17": `${d.slice(2, 4)}${d.slice(5, 7)}${d.slice(8, 10)}` } : {};
}

/** What a label carries: the canonical key, the Digital Link URI and the element string. */
export interface CodeContent {
  key: string;
  uri: string;
  elementString: string;
}

/** The GS1 compressed form of a Digital Link URI this service wrote, on the same base URL. */
export function compressedUri(uri: string): string {
  const parsed = parseDigitalLink(uri, { gbt33993: false });
  return parsed.ok ? compressDigitalLink(parsed.value, parsed.value.stem) : uri;
}

function content(identity: GtinIdentity, baseUrl: string): CodeContent {
  return {
    key: canonicalKey(identity),
    uri: formatDigitalLink(identity, baseUrl),
    elementString: formatElementString(identity),
  };
}

export const productCode = (gtin: string, baseUrl: string): CodeContent =>
  content({ gtin: gtin as Gtin14 }, baseUrl);

export const lotCode = (lot: Pick<Lot, "gtin" | "lot" | "expiryDate">, baseUrl: string) =>
  content({ gtin: lot.gtin as Gtin14, lot: lot.lot, attributes: expiryAttribute(lot) }, baseUrl);

/** An item's key leaves the lot out (a serial is unique per GTIN); its label carries lot and expiry. */
export const itemCode = (
  lot: Pick<Lot, "gtin" | "lot" | "expiryDate">,
  serial: string,
  baseUrl: string,
): CodeContent =>
  content(
    { gtin: lot.gtin as Gtin14, lot: lot.lot, serial, attributes: expiryAttribute(lot) },
    baseUrl,
  );

/** Region names as consumers read them (浙江省 台州市 临海市); retired codes still resolve. */
function regionOrNull(code: string | null) {
  if (!code) return null;
  const region = lookupRegion(code);
  return { code, names: region?.names ?? [], retired: region?.retired ?? false };
}

export function productView(p: Product, baseUrl: string): ProductView {
  const { key, uri } = productCode(p.gtin, baseUrl);
  return {
    gtin: p.gtin,
    key,
    uri,
    ownerOrgId: p.ownerOrgId,
    nameZh: p.nameZh,
    nameEn: p.nameEn,
    category: p.category,
    specification: p.specification,
    netWeightGrams: p.netWeightGrams,
    licences: p.licences,
    shelfLifeDays: p.shelfLifeDays,
    // An uploaded picture is named by its path here; a URL given at registration is kept as it is.
    imageUrl: p.imageUrl?.startsWith("/") ? `${baseUrl}${p.imageUrl}` : p.imageUrl,
    origin: { region: regionOrNull(p.originRegion), place: p.originPlace },
    createdAt: p.createdAt.toISOString(),
  };
}

export function lotView(lot: Lot, itemCount: number, baseUrl: string): LotView {
  const { key, uri } = lotCode(lot, baseUrl);
  return {
    gtin: lot.gtin,
    lot: lot.lot,
    key,
    uri,
    productionDate: lot.productionDate,
    expiryDate: lot.expiryDate,
    quantity: lot.quantity,
    origin: {
      region: regionOrNull(lot.originRegion),
      place: lot.originPlace,
      latitude: lot.latitude,
      longitude: lot.longitude,
    },
    masterData: lot.masterData,
    nonConforming: lot.nonConforming,
    recalled: lot.recalled,
    itemCount,
    createdAt: lot.createdAt.toISOString(),
  };
}

export function itemView(item: Item, lot: Lot, baseUrl: string): ItemView {
  const { key, uri } = itemCode(lot, item.serial, baseUrl);
  return {
    gtin: item.gtin,
    serial: item.serial,
    lot: lot.lot,
    key,
    uri,
    state: item.state,
    // A recall of the lot overlays every item in it.
    recalled: item.recalled || lot.recalled,
    custodianOrgId: item.custodianOrgId,
    commissionedAt: item.commissionedAt.toISOString(),
    updatedAt: item.updatedAt.toISOString(),
  };
}
