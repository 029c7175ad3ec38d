// The scan page: warning, product, origin, dates, reports, timeline, seller, receipt actions, reviews, scans.
import type { ScanViewT } from "../resolver/schemas";
import type { Dict, Lang } from "./i18n";
import { Layout } from "./layout";
import { Hidden, ReceiptActions } from "./receipt-forms";
import { chinaTime, OrgBox, Review, stars, Timeline, Warnings } from "./sections";

export interface ReceiptPanel {
  code: string;
  /** What the receipt still allows; null when the code could not be checked (see the message). */
  progress: { confirmed: boolean; reviewed: boolean; followedUp: boolean } | null;
}

export interface PageMessage {
  kind: "ok" | "error";
  text: string;
}

export interface ScanPageProps {
  view: ScanViewT;
  t: Dict;
  lang: Lang;
  /** The path the code was scanned as; the forms post below it. */
  path: string;
  switchHref: string;
  linksetHref: string;
  receipt: ReceiptPanel | null;
  message: PageMessage | null;
  /** What the user typed, kept when a form comes back with an error. */
  form?: Record<string, string>;
}

export function ScanPage(props: ScanPageProps) {
  const { view, t, lang, message, receipt } = props;
  const name = lang === "en" && view.product.nameEn ? view.product.nameEn : view.product.nameZh;
  const producer = view.origin.producer;
  return (
    <Layout
      t={t}
      title={`${name} · ${t.site}`}
      switchHref={props.switchHref}
      script={view.level === "item"}
    >
      <Warnings view={view} t={t} />
      {message ? (
        <section
          class={message.kind === "ok" ? "ok" : "err"}
          role={message.kind === "ok" ? "status" : "alert"}
          id="message"
        >
          {message.text}
        </section>
      ) : null}
      <section id="product">
        {view.product.imageUrl ? (
          <img src={view.product.imageUrl} alt={name} width={320} height={240} loading="lazy" />
        ) : null}
        <h1>{name}</h1>
        <p>
          <span class="badge">
            {t.category[view.product.category as keyof Dict["category"]] ?? view.product.category}
          </span>{" "}
          <span class="muted">
            GTIN {view.product.gtin}
            {view.lot ? ` · ${t.lot} ${view.lot.lot}` : ""}
            {view.item ? ` · ${t.serial} ${view.item.serial}` : ""}
          </span>
        </p>
        <dl>
          {view.product.specification ? (
            <>
              <dt>{t.spec}</dt>
              <dd>{view.product.specification}</dd>
            </>
          ) : null}
          {view.product.licences.length > 0 ? (
            <>
              <dt>{t.licences}</dt>
              <dd>
                {view.product.licences.map((l) => (
                  <div>
                    {l.number} <span class="muted">{t.licenceKinds[l.kind] ?? l.kind}</span>
                  </div>
                ))}
              </dd>
            </>
          ) : null}
        </dl>
      </section>
      <section id="origin">
        <h2>{t.origin}</h2>
        <p>
          {view.origin.region?.names.join(" ") ?? ""}
          {view.origin.place ? ` · ${view.origin.place}` : ""}
        </p>
        <h2>{t.producer}</h2>
        <OrgBox org={producer} t={t} credit={false} />
      </section>
      {view.lot ? (
        <section id="dates" class={view.expired ? "note" : undefined}>
          <h2>{t.dates}</h2>
          <dl>
            <dt>{t.produced}</dt>
            <dd>{view.lot.productionDate ?? t.unknown}</dd>
            <dt>{t.expires}</dt>
            <dd>
              {view.lot.expiryDate ?? t.unknown}
              {view.expired ? <b> · {t.noteExpired}</b> : null}
            </dd>
          </dl>
        </section>
      ) : null}
      <section id="inspections">
        <h2>{t.inspections}</h2>
        {view.inspections.length === 0 ? <p class="muted">{t.noInspections}</p> : null}
        <ul>
          {view.inspections.map((i) => (
            <li>
              <span class={`badge ${i.conclusion}`}>
                {i.conclusion === "pass" ? t.pass : t.fail}
              </span>{" "}
              {i.laboratory.nameZh} <span class="muted">{i.issueDate}</span>
              <br />
              <span class="muted">
                {t.reportNo} {i.reportNumber}
                {view.level === "product" ? ` · ${t.lot} ${i.lot}` : ""}
              </span>{" "}
              {i.reportUrl ? <a href={i.reportUrl}>{t.report} (PDF)</a> : null}
            </li>
          ))}
        </ul>
      </section>
      <section id="timeline">
        <h2>{t.timeline}</h2>
        <Timeline entries={view.timeline} t={t} lang={lang} />
      </section>
      <section id="seller">
        <h2>{view.sellers.length > 1 ? t.sellers : t.seller}</h2>
        {view.sellers.length === 0 ? <p class="muted">{t.noSeller}</p> : null}
        {view.sellers.map((s) => (
          <OrgBox org={s} t={t} credit={true} />
        ))}
      </section>
      {receipt && view.item ? <ReceiptActions {...props} receipt={receipt} /> : null}
      <section id="reviews">
        <h2>{t.reviews}</h2>
        {view.reviews.summary.count > 0 && view.reviews.summary.average !== null ? (
          <p>
            <span class="stars">{stars(Math.round(view.reviews.summary.average))}</span>{" "}
            {t.average(view.reviews.summary.average.toFixed(1), view.reviews.summary.count)}
          </p>
        ) : (
          <p class="muted">{t.noReviews}</p>
        )}
        <ul>
          {view.reviews.latest.map((r) => (
            <Review r={r} t={t} />
          ))}
        </ul>
      </section>
      {view.scans ? (
        <section id="scans">
          <h2>{t.scans}</h2>
          <p>
            {t.scanCount(view.scans.count, view.scans.firstAt ? chinaTime(view.scans.firstAt) : "")}
          </p>
          <form data-geo hidden method="post" action={`${props.path}/locate`}>
            <input type="hidden" name="lat" value="" />
            <input type="hidden" name="lon" value="" />
            {receipt ? (
              <Hidden receipt={receipt.code} lang={lang} />
            ) : (
              <input type="hidden" name="lang" value={lang} />
            )}
            <p class="muted">{t.shareLocation}</p>
            <button type="submit">{t.shareButton}</button>
          </form>
        </section>
      ) : null}
      <footer>
        <a href={props.linksetHref}>{t.linkset}</a> ·{" "}
        <a href={`/v1/history${view.key}`}>{t.history}</a> · {view.key}
      </footer>
    </Layout>
  );
}
