// The typed context every handler sees: dependencies injected by createApp, never imported.
import type { UpgradeWebSocket } from "hono/ws";
import type { Config } from "../config";

import type { Database } from "../db/types";
import type { XmlSchemaValidator } from "../features/epcis/xml/schema";
import type { SaleBatcher } from "../features/events/sale-batch";
import type { ScanWriter } from "../features/scans/service";
import type { Clock } from "./clock";
import type { Logger } from "./logger";
import type { RateLimitStore } from "./rate-limit";
import type { ReplicaRouting } from "./read-replica";
import type { ServiceSecrets } from "./secrets";

export interface AppDeps {
  db: Database;
  /** Which database is behind `db`; some features (row locks, advisory locks) differ. */
  dbKind: "pglite" | "postgres";
  /** Throws when the database is unreachable (readiness). */
  ping(): Promise<void>;
  config: Config;
  clock: Clock;
  logger: Logger;
  secrets: ServiceSecrets;
  /** URL of the Scalar standalone bundle; served locally by the Node entry so /docs works offline. */
  scalarBundleUrl?: string;
  /** Static files under /assets/; absent in Workers, where pages inline their CSS. */
  loadAsset?: (path: string) => Promise<{ body: Uint8Array; contentType: string } | null>;
  /** XSD validation of EPCIS XML (libxml2 in WebAssembly); absent in Workers, where XML capture is a 501. */
  xmlValidator?: XmlSchemaValidator;
  /** Resolves a host name to its addresses (node:dns), to keep deliveries off private networks. */
  resolveHost?: (host: string) => Promise<string[]>;
  /** Accepts WebSocket upgrades (the Node entry); absent elsewhere, where WebSocket subscriptions are a 501. */
  upgradeWebSocket?: UpgradeWebSocket;
  /** Where rate-limit buckets live across nodes (Redis, with REDIS_URL); this process's memory when absent. */
  rateLimitStore?: RateLimitStore;
  /** A streaming replica for the public reads (DATABASE_REPLICA_URL; lib/read-replica). */
  replica?: ReplicaRouting;
  /**
   * Set while a request reads from the replica (`db` is then the replica's): where the few writes
   * such a request makes go, a scan's record. Absent otherwise: `db` takes writes.
   */
  writeDb?: Database;
  /**
   * Group commit of item sales (GROUP_COMMIT_MS); createApp makes one on `db` when absent. With
   * none, each sale has a transaction of its own.
   */
  sales?: SaleBatcher;
  /**
   * The batched writer of scan records on the primary (GROUP_COMMIT_MS); createApp makes one
   * when absent. With none, each scan is written by itself.
   */
  scans?: ScanWriter;
}

export interface AppEnv {
  Variables: {
    requestId: string;
    deps: AppDeps;
  };
}
