// The service's own secrets: taken from configuration, or generated once and kept in the database.
import { eq } from "drizzle-orm";
import type { Config } from "../config";
import { serviceSecrets } from "../db/schema";
import type { Db } from "../db/types";
import { generateSigningKey, importSigningKey, type SigningKey } from "../ledger/checkpoint";
import { randomString } from "./random";

export interface ServiceSecrets {
  /** Secret of the keyed hashes (ID numbers, client fingerprints, receipt codes, buyer refs). */
  hashSecret: string;
  /** Ed25519 key that signs the log's checkpoints. */
  signingKey: SigningKey;
}

async function keep(db: Db, name: string, make: () => string | Promise<string>): Promise<string> {
  await db
    .insert(serviceSecrets)
    .values({ name, value: await make() })
    .onConflictDoNothing();
  const [row] = await db.select().from(serviceSecrets).where(eq(serviceSecrets.name, name));
  if (!row) throw new Error(`service secret ${name} could not be kept`);
  return row.value;
}

export async function loadServiceSecrets(db: Db, config: Config): Promise<ServiceSecrets> {
  const pkcs8 =
    config.SIGNING_KEY ??
    (await keep(db, "log_signing_key", async () => (await generateSigningKey()).privateKeyPkcs8));
  return {
    hashSecret: config.HASH_SECRET ?? (await keep(db, "hash_secret", () => randomString(48))),
    signingKey: await importSigningKey(pkcs8),
  };
}
