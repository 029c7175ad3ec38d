// The service's own secrets: taken from configuration, or generated once and kept in the database.
import { eq } from "drizzle-orm";
import type { Config } from "../config";
import { serviceSecrets } from "../db/schema";
import type { Db } from "../db/types";
import { randomString } from "./random";

export interface ServiceSecrets {
  /** Secret of the keyed hashes (ID numbers, client fingerprints, receipt codes, buyer refs). */
  hashSecret: string;
}

async function keep(db: Db, name: string, make: () => string): Promise<string> {
  await db.insert(serviceSecrets).values({ name, value: make() }).onConflictDoNothing();
  const [row] = await db.select().from(serviceSecrets).where(eq(serviceSecrets.name, name));
  if (!row) throw new Error(`service secret ${name} could not be kept`);
  return row.value;
}

export async function loadServiceSecrets(db: Db, config: Config): Promise<ServiceSecrets> {
  return {
    hashSecret: config.HASH_SECRET ?? (await keep(db, "hash_secret", () => randomString(48))),
  };
}
