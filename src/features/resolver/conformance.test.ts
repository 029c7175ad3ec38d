// The checks of GS1's resolver test suite (gs1/GS1DL-resolver-testsuite, a browser page that probes a
// resolver over HTTP), restated as our own tests, one per check and named by the suite's check id, so CI
// keeps them. Checks that need the internet (TLS of the deployed host, GS1's published schemas and
// link-type list) are restated against the facts they test: the structure RFC 9264 and the
// resolver standard define, and the link types this resolver declares.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app";
import { client, type Story, seedStory } from "../../../test/browser/scenario";
import { makeCast } from "../../../test/factories";

let t: TestApp;
let story: Story;
let n = 0;
const ORIGIN = "https://ref.gs1.org/test-suites/resolver/";
/** As the suite's probe asks: with an Origin, never following redirects, each from its own client. */
const probe = (method: string, path: string, headers: Record<string, string> = {}) =>
  t.request(method, path, { headers: { ...client(++n), Origin: ORIGIN, ...headers } });
const BASE = "https://zhuisu.test";
const stripQuery = (u: string) => u.split("?")[0]!;

beforeAll(async () => {
  t = await createTestApp();
  story = await seedStory(t, await makeCast(t));
});
afterAll(() => t.close());

interface LinkObject {
  href: string;
  title?: string;
  type?: string;
  hreflang?: string[];
}
type LinksetContext = { anchor: string } & Record<string, LinkObject[] | string>;

async function linksetOf(path: string): Promise<LinksetContext[]> {
  const res = await probe("GET", path, { Accept: "application/linkset+json" });
  expect(res.status).toBe(200);
  return ((await res.json()) as { linkset: LinksetContext[] }).linkset;
}

/** Link types as the suite compares them: the GS1 vocabulary's URIs shortened to `gs1:`. */
const short = (type: string) => type.replace(/^https:\/\/(ref\.|www\.)?gs1\.org\/voc\//, "gs1:");

describe("GS1 resolver test suite, restated", () => {
  it("rdFile: a resolver description at /.well-known/gs1resolver with the required members", async () => {
    const res = await probe("GET", "/.well-known/gs1resolver", { Accept: "application/json" });
    expect(res.status).toBe(200);
    const rd = (await res.json()) as Record<string, unknown>;
    // The members the GS1 schema requires, with their types.
    expect(typeof rd.name).toBe("string");
    expect(rd.resolverRoot).toBe(BASE);
    expect(Array.isArray(rd.supportedPrimaryKeys)).toBe(true);
    expect(rd.supportedPrimaryKeys).toContain("01");
    expect(
      typeof rd.supportedContextValuesEnumerated === "undefined" ||
        Array.isArray(rd.supportedContextValuesEnumerated),
    ).toBe(true);
  });

  it("corsCheck and methodsCheck: OPTIONS declares CORS and GET, HEAD and OPTIONS", async () => {
    const res = await probe("OPTIONS", story.item, { "Access-Control-Request-Method": "GET" });
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    const methods = res.headers.get("access-control-allow-methods") ?? "";
    for (const m of ["GET", "HEAD", "OPTIONS"]) expect(methods).toContain(m);
  });

  it("linkOnRedirect and legacyLinkHeaders: a redirect names the linkset, and only the linkset", async () => {
    const res = await probe("GET", `${story.item}?linkType=gs1:traceability`);
    expect(res.status).toBe(307);
    const link = res.headers.get("link") ?? "";
    expect(link).toContain('rel="linkset"');
    expect(link).not.toContain('rel="gs1:');
    expect(link).not.toContain('rel="https://gs1.org/voc/');
  });

  it("reportWith400 and noErrorWith200: a path that is not a Digital Link is a 400, never a 200", async () => {
    const res = await probe("GET", `${story.item}/foo`);
    expect(res.status).toBe(400);
  });

  it("trailingSlash (a SHOULD): we refuse the trailing slash that GS1 URI syntax forbids, deliberately", async () => {
    // The suite warns when the answers differ; URI Syntax 1.6 refuses the form, and so do we,
    // with a 400 that names the fault rather than a silent second spelling of every code.
    const slash = await probe("GET", `${story.item}/`, { Accept: "application/json" });
    expect(slash.status).toBe(400);
    expect(JSON.stringify(await slash.json())).toContain("trailing_slash");
  });

  it("basicWalkUp: an unknown value of a known key qualifier walks up to the product, not 404", async () => {
    const res = await probe("GET", `/01/${story.lot.gtin}/10/KL8G`);
    expect(res.status).not.toBe(404);
    expect(res.status).toBeLessThan(400);
  });

  it("ltLinksetNoRedirect: linkType=linkset answers the linkset itself", async () => {
    const res = await probe("GET", `${story.item}?linkType=linkset`);
    expect(res.status).toBe(200);
    expect(res.headers.get("location")).toBeNull();
    expect(((await res.json()) as { linkset: unknown[] }).linkset.length).toBeGreaterThan(0);
  });

  it("ltAllNoRedirect: the deprecated linkType=all still answers the linkset, not a redirect", async () => {
    const res = await probe("GET", `${story.item}?linkType=all`);
    expect(res.status).toBe(200);
    expect(res.headers.get("location")).toBeNull();
  });

  it("ltAcceptHeader and declaredContentType: Accept application/linkset+json gets it, so labelled", async () => {
    const res = await probe("GET", story.item, { Accept: "application/linkset+json" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/linkset\+json/);
  });

  it("linksetJsonldCheck: the linkset answer links a JSON-LD context, which is served", async () => {
    const res = await probe("GET", story.item, { Accept: "application/linkset+json" });
    const link = res.headers.get("link") ?? "";
    const context = /<([^>]+)>; rel="http:\/\/www\.w3\.org\/ns\/json-ld#context"/.exec(link)?.[1];
    expect(context).toBe(`${BASE}/v1/linkset-context.jsonld`);
    const doc = await probe("GET", new URL(context!).pathname);
    expect(doc.status).toBe(200);
    expect(doc.headers.get("content-type")).toBe("application/ld+json");
    expect(
      ((await doc.json()) as { "@context": Record<string, unknown> })["@context"],
    ).toMatchObject({
      anchor: "@id",
      href: "@id",
    });
  });

  it("validLinkset: the linkset has the RFC 9264 shape the published schema checks", async () => {
    const contexts = await linksetOf(story.item);
    for (const context of contexts) {
      expect(context.anchor).toMatch(/^https:\/\//);
      for (const [type, links] of Object.entries(context)) {
        if (type === "anchor" || type === "itemDescription" || type === "description") continue;
        expect(Array.isArray(links), type).toBe(true);
        for (const link of links as LinkObject[]) {
          expect(typeof link.href, type).toBe("string");
          expect(new URL(link.href).protocol, type).toMatch(/^https?:$/);
          if (link.hreflang !== undefined) expect(Array.isArray(link.hreflang), type).toBe(true);
        }
      }
    }
  });

  it("qsPassedOn: the query string goes on when the resolver redirects", async () => {
    const res = await probe("GET", `${story.item}?foo=bar&linkType=gs1:traceability`);
    expect(res.status).toBe(307);
    expect(res.headers.get("location")).toContain("foo=bar");
  });

  it("defaultLinkExists and singleDefaulLink: every level has exactly one default link, with a title", async () => {
    const contexts = await linksetOf(story.item);
    expect(contexts.map((c) => c.anchor)).toEqual([
      `${BASE}/01/${story.lot.gtin}`,
      `${BASE}${story.lot.lotKey}`,
      `${BASE}${story.item}`,
    ]);
    for (const context of contexts) {
      const defaults = Object.entries(context).filter(
        ([type]) => short(type) === "gs1:defaultLink",
      );
      expect(defaults, context.anchor).toHaveLength(1);
      const links = defaults[0]![1] as LinkObject[];
      expect(links, context.anchor).toHaveLength(1);
      expect(links[0]!.title, context.anchor).toBeTruthy();
    }
  });

  it("singleMultiLink: gs1:defaultLinkMulti, when offered, has more than one link", async () => {
    for (const context of await linksetOf(story.item)) {
      const multi = Object.entries(context).find(
        ([type]) => short(type) === "gs1:defaultLinkMulti",
      );
      if (multi) expect((multi[1] as LinkObject[]).length).toBeGreaterThan(1);
    }
  });

  it("linkTypesDefined: every gs1: link type offered is one the resolver description declares", async () => {
    const rd = (await (await probe("GET", "/.well-known/gs1resolver")).json()) as {
      activeLinkTypes: { en: Record<string, string> };
    };
    const declared = new Set(Object.keys(rd.activeLinkTypes.en).map(short));
    for (const context of await linksetOf(story.item)) {
      for (const type of Object.keys(context).map(short)) {
        if (type.startsWith("gs1:")) expect(declared, type).toContain(type);
      }
    }
  });

  it("defaultTarget: the default link is where a plain request for the code lands", async () => {
    const [, , item] = await linksetOf(story.item);
    const target = (
      Object.entries(item!).find(([type]) => short(type) === "gs1:defaultLink")![1] as LinkObject[]
    )[0]!.href;
    const res = await probe("GET", story.item);
    // The default link is the scan page at the code's own address, so it is served, not redirected to.
    if (stripQuery(target) === `${BASE}${story.item}`) expect(res.status).toBe(200);
    else expect(res.headers.get("location")).toBe(target);
  });

  it("loFor<linkType>: every link type with one link redirects to it", async () => {
    const [, , item] = await linksetOf(story.item);
    for (const [type, value] of Object.entries(item!)) {
      if (type === "anchor" || !Array.isArray(value) || value.length !== 1) continue;
      const { href } = value[0]!;
      const short_ = short(type);
      const res = await probe("GET", `${story.item}?linkType=${encodeURIComponent(short_)}`);
      if (stripQuery(href) === `${BASE}${story.item}`) {
        expect(res.status, short_).toBe(200);
        continue;
      }
      expect(res.status, short_).toBe(307);
      expect(stripQuery(res.headers.get("location") ?? ""), short_).toBe(stripQuery(href));
    }
  });

  it("specificLinkTypeNotFound: a link type that is not offered is a 404", async () => {
    const res = await probe("GET", `${story.item}?linkType=gs1:nosuchlt`);
    expect(res.status).toBe(404);
  });
});
