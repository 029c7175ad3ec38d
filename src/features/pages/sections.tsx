// The parts of the scan page: organisation box, warnings, timeline, review; text is always escaped by JSX.
import type { z } from "@hono/zod-openapi";
import type { ReviewViewT } from "../feedback/schemas";
import type { PublicOrg } from "../orgs/schemas";
import type { ScanViewT, TimelineEntryT } from "../resolver/schemas";
import type { Dict, Lang } from "./i18n";

type Org = z.infer<typeof PublicOrg>;

/** A time as people in China read it: UTC+8, to the minute. */
export const chinaTime = (iso: string) =>
  new Date(new Date(iso).getTime() + 8 * 3_600_000).toISOString().slice(0, 16).replace("T", " ");

export const stars = (n: number) => "★".repeat(n) + "☆".repeat(5 - n);

export function Badges({ org, t }: { org: Org; t: Dict }) {
  return (
    <>
      {org.lists.map((l) => (
        <span class={`badge ${l.list}`} title={`${l.reason} · ${l.authority}`}>
          {l.list === "red" ? t.redList : `${t.blackList}: ${l.reason}`}
        </span>
      ))}
    </>
  );
}

export function OrgBox({ org, t, credit }: { org: Org; t: Dict; credit: boolean }) {
  return (
    <div>
      <p>
        <b>{org.nameZh}</b>{" "}
        <span class={`badge ${org.verified ? "pass" : "fail"}`}>
          {org.verified ? t.verified : t.unverified}
        </span>{" "}
        <Badges org={org} t={t} />
      </p>
      <dl>
        <dt>{org.kind === "enterprise" ? t.uscc : "ID"}</dt>
        <dd>{org.uscc ?? org.personIdMasked ?? ""}</dd>
        {org.licences.length > 0 ? (
          <>
            <dt>{t.licences}</dt>
            <dd>
              {org.licences.map((l) => (
                <div>
                  {l.number} <span class="muted">{t.licenceKinds[l.kind] ?? l.kind}</span>
                </div>
              ))}
            </dd>
          </>
        ) : null}
        {credit ? (
          <>
            <dt>{t.credit}</dt>
            <dd>
              {/* M: not enough evidence yet, which a consumer reads as "not rated". */}
              {org.credit.grade && org.credit.grade !== "M" ? (
                <b>{org.credit.grade}</b>
              ) : (
                <span class="muted">{t.notRated}</span>
              )}
            </dd>
          </>
        ) : null}
      </dl>
    </div>
  );
}

export function Warnings({ view, t }: { view: ScanViewT; t: Dict }) {
  if (view.warnings.length === 0) return null;
  return (
    <section class="warn" role="alert" id="warning">
      {view.warnings.map((w) => {
        switch (w.kind) {
          case "recalled":
            return (
              <div>
                <h2>⚠ {t.warnRecalled}</h2>
                {w.recall ? (
                  <p>
                    {t.warnRecallLevel(w.recall.level)}: {w.recall.reason}
                    <br />
                    {w.recall.instructions}
                    <br />
                    {w.recall.contacts}
                  </p>
                ) : null}
              </div>
            );
          case "non_conforming":
            return <h2>⚠ {t.warnNonConforming}</h2>;
          case "cloned":
            return (
              <div>
                <h2>⚠ {t.warnCloned}</h2>
                <p class="muted">{w.detail}</p>
              </div>
            );
          case "destroyed":
            return <h2>⚠ {t.warnDestroyed}</h2>;
          case "lot_mismatch": {
            const [printed = "", real = ""] = w.detail.split(" ≠ ");
            return <h2>⚠ {t.warnLotMismatch(printed, real)}</h2>;
          }
          default:
            return null;
        }
      })}
    </section>
  );
}

export function Timeline({ entries, t, lang }: { entries: TimelineEntryT[]; t: Dict; lang: Lang }) {
  if (entries.length === 0) return <p class="muted">{t.noEvents}</p>;
  return (
    <ol class="tl">
      {entries.map((e) => (
        <li class={e.correction ? "corrected" : undefined}>
          <b>{t.kinds[e.kind] ?? e.kind}</b> <span class="muted">{chinaTime(e.time)}</span>
          {e.correction ? (
            <span class="badge fixed">
              {t.corrected}
              {e.correction.reason
                ? `: ${t.correctionReasons[e.correction.reason] ?? e.correction.reason}`
                : ""}
            </span>
          ) : null}
          <br />
          {e.actor ? (
            <>
              {e.actor.nameZh}{" "}
              {e.actor.verified ? <span class="badge pass">{t.verified}</span> : null}
            </>
          ) : (
            <>
              {t.consumer}
              {e.confirmedByBuyer ? ` · ${t.confirmedByBuyer}` : ""}
            </>
          )}
          {e.location ? (
            <span class="muted">
              {" "}
              · {(lang === "en" ? e.location.en : e.location.zh) ?? e.location.name}
            </span>
          ) : e.place.length > 0 ? (
            <span class="muted"> · {e.place.join(" ")}</span>
          ) : null}
          {e.destination && e.destination.length > 0 ? (
            <span class="muted">
              {" "}
              → {t.to} {e.destination.join(" ")}
            </span>
          ) : null}
          {e.correction?.note ? <div class="muted">{e.correction.note}</div> : null}
        </li>
      ))}
    </ol>
  );
}

export function Review({ r, t }: { r: ReviewViewT; t: Dict }) {
  return (
    <li>
      {r.kind === "follow_up" ? (
        <b>{t.followUp} </b>
      ) : (
        <span class="stars">{stars(r.rating ?? 0)} </span>
      )}
      <span class="badge pass">{t.verifiedPurchase}</span>{" "}
      <span class="muted">{chinaTime(r.createdAt).slice(0, 10)}</span>
      <p>{r.text}</p>
      {r.sellerReply ? (
        <p class="muted">
          {t.sellerReply}: {r.sellerReply}
        </p>
      ) : null}
    </li>
  );
}
