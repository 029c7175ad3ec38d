// What every EPCIS route shares: version headers, discovery (OPTIONS), who may read, the EPC format asked for.
import type { Context, Next } from "hono";
import { type Caller, requireCaller } from "../../lib/auth";
import type { AppEnv } from "../../lib/context";
import { AppError } from "../../lib/errors";
import { CAPTURE_LIMIT } from "./capture";
import { DEFAULT_EPC_FORMAT, EPC_FORMATS, type EpcFormat } from "./format";
import { CBV_XML_FORMATS, type CbvXmlFormat } from "./xml/to-xml";

export const EPCIS_VERSION = "2.0.0";
export const CBV_VERSION = "2.0.0";

/** Major.minor of a version header, for comparison ("2.0.0" → 2.0). */
function version(value: string, header: string): number {
  const m = /^(\d+)(?:\.(\d+))?(?:\.\d+)*$/.exec(value.trim());
  if (!m) {
    throw new AppError(
      "not_acceptable",
      `${header} must be a version such as 2.0.0 (got '${value}')`,
      {
        epcisException: "epcisException:NotAcceptableException",
      },
    );
  }
  return Number(m[1]) + Number(m[2] ?? 0) / 100;
}

const SUPPORTED = 2;

/**
 * Sets GS1-EPCIS-Version and GS1-CBV-Version on every EPCIS response, and refuses (406) a
 * request that asks for versions this repository does not speak.
 */
export async function epcisHeaders(c: Context<AppEnv>, next: Next) {
  const checks: [string, (v: number) => boolean][] = [
    ["GS1-EPCIS-Version", (v) => Math.floor(v) === SUPPORTED],
    ["GS1-EPCIS-Min", (v) => v <= SUPPORTED],
    ["GS1-EPCIS-Max", (v) => v >= SUPPORTED],
    ["GS1-CBV-Version", (v) => Math.floor(v) === SUPPORTED],
    ["GS1-CBV-Min", (v) => v <= SUPPORTED],
    ["GS1-CBV-Max", (v) => v >= SUPPORTED],
  ];
  for (const [header, ok] of checks) {
    const value = c.req.header(header);
    if (value !== undefined && !ok(version(value, header))) {
      throw new AppError(
        "not_acceptable",
        `this repository speaks EPCIS ${EPCIS_VERSION} and CBV ${CBV_VERSION}; ${header}: ${value} excludes them`,
        { epcisException: "epcisException:NotAcceptableException" },
      );
    }
  }
  await next();
  c.res.headers.set("GS1-EPCIS-Version", EPCIS_VERSION);
  c.res.headers.set("GS1-CBV-Version", CBV_VERSION);
}

/** Any organisation with a key may query, unless a regulator suspended or rejected it. */
export async function requireReader(c: Context<AppEnv>): Promise<Caller> {
  const caller = await requireCaller(c);
  if (caller.org.status === "suspended" || caller.org.status === "rejected") {
    throw new AppError(
      "forbidden",
      `organisation ${caller.org.id} is ${caller.org.status} and may not query`,
      {
        epcisException: "epcisException:SecurityException",
        orgStatus: caller.org.status,
      },
    );
  }
  return caller;
}

export function epcFormatOf(c: Context<AppEnv>): EpcFormat {
  const value = c.req.header("GS1-EPC-Format");
  if (value === undefined || value === "") return DEFAULT_EPC_FORMAT;
  if ((EPC_FORMATS as readonly string[]).includes(value)) return value as EpcFormat;
  throw new AppError(
    "not_acceptable",
    `GS1-EPC-Format must be one of ${EPC_FORMATS.join(", ")} (got '${value}')`,
    {
      epcisException: "epcisException:NotAcceptableException",
    },
  );
}

export function cbvXmlFormatOf(c: Context<AppEnv>): CbvXmlFormat {
  const value = c.req.header("GS1-CBV-XML-Format");
  if (value === undefined || value === "") return "No_Preference";
  if ((CBV_XML_FORMATS as readonly string[]).includes(value)) return value as CbvXmlFormat;
  throw new AppError(
    "not_acceptable",
    `GS1-CBV-XML-Format must be one of ${CBV_XML_FORMATS.join(", ")} (got '${value}')`,
    { epcisException: "epcisException:NotAcceptableException" },
  );
}

/**
 * Whether an Accept header prefers EPCIS XML to JSON-LD: an XML type with a higher weight than
 * every JSON type it lists (JSON-LD when neither, or both equally, are named).
 */
export function wantsXml(accept: string | undefined): boolean {
  if (!accept) return false;
  let xml = 0;
  let json = 0;
  for (const part of accept.split(",")) {
    const [type = "", ...params] = part.trim().toLowerCase().split(";");
    const q = Number(
      params
        .map((p) => p.trim())
        .find((p) => p.startsWith("q="))
        ?.slice(2) ?? 1,
    );
    const weight = Number.isFinite(q) ? q : 0;
    if (type === "application/xml" || type === "text/xml") xml = Math.max(xml, weight);
    else if (type === "application/json" || type === "application/ld+json")
      json = Math.max(json, weight);
  }
  return xml > 0 && xml > json;
}

/** Discovery headers of OPTIONS responses. */
export function discoveryHeaders(
  allow: string,
  options: { capture?: { fileSizeLimit: number } } = {},
): Record<string, string> {
  const headers: Record<string, string> = {
    Allow: allow,
    "GS1-EPCIS-Version": EPCIS_VERSION,
    "GS1-EPCIS-Min": EPCIS_VERSION,
    "GS1-EPCIS-Max": EPCIS_VERSION,
    "GS1-CBV-Version": CBV_VERSION,
    "GS1-CBV-Min": CBV_VERSION,
    "GS1-CBV-Max": CBV_VERSION,
    "GS1-EPC-Format": "No_Preference",
    "GS1-Vendor-Version": "zhuisu",
  };
  if (options.capture) {
    headers["GS1-EPCIS-Capture-Limit"] = String(CAPTURE_LIMIT);
    headers["GS1-EPCIS-Capture-File-Size-Limit"] = String(options.capture.fileSizeLimit);
    headers["GS1-Capture-Error-Behaviour"] = "all";
  }
  return headers;
}

export const collection = (member: string[]) => ({
  "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
  type: "Collection",
  member,
});
