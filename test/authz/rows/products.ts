// Product, lot and commissioning write routes in the authorisation matrix: verified producers, and only the owner.
import { productBody, seedLot, seedProduct } from "../../../src/features/products/fixtures";
import type { MatrixRow } from "../matrix";

export const rows: MatrixRow[] = [
  {
    operationId: "registerProduct",
    request: () => ({ method: "POST", path: "/v1/products", json: productBody() }),
    expect: { none: 401, producer: 201, others: 403 },
  },
  {
    operationId: "createLot",
    request: async ({ t, cast }) => {
      const product = await seedProduct(t.db, t.clock, cast.producer.org);
      return {
        method: "POST",
        path: `/v1/products/${product.gtin}/lots`,
        json: { lot: "A1", productionDate: "2026-06-01" },
      };
    },
    // Only the product's owner (cast.producer) adds lots; every other caller lacks the role.
    expect: { none: 401, producer: 201, others: 403 },
  },
  {
    operationId: "commissionItems",
    request: async ({ t, cast }) => {
      const product = await seedProduct(t.db, t.clock, cast.producer.org);
      const lot = await seedLot(t.db, t.clock, product, cast.producer.org);
      return {
        method: "POST",
        path: `/v1/products/${product.gtin}/lots/${lot.lot}/items`,
        json: { count: 3 },
      };
    },
    expect: { none: 401, producer: 201, others: 403 },
  },
  {
    operationId: "putProductPicture",
    request: async ({ t, cast }) => {
      const product = await seedProduct(t.db, t.clock, cast.producer.org);
      return {
        method: "PUT",
        path: `/v1/products/${product.gtin}/picture`,
        // The first bytes of a PNG are what makes it one.
        body: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]),
        headers: { "content-type": "image/png" },
      };
    },
    // Only the product's owner changes its picture.
    expect: { none: 401, producer: 200, others: 403 },
  },
];
