// A PostgreSQL server through postgres.js: production, CI's second run, and the Workers entry.
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import * as schema from "./schema";
import type { Database, DatabaseHandle } from "./types";

export interface PostgresOptions {
  max?: number;
  /** Workers cannot keep sockets between requests; a short idle timeout lets them close. */
  idleTimeoutSeconds?: number;
  connectTimeoutSeconds?: number;
}

export function openPostgres(url: string, options: PostgresOptions = {}): DatabaseHandle {
  const client = postgres(url, {
    max: options.max ?? 10,
    idle_timeout: options.idleTimeoutSeconds ?? 30,
    connect_timeout: options.connectTimeoutSeconds ?? 10,
    onnotice: () => {},
    // Dates are handled by drizzle; keep bigint sums as strings rather than losing precision.
    types: { bigint: postgres.BigInt },
  });
  const db = drizzle({ client, schema, casing: "snake_case" }) as unknown as Database;
  return {
    db,
    kind: "postgres",
    ping: async () => {
      await client`select 1`;
    },
    close: () => client.end({ timeout: 5 }),
  };
}
