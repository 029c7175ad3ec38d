// Which requests may read from a replica, what counts as a replica that is down, and the configuration it needs.
import { describe, expect, it } from "vitest";
import { loadConfig } from "../config";
import { isConnectionFailure, readsFromReplica } from "./read-replica";

describe("requests that read from the replica", () => {
  it.each([
    ["GET", "/01/06901234567892/21/ABC"],
    ["HEAD", "/01/06901234567892"],
    ["GET", "/v1/trace/%2F01%2F06901234567892%2F10%2FL1"],
    ["GET", "/v1/history/01/06901234567892/21/ABC"],
    ["GET", "/epcis/events"],
    ["GET", "/epcis/eventTypes/ObjectEvent/events"],
    ["GET", "/epcis/queries/recent/events"],
  ])("%s %s does", (method, path) => {
    expect(readsFromReplica(method, path)).toBe(true);
  });

  it.each([
    ["POST", "/01/06901234567892/21/ABC"],
    ["POST", "/v1/events"],
    ["GET", "/v1/events/123"],
    ["GET", "/epcis/capture/job-1"],
    ["GET", "/epcis/queries"],
    ["GET", "/epcis/eventsXYZ"],
    ["GET", "/console/trace"],
    ["GET", "/v1/me"],
  ])("%s %s does not", (method, path) => {
    expect(readsFromReplica(method, path)).toBe(false);
  });
});

describe("a replica that is down", () => {
  const coded = (code: string) => Object.assign(new Error("failed"), { code });

  it("is told by the driver's connection errors, also when Drizzle wraps them", () => {
    for (const code of ["ECONNREFUSED", "CONNECTION_ENDED", "57P01", "57P03", "08006"]) {
      expect(isConnectionFailure(coded(code))).toBe(true);
      expect(isConnectionFailure(new Error("Failed query", { cause: coded(code) }))).toBe(true);
    }
  });

  it("is not a query that was wrong or a row that broke a rule", () => {
    for (const code of ["42P01", "23505", "22P02"]) {
      expect(isConnectionFailure(coded(code))).toBe(false);
    }
    expect(isConnectionFailure(new Error("no code"))).toBe(false);
    expect(isConnectionFailure("ECONNREFUSED")).toBe(false);
  });
});

describe("DATABASE_REPLICA_URL", () => {
  it("needs its primary in DATABASE_URL", () => {
    expect(() => loadConfig({ DATABASE_REPLICA_URL: "postgres://127.0.0.1:5433/zhuisu" })).toThrow(
      /DATABASE_REPLICA_URL: a replica needs its primary in DATABASE_URL/,
    );
    const config = loadConfig({
      DATABASE_URL: "postgres://127.0.0.1:5432/zhuisu",
      DATABASE_REPLICA_URL: "postgres://127.0.0.1:5433/zhuisu",
    });
    expect(config.DATABASE_REPLICA_URL).toBe("postgres://127.0.0.1:5433/zhuisu");
  });
});
