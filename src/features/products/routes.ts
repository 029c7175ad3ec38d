// Product and lot routes: a producer registers products by GTIN and their lots; anyone reads them.
import { createRoute, z } from "@hono/zod-openapi";
import { encodeComponent } from "../../codes";
import { requireWriter } from "../../lib/auth";
import { PageQuery } from "../../lib/pagination";
import {
  authErrorResponses,
  body,
  conflictResponse,
  createRouter,
  errorResponses,
  json,
  notFoundResponse,
} from "../../lib/router";
import { aiParam, baseUrl, gtinParam } from "./edge";
import { itemRoutes } from "./items-routes";
import { labelRoutes } from "./labels-routes";
import { pictureRoutes } from "./picture";
import {
  Category,
  CreateLotBody,
  GtinParam,
  Lot,
  LotParams,
  Product,
  ProductPage,
  RegisterProductBody,
} from "./schemas";
import {
  countItems,
  createLot,
  getLot,
  getProduct,
  listProducts,
  registerProduct,
} from "./service";
import { lotView, productView } from "./views";

const tags = ["Products"];
const keyed = [{ apiKey: [] }];

export const registerProductRoute = createRoute({
  method: "post",
  path: "/v1/products",
  operationId: "registerProduct",
  summary: "Register a product by its GTIN, with the licence numbers its category requires",
  description:
    "A verified producer registers a GTIN (any of GTIN-8/12/13/14; stored as 14 digits). The licences the category needs must be given: an SC number for food, the 国药准字 approval number for a drug, and so on. A GTIN is registered once.",
  tags,
  security: keyed,
  request: { body: body(RegisterProductBody) },
  responses: {
    201: json(Product, "Registered"),
    ...errorResponses,
    ...authErrorResponses,
    ...conflictResponse,
  },
});

export const listProductsRoute = createRoute({
  method: "get",
  path: "/v1/products",
  operationId: "listProducts",
  summary: "List registered products, by owner and category",
  tags,
  security: [],
  request: {
    query: PageQuery.extend({
      owner: z.string().min(1).max(64).optional().openapi({ description: "owner organisation id" }),
      category: Category.optional(),
    }),
  },
  responses: { 200: json(ProductPage, "A page of products"), ...errorResponses },
});

export const getProductRoute = createRoute({
  method: "get",
  path: "/v1/products/{gtin}",
  operationId: "getProduct",
  summary: "A product by GTIN (any form)",
  tags,
  security: [],
  request: { params: GtinParam },
  responses: { 200: json(Product, "The product"), ...notFoundResponse, ...errorResponses },
});

export const createLotRoute = createRoute({
  method: "post",
  path: "/v1/products/{gtin}/lots",
  operationId: "createLot",
  summary: "Register a lot (AI 10) of one of your products, with its dates, origin and master data",
  description:
    "Only the product's owner adds lots. The expiry date defaults to the production date plus the product's shelf life. For edible agricultural products `masterData.certificate` is checked as a 承诺达标合格证.",
  tags,
  security: keyed,
  request: { params: GtinParam, body: body(CreateLotBody) },
  responses: {
    201: json(Lot, "Registered"),
    ...errorResponses,
    ...authErrorResponses,
    ...notFoundResponse,
    ...conflictResponse,
  },
});

export const getLotRoute = createRoute({
  method: "get",
  path: "/v1/products/{gtin}/lots/{lot}",
  operationId: "getLot",
  summary: "A lot of a product, with its master data and how many items it has",
  tags,
  security: [],
  request: { params: LotParams },
  responses: { 200: json(Lot, "The lot"), ...notFoundResponse, ...errorResponses },
});

export const productRoutes = createRouter()
  .openapi(registerProductRoute, async (c) => {
    const caller = await requireWriter(c, "producer");
    const { db, clock } = c.var.deps;
    const product = await registerProduct(db, clock, c.req.valid("json"), caller.org);
    const view = productView(product, baseUrl(c));
    return c.json(view, 201, { Location: `/v1/products/${product.gtin}` });
  })
  .openapi(listProductsRoute, async (c) => {
    const q = c.req.valid("query");
    const page = await listProducts(c.var.deps.db, {
      ownerOrgId: q.owner,
      category: q.category,
      limit: q.limit,
      cursor: q.cursor,
    });
    const base = baseUrl(c);
    return c.json({ items: page.items.map((p) => productView(p, base)), next: page.next }, 200);
  })
  .openapi(getProductRoute, async (c) => {
    const product = await getProduct(c.var.deps.db, gtinParam(c.req.valid("param").gtin));
    return c.json(productView(product, baseUrl(c)), 200);
  })
  .openapi(createLotRoute, async (c) => {
    const caller = await requireWriter(c, "producer");
    const { db, clock } = c.var.deps;
    const product = await getProduct(db, gtinParam(c.req.valid("param").gtin));
    const lot = await createLot(db, clock, product, c.req.valid("json"), caller.org);
    const view = lotView(lot, 0, baseUrl(c));
    const location = `/v1/products/${product.gtin}/lots/${encodeComponent(lot.lot)}`;
    return c.json(view, 201, { Location: location });
  })
  .openapi(getLotRoute, async (c) => {
    const params = c.req.valid("param");
    const { db } = c.var.deps;
    const { lot } = await getLot(
      db,
      gtinParam(params.gtin),
      aiParam("10", params.lot, "param.lot"),
    );
    return c.json(lotView(lot, await countItems(db, lot.id), baseUrl(c)), 200);
  })
  .route("/", pictureRoutes)
  .route("/", itemRoutes)
  .route("/", labelRoutes);
