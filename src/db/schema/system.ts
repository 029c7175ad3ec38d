// Service-wide secrets and settings kept in the database, so every node and the worker share them.
import { pgTable, text, timestamp } from "drizzle-orm/pg-core";

export const serviceSecrets = pgTable("service_secrets", {
  name: text().primaryKey(),
  value: text().notNull(),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});

export type ServiceSecret = typeof serviceSecrets.$inferSelect;

/**
 * When each periodic job (the window-based alert rules) last started, on any node: every node
 * runs the timer, and the first to claim a period runs the job for it (db/periodic).
 */
export const periodicRuns = pgTable("periodic_runs", {
  name: text().primaryKey(),
  lastStartedAt: timestamp({ withTimezone: true, mode: "date" }).notNull(),
});
