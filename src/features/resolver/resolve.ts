// From a scanned URL to what it names: parse the Digital Link path, then find product, lot and item.
import { type CodeError, type Gs1Code, parseCode, parseDigitalLinkPath } from "../../codes";
import type { Product } from "../../db/schema";
import type { Db } from "../../db/types";
import { resolveCode } from "../products/service";
import type { Resolved } from "./view";

export type Parsed = { ok: true; code: Gs1Code } | { ok: false; error: CodeError };

/** Parses `/01/{gtin}[/10/{lot}][/21/{serial}]?{attributes}`; nothing may come before the key. */
export function parseScanPath(path: string, search: string): Parsed {
  const input = search ? `${path}?${search}` : path;
  const dl = parseDigitalLinkPath(input, { gbt33993: false });
  if (!dl.ok) return { ok: false, error: dl.error };
  if (dl.value.stem !== "") {
    return {
      ok: false,
      error: {
        code: "bad_syntax",
        message: `unexpected path before the primary key: ${dl.value.stem}`,
        got: dl.value.stem,
      },
    };
  }
  const parsed = parseCode(input, { gbt33993: false });
  if (!parsed.ok) return { ok: false, error: parsed.error };
  if (parsed.value.kind !== "gs1" || !parsed.value.gtin) {
    return {
      ok: false,
      error: { code: "missing_primary_key", message: "not a GTIN-based Digital Link" },
    };
  }
  return { ok: true, code: parsed.value };
}

export type Resolution =
  | { found: true; resolved: Resolved }
  | { found: false; missing: string; product: Product | null };

export async function resolveScan(db: Db, code: Gs1Code): Promise<Resolution> {
  const r = await resolveCode(db, code);
  if (r.missing || !r.product)
    return { found: false, missing: r.missing ?? code.key, product: r.product ?? null };
  return {
    found: true,
    resolved: {
      code,
      product: r.product,
      ...(r.lot ? { lot: r.lot } : {}),
      ...(r.item ? { item: r.item } : {}),
    },
  };
}
