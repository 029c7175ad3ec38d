// The one schema of the environment: every variable the service reads, parsed once, failing fast.
import { z } from "zod";

const flag = z
  .enum(["true", "false", "1", "0", "yes", "no"])
  .transform((v) => v === "true" || v === "1" || v === "yes");

const hasHost = (value: string) => {
  try {
    const url = new URL(value);
    return /^postgres(ql)?:$/.test(url.protocol) && url.hostname !== "";
  } catch {
    return false;
  }
};

const databaseUrl = z.string().refine(hasHost, {
  message:
    "must look like postgres://user:password@host:5432/database (the host is missing or the URL is malformed)",
});

export const configSchema = z.object({
  /** TCP port of the HTTP server. */
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Interface to bind; 0.0.0.0 lets a phone on the same network scan the demo codes. */
  HOST: z.string().min(1).default("127.0.0.1"),
  /** Folder of the embedded PGlite database and the demo keys file (used when DATABASE_URL is unset). */
  DATA_DIR: z.string().min(1).default("./data"),
  /** PostgreSQL server to use instead of the embedded database. */
  DATABASE_URL: databaseUrl.optional(),
  /**
   * A streaming replica of DATABASE_URL's server: scans, traces, histories and EPCIS queries
   * read from it (lib/read-replica), and from the primary while it is down.
   */
  DATABASE_REPLICA_URL: databaseUrl.optional(),
  /** Redis that keeps the rate-limit buckets of every node (redis://host:6379); this process's memory when unset. */
  REDIS_URL: z
    .string()
    .refine((v) => /^rediss?:\/\/[^/]/.test(v), { message: "must look like redis://host:6379" })
    .optional(),
  /** Size of the postgres.js connection pool. */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /** Base URL printed into QR codes and links; what a phone must be able to open. */
  PUBLIC_BASE_URL: z.url().optional(),
  /** Name of the Merkle log, the origin line of its signed checkpoints. */
  LOG_ORIGIN: z.string().min(1).optional(),
  /** Largest accepted request body for JSON APIs, in bytes. */
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(1_048_576),
  /** Largest accepted upload (inspection report PDF, EPCIS document), in bytes. */
  UPLOAD_LIMIT_BYTES: z.coerce.number().int().min(1024).default(20_971_520),
  /** debug | info | warn | error | silent. */
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
  /** Seed the demo data into a new embedded database on first start. */
  SEED_DEMO: flag.default(true),
  /** Ed25519 private key (PKCS#8, base64) that signs log checkpoints; generated and kept in the database when unset. */
  SIGNING_KEY: z.string().min(40).optional(),
  /** Secret for keyed hashes of ID numbers, client fingerprints and receipt codes; generated and kept when unset. */
  HASH_SECRET: z.string().min(32).optional(),
  /** A regulator API key to create on start if no regulator exists (bootstrap of the first credential). */
  BOOTSTRAP_REGULATOR_KEY: z
    .string()
    .regex(
      /^zs_[A-Za-z0-9_-]{32,}$/,
      "must look like zs_ followed by at least 32 URL-safe characters",
    )
    .optional(),
  /** Seconds between signed checkpoints while events arrive. */
  CHECKPOINT_INTERVAL_SECONDS: z.coerce.number().min(0.1).max(3600).default(2),
  /**
   * Seconds between passes of the credit refresher, which recomputes the stored summaries pages
   * show once their evidence changed. 0 keeps no summaries: every page computes its grades.
   */
  CREDIT_REFRESH_SECONDS: z.coerce.number().min(0).max(3600).default(10),
  /**
   * Milliseconds a sale of serialised items waits for others to share its transaction (group
   * commit, features/events/sale-batch). 0 gives every sale a transaction of its own.
   */
  GROUP_COMMIT_MS: z.coerce.number().min(0).max(50).default(2),
  /** Minutes a console session may sit unused before it ends. */
  SESSION_IDLE_MINUTES: z.coerce.number().min(1).max(10_080).default(30),
  /** Hours after login when a console session ends, however busy. */
  SESSION_ABSOLUTE_HOURS: z.coerce.number().min(0.1).max(720).default(12),
  /** Wrong passwords in a row after which a member is locked out. */
  LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).max(100).default(5),
  /** Minutes a locked-out member must wait before trying again. */
  LOGIN_LOCK_MINUTES: z.coerce.number().min(1).max(1_440).default(15),
  /** Hours an invitation link stays valid. */
  INVITATION_HOURS: z.coerce.number().min(1).max(720).default(72),
  /** Let EPCIS subscriptions deliver to private, loopback and link-local addresses (closed networks only). */
  SUBSCRIPTION_PRIVATE_DESTINATIONS: flag.default(false),
  /** Comma-separated hosts subscriptions may deliver to whatever they resolve to (e.g. an ERP on the LAN). */
  SUBSCRIPTION_ALLOWED_HOSTS: z
    .string()
    .default("")
    .transform((v) =>
      v
        .split(",")
        .map((h) => h.trim())
        .filter((h) => h !== ""),
    ),
  /** Seconds allowed for in-flight requests after SIGTERM before the process exits anyway. */
  SHUTDOWN_GRACE_SECONDS: z.coerce.number().min(0).max(600).default(10),
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Parses an environment (process.env in Node, bindings in Workers); throws one line per bad variable. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const present = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ""),
  );
  const parsed = configSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`invalid configuration: ${lines.join("; ")}`);
  }
  if (parsed.data.DATABASE_REPLICA_URL && !parsed.data.DATABASE_URL) {
    throw new ConfigError(
      "invalid configuration: DATABASE_REPLICA_URL: a replica needs its primary in DATABASE_URL (the embedded database has none)",
    );
  }
  return parsed.data;
}

/** The name of the Merkle log in its signed checkpoints: the public host by default. */
export function logOrigin(config: Config): string {
  return config.LOG_ORIGIN ?? `${new URL(publicBaseUrl(config)).host}/log`;
}

export function publicBaseUrl(config: Config): string {
  const host = config.HOST === "0.0.0.0" || config.HOST === "::" ? "localhost" : config.HOST;
  return (config.PUBLIC_BASE_URL ?? `http://${host}:${config.PORT}`).replace(/\/+$/, "");
}
