// A product's picture through the API: only its owner uploads, only pictures are kept, anyone reads it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app";
import { type Cast, makeCast, makeOrg } from "../../../test/factories";
import { makeGtin13, productBody, toGtin14 } from "./fixtures";

let t: TestApp;
let cast: Cast;

beforeAll(async () => {
  t = await createTestApp();
  cast = await makeCast(t);
});
afterAll(() => t.close());

const JPEG = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0, 1]);

async function product() {
  const gtin = toGtin14(makeGtin13());
  const res = await t.request("POST", "/v1/products", {
    key: cast.producer.key,
    json: productBody({ gtin, imageUrl: undefined }),
  });
  expect(res.status).toBe(201);
  return gtin;
}

const put = (gtin: string, body: Uint8Array<ArrayBuffer>, key?: string) =>
  t.request("PUT", `/v1/products/${gtin}/picture`, {
    body,
    headers: { "Content-Type": "image/jpeg" },
    ...(key ? { key } : {}),
  });

describe("product pictures", () => {
  it("stores the owner's picture and names it by its hash on the product", async () => {
    const gtin = await product();
    const res = await put(gtin, JPEG, cast.producer.key);
    expect(res.status).toBe(200);
    const view = await res.json();
    expect(view.imageUrl).toMatch(/\/picture\?v=[0-9a-f]{64}$/);
    const url = new URL(view.imageUrl);
    const got = await t.request("GET", `${url.pathname}${url.search}`);
    expect(got.headers.get("Content-Type")).toBe("image/jpeg");
    expect(new Uint8Array(await got.arrayBuffer())).toEqual(JPEG);
    // An old or missing version is served too, but not cached for good.
    const stale = await t.request("GET", url.pathname);
    expect(stale.status).toBe(200);
    expect(stale.headers.get("Cache-Control")).not.toContain("immutable");
  });

  it("refuses anyone but the owner, and an anonymous caller before reading the body", async () => {
    const gtin = await product();
    expect((await put(gtin, JPEG)).status).toBe(401);
    expect((await put(gtin, JPEG, cast.seller.key)).status).toBe(403);
    const rival = await makeOrg(t, ["producer"]);
    expect((await put(gtin, JPEG, rival.key)).status).toBe(403);
    expect((await t.request("GET", `/v1/products/${gtin}/picture`)).status).toBe(404);
  });

  it("refuses bytes that are not a JPEG, PNG or WebP, and an oversized picture", async () => {
    const gtin = await product();
    const svg = new TextEncoder().encode("<svg xmlns='http://www.w3.org/2000/svg'/>");
    const res = await put(gtin, svg, cast.producer.key);
    expect(res.status).toBe(422);
    expect((await res.json()).errors[0].path).toBe("body");
    const big = new Uint8Array(2 * 1024 * 1024 + 1);
    big.set(JPEG);
    expect((await put(gtin, big, cast.producer.key)).status).toBe(422);
    expect((await (await t.request("GET", `/v1/products/${gtin}`)).json()).imageUrl).toBeNull();
  });
});
