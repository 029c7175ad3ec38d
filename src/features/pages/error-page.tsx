// Pages for codes that cannot be shown: malformed (400), not registered (404), too many requests (429).
import type { CodeError } from "../../codes";
import type { Dict } from "./i18n";
import { Layout } from "./layout";

export interface ErrorPageProps {
  t: Dict;
  switchHref: string;
  kind: "bad_code" | "not_registered" | "rate_limited";
  /** The English detail of the problem (parser message, what is missing). */
  detail: string;
  codeError?: CodeError;
  requestId: string;
}

export function ErrorPage({ t, switchHref, kind, detail, codeError, requestId }: ErrorPageProps) {
  const title =
    kind === "bad_code"
      ? t.badCodeTitle
      : kind === "not_registered"
        ? t.notFoundTitle
        : t.rateLimitedTitle;
  return (
    <Layout t={t} title={`${title} · ${t.site}`} switchHref={switchHref}>
      <section class={kind === "rate_limited" ? "note" : "warn"} role="alert">
        <h1>{title}</h1>
        {kind === "not_registered" ? <h2>⚠ {t.warnNotRegistered}</h2> : null}
        {kind === "bad_code" ? <p>{t.badCode}</p> : null}
        <p>
          <b>{t.whatIsWrong}:</b> {detail}
        </p>
        {codeError ? (
          <dl>
            {codeError.ai ? (
              <>
                <dt>{t.ai}</dt>
                <dd>({codeError.ai})</dd>
              </>
            ) : null}
            {codeError.position !== undefined ? (
              <>
                <dt>{t.position}</dt>
                <dd>{codeError.position}</dd>
              </>
            ) : null}
            {codeError.expected ? (
              <>
                <dt>{t.expected}</dt>
                <dd>{codeError.expected}</dd>
              </>
            ) : null}
          </dl>
        ) : null}
        <p class="muted">{requestId}</p>
      </section>
    </Layout>
  );
}
