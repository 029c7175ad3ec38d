// Service-wide secrets and settings kept in the database, so every node and the worker share them.
import { pgTable, text, timestamp } from "drizzle-orm/pg-core";

export const serviceSecrets = pgTable("service_secrets", {
  name: text().primaryKey(),
  value: text().notNull(),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});

export type ServiceSecret = typeof serviceSecrets.$inferSelect;
