// A product's picture, uploaded by its owner and served by the service itself: stored once by its
// SHA-256 among the documents, named on the product by a path that changes with the picture.
import { createRoute, z } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import type { Context } from "hono";
import { documents, type Org, products } from "../../db/schema";
import type { Db } from "../../db/types";
import { requireWriter } from "../../lib/auth";
import type { Clock } from "../../lib/clock";
import type { AppEnv } from "../../lib/context";
import { sha256Hex } from "../../lib/crypto";
import { AppError } from "../../lib/errors";
import {
  authErrorResponses,
  createRouter,
  errorResponses,
  notFoundResponse,
} from "../../lib/router";
import { baseUrl, gtinParam } from "./edge";
import { GtinParam, Product } from "./schemas";
import { assertOwner, getProduct } from "./service";
import { productView } from "./views";

export const MAX_PICTURE_BYTES = 2 * 1024 * 1024;

/** The formats a phone's browser shows, told apart by their first bytes, not by what the client says. */
const SIGNATURES: { type: string; test: (b: Uint8Array) => boolean }[] = [
  { type: "image/jpeg", test: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  {
    type: "image/png",
    test: (b) => [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((x, i) => b[i] === x),
  },
  {
    type: "image/webp",
    test: (b) =>
      String.fromCharCode(...b.slice(0, 4)) === "RIFF" &&
      String.fromCharCode(...b.slice(8, 12)) === "WEBP",
  },
];

export function pictureType(bytes: Uint8Array, field: string): string {
  if (bytes.length === 0) {
    throw new AppError("validation_failed", `${field}: the picture is empty`, {
      errors: [{ path: field, message: "empty" }],
    });
  }
  if (bytes.length > MAX_PICTURE_BYTES) {
    throw new AppError(
      "validation_failed",
      `${field}: the picture has ${bytes.length} bytes; at most ${MAX_PICTURE_BYTES}`,
      { errors: [{ path: field, message: `at most ${MAX_PICTURE_BYTES} bytes` }] },
    );
  }
  const found = SIGNATURES.find((s) => s.test(bytes));
  if (!found) {
    throw new AppError("validation_failed", `${field}: not a JPEG, PNG or WebP picture`, {
      errors: [{ path: field, message: "JPEG, PNG or WebP" }],
    });
  }
  return found.type;
}

const picturePath = (gtin: string, sha256: string) => `/v1/products/${gtin}/picture?v=${sha256}`;

/** Stores the picture and points the product at it; only the product's owner may. */
export async function setProductPicture(
  db: Db,
  clock: Clock,
  owner: Org,
  gtin: string,
  bytes: Uint8Array,
  field = "body",
) {
  const contentType = pictureType(bytes, field);
  const product = await getProduct(db, gtinParam(gtin));
  assertOwner(product, owner, "change its picture");
  const sha256 = await sha256Hex(bytes);
  return db.transaction(async (tx) => {
    await tx
      .insert(documents)
      .values({ sha256, contentType, size: bytes.length, data: bytes, createdAt: clock.now() })
      .onConflictDoNothing();
    const [row] = await tx
      .update(products)
      .set({ imageUrl: picturePath(product.gtin, sha256) })
      .where(eq(products.gtin, product.gtin))
      .returning();
    return row!;
  });
}

/** The stored picture a product's path names, or 404. */
async function storedPicture(db: Db, gtin: string) {
  const product = await getProduct(db, gtinParam(gtin));
  const version = product.imageUrl?.startsWith("/")
    ? new URL(product.imageUrl, "http://x").searchParams.get("v")
    : null;
  if (!version) throw new AppError("not_found", `product ${product.gtin} has no uploaded picture`);
  const [doc] = await db.select().from(documents).where(eq(documents.sha256, version));
  if (!doc) throw new AppError("not_found", `product ${product.gtin} has no uploaded picture`);
  return { doc, version };
}

const tags = ["Products"];

export const putPictureRoute = createRoute({
  method: "put",
  path: "/v1/products/{gtin}/picture",
  operationId: "putProductPicture",
  summary: "Upload the product's picture (its owner): JPEG, PNG or WebP, at most 2 MiB",
  description:
    "The body is the picture itself. The service keeps it and the product's `imageUrl` becomes its address here, which changes with the picture, so scan pages may cache it for good.",
  tags,
  security: [{ apiKey: [] }],
  request: {
    params: GtinParam,
    body: {
      required: true,
      content: {
        "image/jpeg": { schema: z.string().openapi({ format: "binary" }) },
        "image/png": { schema: z.string().openapi({ format: "binary" }) },
        "image/webp": { schema: z.string().openapi({ format: "binary" }) },
      },
    },
  },
  responses: {
    200: { description: "The product", content: { "application/json": { schema: Product } } },
    ...notFoundResponse,
    ...authErrorResponses,
    ...errorResponses,
  },
});

export const getPictureRoute = createRoute({
  method: "get",
  path: "/v1/products/{gtin}/picture",
  operationId: "getProductPicture",
  summary: "The product's uploaded picture",
  tags,
  security: [],
  request: { params: GtinParam },
  responses: {
    200: { description: "The picture", content: { "image/*": { schema: z.string() } } },
    ...notFoundResponse,
    ...errorResponses,
  },
});

export async function pictureResponse(c: Context<AppEnv>, gtin: string): Promise<Response> {
  const { doc, version } = await storedPicture(c.var.deps.db, gtin);
  // Asked by the current version's path, the bytes never change; without it they may.
  const current = c.req.query("v") === version;
  return c.body(doc.data as Uint8Array<ArrayBuffer>, 200, {
    "Content-Type": doc.contentType,
    ETag: `"${doc.sha256}"`,
    "Cache-Control": current ? "public, max-age=31536000, immutable" : "public, max-age=60",
    "X-Content-Type-Options": "nosniff",
  });
}

export const pictureRoutes = createRouter()
  .openapi(putPictureRoute, async (c) => {
    const caller = await requireWriter(c, "producer");
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    const { db, clock } = c.var.deps;
    const row = await setProductPicture(db, clock, caller.org, c.req.valid("param").gtin, bytes);
    return c.json(productView(row, baseUrl(c)), 200);
  })
  .openapi(getPictureRoute, async (c) => pictureResponse(c, c.req.valid("param").gtin));
