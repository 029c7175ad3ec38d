// drizzle-kit: generates SQL migrations in migrations/ from src/db/schema (never push outside a scratch db).
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./src/db/schema/index.ts",
  out: "./migrations",
  casing: "snake_case",
});
