// Organisations end to end: registration rules, verification, keys, commitments, profiles.
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app";
import { type Cast, makeCast, makeOrg, makeUscc } from "../../../test/factories";
import { usccCheckCharacter } from "../../codes/uscc";
import { apiKeys, orgs } from "../../db/schema";
import { PrivateOrg, PublicOrg, Registered } from "./schemas";

let t: TestApp;
let cast: Cast;
beforeAll(async () => {
  t = await createTestApp();
  cast = await makeCast(t);
});
afterAll(() => t.close());

const enterprise = (over: Record<string, unknown> = {}) => ({
  nameZh: "临海市涌泉蜜橘有限公司",
  uscc: makeUscc("331082"),
  roles: ["producer", "seller"],
  regionCode: "331082",
  contactPhone: "0576-85000000",
  licences: [{ kind: "food_production_sc", number: "SC10633108200011" }],
  ...over,
});

async function countOrgs() {
  return (await t.db.select({ id: orgs.id }).from(orgs)).length;
}

describe("registration", () => {
  it("registers an enterprise as pending, with a key shown once and stored as a hash", async () => {
    const res = await t.request("POST", "/v1/orgs", { json: enterprise() });
    expect(res.status).toBe(201);
    const body = Registered.parse(await res.json());
    expect(body.org.status).toBe("pending");
    expect(body.org.region.names).toEqual(["浙江省", "台州市", "临海市"]);
    expect(body.apiKey.key).toMatch(/^zs_/);
    const stored = await t.db.select().from(apiKeys).where(eq(apiKeys.id, body.apiKey.id));
    expect(stored[0]?.hash).not.toContain(body.apiKey.key);
    expect(JSON.stringify(stored)).not.toContain(body.apiKey.key);
    // The new key reads its own data but cannot write.
    const me = await t.request("GET", "/v1/me", { key: body.apiKey.key });
    expect(PrivateOrg.parse(await me.json()).contactPhone).toBe("0576-85000000");
    const write = await t.request("POST", "/v1/me/commitments", {
      key: body.apiKey.key,
      json: commitment(),
    });
    expect(write.status).toBe(403);
    expect(((await write.json()) as { detail: string }).detail).toMatch(/not verified/);
  });

  it("holds a USCC with a wrong check character for manual review, never verified", async () => {
    const res = await t.request("POST", "/v1/orgs", {
      json: enterprise({ uscc: "91350100M0001TGQXM", regionCode: "350100" }),
    });
    expect(res.status).toBe(201);
    const body = Registered.parse(await res.json());
    expect(body.org.status).toBe("pending_review");
    expect(body.notice).toMatch(/check character/);
    expect(body.org.verified).toBe(false);
  });

  it("registers a natural-person seller without storing the ID number", async () => {
    const res = await t.request("POST", "/v1/orgs", {
      json: {
        kind: "natural_person",
        nameZh: "王小二",
        residentId: "360426199101010071",
        roles: ["seller"],
        regionCode: "360426",
      },
    });
    expect(res.status).toBe(201);
    const body = Registered.parse(await res.json());
    expect(body.org.personIdMasked).toBe("**************0071");
    const [row] = await t.db.select().from(orgs).where(eq(orgs.id, body.org.id));
    expect(JSON.stringify(row)).not.toContain("360426199101010071");
    expect(row?.personIdHash).toMatch(/^[0-9a-f]{64}$/);
    const again = await t.request("POST", "/v1/orgs", {
      json: {
        kind: "natural_person",
        nameZh: "王小二",
        residentId: "360426199101010071",
        roles: ["seller"],
        regionCode: "360426",
      },
    });
    expect(again.status).toBe(409);
  });

  const bad: [string, Record<string, unknown>, number, string][] = [
    ["a bad USCC character", { uscc: "9111000060003IOZSV" }, 422, "json.uscc"],
    ["a short USCC", { uscc: "12345" }, 422, "json.uscc"],
    ["an unknown region", { regionCode: "339999" }, 422, "json.regionCode"],
    [
      "an inspector without accreditation",
      { roles: ["inspector"], licences: [] },
      422,
      "json.licences",
    ],
    ["a role that does not exist", { roles: ["wizard"] }, 422, "json.roles.0"],
    [
      "a malformed licence",
      { licences: [{ kind: "food_production_sc", number: "SC12" }] },
      422,
      "json.licences.0.number",
    ],
    ["a 300 KB name", { nameZh: "名".repeat(100_000) }, 422, "json.nameZh"],
    ["an enterprise without USCC", { uscc: undefined }, 422, "json.uscc"],
  ];
  for (const [what, change, status, path] of bad) {
    it(`refuses ${what}, naming ${path}, writing nothing`, async () => {
      const before = await countOrgs();
      const res = await t.request("POST", "/v1/orgs", { json: enterprise(change) });
      expect(res.status).toBe(status);
      const body = (await res.json()) as { errors?: { path: string }[] };
      expect(body.errors?.map((e) => e.path)).toContain(path);
      expect(await countOrgs()).toBe(before);
    });
  }

  it("refuses a duplicate USCC with 409", async () => {
    const uscc = makeUscc();
    expect((await t.request("POST", "/v1/orgs", { json: enterprise({ uscc }) })).status).toBe(201);
    const before = await countOrgs();
    const res = await t.request("POST", "/v1/orgs", { json: enterprise({ uscc }) });
    expect(res.status).toBe(409);
    expect(await countOrgs()).toBe(before);
  });

  it("refuses a 5 MB body with 413", async () => {
    const res = await t.request("POST", "/v1/orgs", {
      json: enterprise({ nameZh: "x".repeat(5_000_000) }),
    });
    expect(res.status).toBe(413);
  });

  it("lets only a regulator register a regulator", async () => {
    const self = await t.request("POST", "/v1/orgs", {
      json: enterprise({ roles: ["regulator"] }),
    });
    expect(self.status).toBe(403);
    const byRegulator = await t.request("POST", "/v1/orgs", {
      key: cast.regulator.key,
      json: enterprise({ roles: ["regulator"], licences: [], jurisdiction: "331000" }),
    });
    expect(byRegulator.status).toBe(201);
  });

  it("computes USCC check characters that end in 0 correctly", () => {
    expect(usccCheckCharacter("91152201078376286")).toBe("0");
  });
});

describe("verification", () => {
  it("is changed only by a regulator, with the reason and who/when kept", async () => {
    const reg = Registered.parse(
      await (await t.request("POST", "/v1/orgs", { json: enterprise() })).json(),
    );
    const id = reg.org.id;
    const byProducer = await t.request("POST", `/v1/orgs/${id}/status`, {
      key: cast.producer.key,
      json: { status: "verified", reason: "looks fine" },
    });
    expect(byProducer.status).toBe(403);
    expect(((await byProducer.json()) as { detail: string }).detail).toContain("regulator");
    const ok = await t.request("POST", `/v1/orgs/${id}/status`, {
      key: cast.regulator.key,
      json: { status: "verified", reason: "营业执照与食品生产许可证已核验" },
    });
    expect(ok.status).toBe(200);
    expect(PrivateOrg.parse(await ok.json()).status).toBe("verified");
    t.clock.advance(60_000);
    const suspend = await t.request("POST", `/v1/orgs/${id}/status`, {
      key: cast.regulator.key,
      json: { status: "suspended", reason: "抽检不合格，停业整顿" },
    });
    expect(suspend.status).toBe(200);
    const again = await t.request("POST", `/v1/orgs/${id}/status`, {
      key: cast.regulator.key,
      json: { status: "suspended", reason: "twice" },
    });
    expect(again.status).toBe(409);
    const history = await t.request("GET", `/v1/orgs/${id}/status-history`, {
      key: reg.apiKey.key,
    });
    const entries = (await history.json()) as {
      toStatus: string;
      actorOrgId: string | null;
      reason: string;
    }[];
    expect(entries.map((e) => e.toStatus)).toEqual(["pending", "verified", "suspended"]);
    expect(entries[2]?.actorOrgId).toBe(cast.regulator.org.id);
    // A suspended organisation cannot write, and says why.
    const write = await t.request("POST", "/v1/me/commitments", {
      key: reg.apiKey.key,
      json: commitment(),
    });
    expect(write.status).toBe(403);
    expect(((await write.json()) as { detail: string }).detail).toContain("停业整顿");
    // Nobody else reads the history.
    expect(
      (await t.request("GET", `/v1/orgs/${id}/status-history`, { key: cast.seller.key })).status,
    ).toBe(403);
  });
});

describe("API keys", () => {
  it("creates, lists without secrets, and revokes", async () => {
    const { key } = await makeOrg(t, ["seller"]);
    const created = await t.request("POST", "/v1/me/keys", {
      key,
      json: { name: "warehouse scanner" },
    });
    expect(created.status).toBe(201);
    const second = (await created.json()) as { id: string; key: string };
    const list = await t.request("GET", "/v1/me/keys", { key: second.key });
    const text = await list.text();
    expect(text).toContain("warehouse scanner");
    expect(text).not.toContain(second.key);
    expect((await t.request("DELETE", `/v1/me/keys/${second.id}`, { key })).status).toBe(204);
    const revoked = await t.request("GET", "/v1/me", { key: second.key });
    expect(revoked.status).toBe(401);
    expect((await t.request("DELETE", `/v1/me/keys/${second.id}`, { key })).status).toBe(404);
  });

  it("answers unknown and malformed keys with 401", async () => {
    expect((await t.request("GET", "/v1/me", { key: `zs_${"a".repeat(40)}` })).status).toBe(401);
    const malformed = await t.request("GET", "/v1/me", { headers: { Authorization: "Basic abc" } });
    expect(malformed.status).toBe(401);
    expect(malformed.headers.get("www-authenticate")).toContain("Bearer");
    expect((await t.request("GET", "/v1/me")).status).toBe(401);
  });
});

function commitment(days = 7) {
  return {
    quality: "所售商品均来自正规渠道",
    priceHonesty: "明码标价",
    logistics: "48小时内发货",
    afterSales: { noReasonReturnDays: days, firstCompensation: true, responseHours: 24 },
  };
}

describe("credit commitments", () => {
  it("are versioned, with the current one on the public profile and the history kept", async () => {
    const { org, key } = await makeOrg(t, ["seller"]);
    expect(
      (await t.request("POST", "/v1/me/commitments", { key, json: commitment(7) })).status,
    ).toBe(201);
    t.clock.advance(1000);
    const second = await t.request("POST", "/v1/me/commitments", { key, json: commitment(15) });
    expect(((await second.json()) as { version: number }).version).toBe(2);
    const profile = PublicOrg.parse(await (await t.request("GET", `/v1/orgs/${org.id}`)).json());
    expect(profile.commitment?.version).toBe(2);
    expect(profile.commitment?.body.afterSales.noReasonReturnDays).toBe(15);
    const history = (await (await t.request("GET", `/v1/orgs/${org.id}/commitments`)).json()) as {
      version: number;
      current: boolean;
    }[];
    expect(history.map((h) => [h.version, h.current])).toEqual([
      [2, true],
      [1, false],
    ]);
  });

  it("refuses a negative return period", async () => {
    const res = await t.request("POST", "/v1/me/commitments", {
      key: cast.seller.key,
      json: commitment(-1),
    });
    expect(res.status).toBe(422);
  });
});

describe("public profile", () => {
  it("shows licences and region names but no private contact data", async () => {
    const res = await t.request("GET", `/v1/orgs/${cast.producer.org.id}`);
    expect(res.status).toBe(200);
    const raw = (await res.json()) as Record<string, unknown>;
    const profile = PublicOrg.parse(raw);
    expect(profile.verified).toBe(true);
    expect(profile.licences[0]?.kind).toBe("food_production_sc");
    expect(raw).not.toHaveProperty("contactPhone");
    expect(raw).not.toHaveProperty("personIdHash");
    const byUscc = await t.request("GET", `/v1/orgs/by-uscc/${cast.producer.org.uscc}`);
    expect(PublicOrg.parse(await byUscc.json()).id).toBe(cast.producer.org.id);
    expect((await t.request("GET", "/v1/orgs/org_nope")).status).toBe(404);
  });

  it("lists verified organisations publicly and any status only for regulators", async () => {
    const page = (await (await t.request("GET", "/v1/orgs?role=seller&limit=2")).json()) as {
      items: { status: string; roles: string[] }[];
      next: string | null;
    };
    expect(page.items.every((o) => o.status === "verified" && o.roles.includes("seller"))).toBe(
      true,
    );
    expect((await t.request("GET", "/v1/orgs?status=pending")).status).toBe(403);
    expect(
      (await t.request("GET", "/v1/orgs?status=pending", { key: cast.regulator.key })).status,
    ).toBe(200);
  });
});
