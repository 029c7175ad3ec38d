// Counting the SQL statements a request sends: a guard against round trips creeping back into hot paths.
import type { TestApp } from "./app";

type Method = (...args: unknown[]) => unknown;

/**
 * Counts the statements the app sends, at the driver under Drizzle: PGlite's `query`, and
 * postgres.js's `unsafe`, inside transactions too; a transaction adds its BEGIN and COMMIT.
 */
export function countStatements(db: TestApp["db"]): {
  readonly n: number;
  /** The start of each statement, so that a failing count says which statements were sent. */
  readonly sent: string[];
  stop(): void;
} {
  const driver = (db as unknown as { session: { client: Record<string, Method> } }).session.client;
  const state = { n: 0, sent: [] as string[] };
  const originals: [string, Method][] = [];
  const countCalls = (target: Record<string, Method>, inTransaction: boolean) => {
    for (const name of ["query", "unsafe"]) {
      const original = target[name];
      if (typeof original !== "function") continue;
      if (!inTransaction) originals.push([name, original]);
      target[name] = function (this: unknown, ...args: unknown[]) {
        // postgres.js sends its BEGIN through `unsafe`: it is counted with the transaction.
        if (/^(begin|commit|rollback)\b/i.test(String(args[0]).trim()))
          return original.apply(this, args);
        state.n += 1;
        state.sent.push(String(args[0]).trim().slice(0, 80));
        return original.apply(this, args);
      };
    }
  };
  countCalls(driver, false);
  for (const name of ["transaction", "begin"]) {
    const original = driver[name];
    if (typeof original !== "function") continue;
    originals.push([name, original]);
    // The transaction's own client (PGlite's Transaction, postgres.js's scoped sql) is counted too.
    driver[name] = function (this: unknown, ...args: unknown[]) {
      state.n += 2;
      state.sent.push("begin … commit");
      const at = args.findLastIndex((a) => typeof a === "function");
      const body = args[at] as (inner: Record<string, Method>) => unknown;
      args[at] = (inner: Record<string, Method>) => {
        countCalls(inner, true);
        return body(inner);
      };
      return original.apply(this, args);
    };
  }
  return {
    get n() {
      return state.n;
    },
    get sent() {
      return state.sent;
    },
    stop() {
      for (const [name, original] of originals) driver[name] = original;
    },
  };
}
