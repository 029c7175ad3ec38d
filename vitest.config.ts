// Test runner setup: one migrated PGlite template per run (globalSetup), cloned per test file.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    // Workers are reused across files so that each keeps its compiled PGlite WASM and template.
    isolate: false,
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ["default"],
  },
});
