// The printable label sheet of a lot: one label per item, for the route and the `npm run labels` CLI.
import type { Lot, Product } from "../../db/schema";
import type { Db } from "../../db/types";
import type { SheetLabel } from "../labels/render";
import { lotSerialBatches } from "./items";
import { itemCode } from "./views";

/** The labels of a lot's items in commissioning order, with the product name, lot and dates. */
export async function lotSheetLabels(
  db: Db,
  product: Product,
  lot: Lot,
  baseUrl: string,
  range: { offset?: number; limit?: number } = {},
): Promise<SheetLabel[]> {
  const labels: SheetLabel[] = [];
  for await (const batch of lotSerialBatches(db, lot.id, range)) {
    for (const serial of batch) labels.push(itemLabel(product, lot, serial, baseUrl));
  }
  return labels;
}

/** One item's label: what its symbol encodes, and its text for each output. */
export function itemLabel(product: Product, lot: Lot, serial: string, baseUrl: string): SheetLabel {
  const { uri, elementString } = itemCode(lot, serial, baseUrl);
  const lines = [
    product.specification,
    `批号 ${lot.lot}`,
    lot.productionDate ? `生产日期 ${lot.productionDate}` : null,
    lot.expiryDate ? `有效期至 ${lot.expiryDate}` : null,
  ].filter((line): line is string => Boolean(line));
  return {
    uri,
    elementString,
    title: product.nameZh,
    lines,
    fields: {
      gtin: product.gtin,
      lot: lot.lot,
      expiry: lot.expiryDate ?? undefined,
      serial,
      name: product.nameEn ?? undefined,
    },
  };
}
