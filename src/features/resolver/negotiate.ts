// Content negotiation of the resolver: the page, its JSON, or the linkset, by Accept (and q-values).
export type Representation = "html" | "json" | "linkset";

const OFFERS: { type: string; as: Representation }[] = [
  { type: "text/html", as: "html" },
  { type: "application/xhtml+xml", as: "html" },
  { type: "application/linkset+json", as: "linkset" },
  { type: "application/json", as: "json" },
];

interface Range {
  type: string;
  q: number;
  at: number;
}

function ranges(accept: string): Range[] {
  return accept.split(",").flatMap((part, at) => {
    const [type = "", ...params] = part.trim().toLowerCase().split(";");
    if (!type) return [];
    const qParam = params.find((p) => p.trim().startsWith("q="));
    const q = qParam ? Number(qParam.trim().slice(2)) : 1;
    return Number.isFinite(q) ? [{ type: type.trim(), q, at }] : [];
  });
}

function matches(range: string, type: string): number {
  if (range === type) return 3;
  if (range.endsWith("/*") && type.startsWith(range.slice(0, -1))) return 2;
  return range === "*/*" ? 1 : 0;
}

/**
 * What the client asked for. A browser (text/html first) and a client that says nothing or
 * `*\/*` get the page; `application/json` the page's content; `application/linkset+json` the linkset.
 */
export function negotiate(accept: string | undefined): Representation {
  if (!accept) return "html";
  const parsed = ranges(accept);
  let best: { as: Representation; q: number; specificity: number; at: number } | null = null;
  for (const offer of OFFERS) {
    let chosen: Range | null = null;
    let specificity = 0;
    for (const r of parsed) {
      const m = matches(r.type, offer.type);
      if (m > specificity) {
        specificity = m;
        chosen = r;
      }
    }
    if (!chosen || chosen.q <= 0) continue;
    const better =
      !best ||
      chosen.q > best.q ||
      (chosen.q === best.q && specificity > best.specificity) ||
      (chosen.q === best.q && specificity === best.specificity && chosen.at < best.at);
    if (better) best = { as: offer.as, q: chosen.q, specificity, at: chosen.at };
  }
  return best?.as ?? "html";
}
