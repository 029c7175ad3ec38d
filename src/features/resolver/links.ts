// The links the resolver holds for each level of an identifier, as GS1 link types and an RFC 9264 linkset.
import { encodeComponent } from "../../codes";
import { epcOf } from "../../ledger/epcis";
import type { LinkTargetT } from "./schemas";

export const GS1_VOC = "https://gs1.org/voc/";

/** The link types this resolver serves (docs/consumer.md; /.well-known/gs1resolver lists them). */
export const LINK_TYPES = {
  pip: "Product information page: the scan page (the default link)",
  certificationInfo: "The latest inspection report of the lot (PDF)",
  recallStatus: "Whether the product, lot or item is recalled, and why",
  traceability: "The history of the identifier: every event, in time order",
  epcis: "The EPCIS 2.0 query for the identifier's events",
  verificationService: "Recompute the hashes of the identifier's history and say what was changed",
  review: "Verified reviews of the product",
  leaveReview: "Leave a review (needs the receipt code of the sale)",
} as const;
export type LinkType = keyof typeof LINK_TYPES;

/**
 * Accepts `gs1:pip`, `https://gs1.org/voc/pip` (and http), or null for anything else;
 * `gs1:defaultLink` names the default link, which is the scan page.
 */
export function parseLinkType(value: string): LinkType | null {
  const name = value.startsWith("gs1:")
    ? value.slice(4)
    : value.replace(/^https?:\/\/gs1\.org\/voc\//, "");
  if (name === value) return null;
  if (name === "defaultLink") return "pip";
  return name in LINK_TYPES ? (name as LinkType) : null;
}

export interface Level {
  level: "product" | "lot" | "item";
  /** Canonical path, e.g. /01/{gtin}/10/{lot}. */
  key: string;
  /** The latest inspection report of the lot, when there is one with a PDF. */
  reportUrl: string | null;
}

export type LevelLinks = Partial<Record<LinkType, LinkTargetT>>;

/** The links of one level; relative hrefs are made absolute with `base`. */
export function linksOf(level: Level, base: string, title: string): LevelLinks {
  const bare = level.key.slice(1);
  const links: LevelLinks = {
    pip: { href: `${base}${level.key}`, title, type: "text/html", hreflang: ["zh", "en"] },
    recallStatus: {
      href: `${base}/v1/recall-status/${bare}`,
      title: "Recall status",
      type: "application/json",
    },
    traceability: {
      href: `${base}/v1/history/${bare}`,
      title: "History",
      type: "application/json",
    },
    epcis: {
      href: `${base}/epcis/epcs/${encodeURIComponent(epcOf(level.key))}/events`,
      title: "EPCIS events",
      type: "application/ld+json",
    },
    verificationService: {
      href: `${base}/v1/verify/${bare}`,
      title: "Verify the history",
      type: "application/json",
    },
  };
  if (level.reportUrl) {
    links.certificationInfo = {
      href: `${base}${level.reportUrl}`,
      title: "Inspection report",
      type: "application/pdf",
    };
  }
  const gtin = /^\/01\/(\d{14})/.exec(level.key)?.[1];
  if (gtin) {
    links.review = {
      href: `${base}/v1/products/${gtin}/reviews`,
      title: "Reviews",
      type: "application/json",
    };
  }
  if (level.level === "item") {
    links.leaveReview = {
      href: `${base}${level.key}#review`,
      title: "Leave a review",
      type: "text/html",
      hreflang: ["zh", "en"],
    };
  }
  return links;
}

/** RFC 9264 linkset: one context object per level, GS1 link type URIs as relation types. */
export function linkset(
  levels: { level: Level; links: LevelLinks; title: string }[],
  base: string,
) {
  return {
    linkset: levels.map(({ level, links, title }) => {
      const context: Record<string, LinkTargetT[] | string> = {
        anchor: `${base}${level.key}`,
        itemDescription: title,
      };
      if (links.pip) context[`${GS1_VOC}defaultLink`] = [links.pip];
      for (const [type, target] of Object.entries(links)) context[`${GS1_VOC}${type}`] = [target];
      return context as { anchor: string } & Record<string, LinkTargetT[] | string>;
    }),
  };
}

/** The paths from the GTIN down to `key`: /01/x, /01/x/10/lot, /01/x/21/sn. */
export function levelKeys(gtin: string, lot: string | undefined, serial: string | undefined) {
  const out: { level: Level["level"]; key: string }[] = [{ level: "product", key: `/01/${gtin}` }];
  if (lot !== undefined) out.push({ level: "lot", key: `/01/${gtin}/10/${encodeComponent(lot)}` });
  if (serial !== undefined)
    out.push({ level: "item", key: `/01/${gtin}/21/${encodeComponent(serial)}` });
  return out;
}

/** Appends the request's query parameters (all but linkType) to a redirect target, before any fragment. */
export function withQuery(target: string, params: URLSearchParams): string {
  const kept = new URLSearchParams(params);
  kept.delete("linkType");
  const query = kept.toString();
  if (!query) return target;
  const hash = target.indexOf("#");
  const [path, fragment] = hash < 0 ? [target, ""] : [target.slice(0, hash), target.slice(hash)];
  return `${path}${path.includes("?") ? "&" : "?"}${query}${fragment}`;
}
