// The buyer's forms under a receipt code: plain HTML posts that work without JavaScript.
import { COMPLAINT_CATEGORIES, REVIEW_MAX_CHARS } from "../feedback/schemas";
import type { Lang } from "./i18n";
import type { ReceiptPanel, ScanPageProps } from "./scan-page";

export function Hidden({ receipt, lang }: { receipt: string; lang: Lang }) {
  return (
    <>
      <input type="hidden" name="receipt" value={receipt} />
      <input type="hidden" name="lang" value={lang} />
    </>
  );
}

export function ReceiptActions(props: ScanPageProps & { receipt: ReceiptPanel }) {
  const { t, lang, path, receipt, view, form = {} } = props;
  const state = view.item?.state ?? "";
  const p = receipt.progress;
  return (
    <section id="review">
      <h2>{t.yourReceipt}</h2>
      <p class="muted">{t.receiptHint}</p>
      {p && !p.confirmed && (state === "dispatched" || state === "delivered") ? (
        <form method="post" action={`${path}/confirm`}>
          <Hidden receipt={receipt.code} lang={lang} />
          <p class="muted">{t.confirmHint}</p>
          <button type="submit">{t.confirm}</button>
        </form>
      ) : null}
      {p && !p.reviewed && state === "delivered" ? (
        <form method="post" action={`${path}/review`}>
          <Hidden receipt={receipt.code} lang={lang} />
          <h2>{t.review}</h2>
          <fieldset>
            <legend>{t.rating}</legend>
            {[5, 4, 3, 2, 1].map((n) => (
              <label>
                <input
                  type="radio"
                  name="rating"
                  value={String(n)}
                  required
                  checked={form.rating === String(n)}
                />{" "}
                {t.stars(n)}
              </label>
            ))}
          </fieldset>
          <label for="review-text">{t.text}</label>
          <textarea id="review-text" name="text" required maxlength={REVIEW_MAX_CHARS}>
            {form.kind === "review" ? (form.text ?? "") : ""}
          </textarea>
          <button type="submit">{t.submitReview}</button>
        </form>
      ) : null}
      {p?.reviewed && !p.followedUp && state === "delivered" ? (
        <form method="post" action={`${path}/follow-up`}>
          <Hidden receipt={receipt.code} lang={lang} />
          <label for="follow-text">{t.followUp}</label>
          <textarea id="follow-text" name="text" required maxlength={REVIEW_MAX_CHARS}>
            {form.kind === "follow-up" ? (form.text ?? "") : ""}
          </textarea>
          <button type="submit">{t.followUpSubmit}</button>
        </form>
      ) : null}
      {p ? (
        <details open={form.kind === "complain"}>
          <summary>{t.complain}</summary>
          <form method="post" action={`${path}/complain`}>
            <Hidden receipt={receipt.code} lang={lang} />
            <label for="complaint-category">{t.complaintCategory}</label>
            <select id="complaint-category" name="category" required>
              {COMPLAINT_CATEGORIES.map((c) => (
                <option value={c} selected={form.category === c}>
                  {t.complaintCategories[c] ?? c}
                </option>
              ))}
            </select>
            <label for="complaint-text">{t.text}</label>
            <textarea id="complaint-text" name="text" required maxlength={2000}>
              {form.kind === "complain" ? (form.text ?? "") : ""}
            </textarea>
            <label for="complaint-contact">{t.contact}</label>
            <input
              id="complaint-contact"
              name="contact"
              maxlength={100}
              value={form.contact ?? ""}
            />
            <button type="submit">{t.submitComplaint}</button>
          </form>
        </details>
      ) : null}
    </section>
  );
}
