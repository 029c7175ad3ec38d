// A PostgreSQL server through postgres.js: production, CI's second run, and the Workers entry.
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import * as schema from "./schema";
import type { Database, DatabaseHandle } from "./types";

export interface PostgresOptions {
  max?: number;
  /**
   * Keep statements prepared per connection (default). Drizzle sends every query unprepared,
   * and postgres.js then asks the server for the parameter types first: two round trips per
   * statement instead of one. Off for poolers that cannot keep named statements.
   */
  prepare?: boolean;
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
  if (options.prepare ?? true) keepPrepared(client);
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

/**
 * Statements with more parameters than this stay unprepared: their text varies with the size of
 * an IN list or a multi-row insert, and each distinct text would stay cached on the connection.
 */
const MAX_PREPARED_PARAMETERS = 64;

type Unsafe = (query: string, parameters?: unknown[], options?: { prepare?: boolean }) => unknown;

/** Makes `unsafe`, which Drizzle calls for every statement, prepare small statements, in transactions too. */
function keepPrepared(sql: postgres.Sql): void {
  const prepareSmall = (target: { unsafe: Unsafe }) => {
    const unsafe = target.unsafe.bind(target);
    target.unsafe = (query, parameters = [], options = {}) =>
      unsafe(query, parameters, {
        ...options,
        prepare: parameters.length > 0 && parameters.length <= MAX_PREPARED_PARAMETERS,
      });
  };
  prepareSmall(sql as unknown as { unsafe: Unsafe });
  const begin = sql.begin.bind(sql) as (...args: unknown[]) => unknown;
  (sql as unknown as { begin: typeof begin }).begin = (...args: unknown[]) => {
    const at = args.findLastIndex((a) => typeof a === "function");
    const body = args[at] as (inner: { unsafe: Unsafe }) => unknown;
    args[at] = (inner: { unsafe: Unsafe }) => {
      prepareSmall(inner);
      return body(inner);
    };
    return begin(...args);
  };
}

/**
 * Opens DATABASE_REPLICA_URL's pool. Not pinged: a replica that is down at start-up only sends
 * its reads to the primary, and one that takes seconds to accept a connection is as good as
 * down (its reads are answered again there).
 */
export function openReplica(url: string, poolSize: number) {
  return openPostgres(url, { max: poolSize, connectTimeoutSeconds: 2 });
}
