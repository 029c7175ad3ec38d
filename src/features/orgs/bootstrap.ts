// The first regulator: the one credential that cannot be granted through the API.
import { sql } from "drizzle-orm";
import { apiKeys, orgStatusHistory, orgs } from "../../db/schema";
import type { Db } from "../../db/types";
import type { Clock } from "../../lib/clock";
import { sha256Hex } from "../../lib/crypto";
import { AppError } from "../../lib/errors";
import { WHOLE_COUNTRY } from "./jurisdiction";
import { type IssuedKey, issueApiKey, newId } from "./service";

export interface RegulatorInput {
  nameZh: string;
  uscc?: string;
  regionCode?: string;
  /** What it regulates (GB/T 2260 code); the whole country by default. */
  jurisdiction?: string;
}

/** Creates a verified regulator organisation and a key for it (admin CLI and BOOTSTRAP_REGULATOR_KEY). */
export async function createRegulator(
  db: Db,
  clock: Clock,
  input: RegulatorInput,
  givenKey?: string,
): Promise<{ orgId: string; key: IssuedKey }> {
  return db.transaction(async (tx) => {
    const now = clock.now();
    const id = newId("org");
    await tx.insert(orgs).values({
      id,
      kind: "enterprise",
      uscc: input.uscc ?? null,
      nameZh: input.nameZh,
      roles: ["regulator"],
      regionCode: input.regionCode ?? "330000",
      jurisdiction: input.jurisdiction ?? WHOLE_COUNTRY,
      licences: [],
      status: "verified",
      statusReason: "created by the platform administrator",
      createdAt: now,
      updatedAt: now,
    });
    await tx.insert(orgStatusHistory).values({
      orgId: id,
      fromStatus: null,
      toStatus: "verified",
      reason: "created by the platform administrator",
      at: now,
    });
    return { orgId: id, key: await issueApiKey(tx, clock, id, "bootstrap", givenKey) };
  });
}

/** On start: when BOOTSTRAP_REGULATOR_KEY is set and no regulator holds it yet, create one for it. */
export async function ensureBootstrapRegulator(
  db: Db,
  clock: Clock,
  key: string,
): Promise<boolean> {
  const hash = await sha256Hex(key);
  const existing = await db
    .select({ id: apiKeys.id })
    .from(apiKeys)
    .where(sql`${apiKeys.hash} = ${hash}`);
  if (existing.length > 0) return false;
  const regulators = await db
    .select({ id: orgs.id })
    .from(orgs)
    .where(sql`'regulator' = any(${orgs.roles})`)
    .limit(1);
  if (regulators.length > 0) {
    throw new AppError(
      "conflict",
      "BOOTSTRAP_REGULATOR_KEY is set but a regulator already exists; create further keys with `npm run admin -- create-key`",
    );
  }
  await createRegulator(db, clock, { nameZh: "平台监管（初始）" }, key);
  return true;
}
