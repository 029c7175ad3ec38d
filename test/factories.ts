// Small factories that seed what a test needs through the real services.
import { eq } from "drizzle-orm";
import { USCC_ALPHABET, usccCheckCharacter } from "../src/codes/uscc";
import { type Org, orgs, type Role } from "../src/db/schema";
import { createMember } from "../src/features/members/service";
import { registerOrg } from "../src/features/orgs/service";
import { randomString } from "../src/lib/random";
import type { TestApp } from "./app";

export function makeUscc(region = "331003"): string {
  const body = `91${region}${randomString(9, USCC_ALPHABET.slice(0, 10) + "ABCDEFGH")}`;
  return body + usccCheckCharacter(body);
}

const defaultLicences: Partial<Record<Role, { kind: string; number: string }[]>> = {
  producer: [{ kind: "food_production_sc", number: "SC10633100200017" }],
  seller: [{ kind: "food_business_jy", number: "JY13310020012345" }],
  inspector: [{ kind: "cma", number: "201519002145" }],
};

export interface OrgWithKey {
  org: Org;
  key: string;
}

/** Registers an organisation with the given roles and sets its status directly (verified by default). */
export async function makeOrg(
  t: TestApp,
  roles: Role[],
  options: {
    status?: Org["status"];
    nameZh?: string;
    regionCode?: string;
    /** A regulator's; the whole country unless given. */
    jurisdiction?: string;
  } = {},
): Promise<OrgWithKey> {
  const { org, key } = await registerOrg(
    t.db,
    { clock: t.clock, hashSecret: t.config.HASH_SECRET! },
    {
      kind: "enterprise",
      nameZh: options.nameZh ?? `测试${roles.join("")}企业`,
      uscc: makeUscc(),
      roles,
      regionCode: options.regionCode ?? "331003",
      jurisdiction: roles.includes("regulator") ? (options.jurisdiction ?? "000000") : undefined,
      licences: roles.flatMap((r) => defaultLicences[r] ?? []),
    },
    { roles: ["regulator"], jurisdiction: "000000" } as Org,
  );
  const status = options.status ?? "verified";
  const [updated] = await t.db.update(orgs).set({ status }).where(eq(orgs.id, org.id)).returning();
  return { org: updated!, key: key.key };
}

/** One verified organisation of every role, the common cast of a test. */
export async function makeCast(t: TestApp) {
  const [producer, seller, logistics, inspector, regulator] = await Promise.all([
    makeOrg(t, ["producer"], { nameZh: "台州黄岩蜜橘合作社" }),
    makeOrg(t, ["seller"], { nameZh: "橘乡网店" }),
    makeOrg(t, ["logistics"], { nameZh: "顺路快递" }),
    makeOrg(t, ["inspector"], { nameZh: "台州市食品检验所" }),
    makeOrg(t, ["regulator"], { nameZh: "台州市市场监督管理局" }),
  ]);
  return {
    producer: producer!,
    seller: seller!,
    logistics: logistics!,
    inspector: inspector!,
    regulator: regulator!,
  };
}
export type Cast = Awaited<ReturnType<typeof makeCast>>;

export const MEMBER_PASSWORD = "correct horse battery";
let members = 0;

/** A member of `org` who can log in to the console with MEMBER_PASSWORD. */
export async function makeMember(
  t: TestApp,
  org: Org,
  options: { role?: "owner" | "staff"; displayName?: string } = {},
) {
  const email = `member${++members}.${org.id.slice(0, 8)}@example.cn`;
  const member = await createMember(t.db, t.clock, {
    orgId: org.id,
    login: { email },
    displayName: options.displayName ?? "王经理",
    role: options.role ?? "owner",
    password: MEMBER_PASSWORD,
  });
  return { member, email, password: MEMBER_PASSWORD };
}
