// Turning a scan into an HTML response: the view, the receipt panel, messages, headers (CSP, Link, no caching).
import type { Context } from "hono";
import type { CodeError } from "../../codes";
import { publicBaseUrl } from "../../config";
import type { AppEnv } from "../../lib/context";
import { AppError } from "../../lib/errors";
import { receiptProgress } from "../feedback/read";
import { checkReceipt } from "../feedback/receipt-guard";
import { REVIEW_MAX_CHARS } from "../feedback/schemas";
import type { ScanViewT } from "../resolver/schemas";
import type { Resolved } from "../resolver/view";
import { clientFingerprint } from "../scans/fingerprint";
import { contentSecurityPolicy } from "./assets";
import { ErrorPage } from "./error-page";
import { type Dict, dict, type Lang } from "./i18n";
import { renderPage } from "./layout";
import { type PageMessage, type ReceiptPanel, ScanPage } from "./scan-page";

/** The same page in the other language: the visible switch. */
export function switchHref(path: string, params: URLSearchParams, lang: Lang): string {
  const next = new URLSearchParams(params);
  next.delete("done");
  next.set("lang", lang === "zh" ? "en" : "zh");
  return `${path}?${next.toString()}`;
}

export function linksetHref(path: string): string {
  return `${path}?linkType=linkset`;
}

/** Headers of every resolver answer: where its linkset is, and what the answer varies by. */
export function resolverHeaders(c: Context<AppEnv>, key: string): Record<string, string> {
  const base = publicBaseUrl(c.var.deps.config);
  return {
    Link: `<${base}${key}?linkType=linkset>; rel="linkset"; type="application/linkset+json"`,
    Vary: "Accept, Accept-Language",
  };
}

async function htmlResponse(
  c: Context<AppEnv>,
  html: string,
  status: number,
  headers: Record<string, string>,
): Promise<Response> {
  const out = new Headers(headers);
  out.set("Content-Type", "text/html; charset=utf-8");
  out.set("Content-Security-Policy", await contentSecurityPolicy());
  // Each view is a scan (counted) and may carry a receipt code: never cached, never stored.
  out.set("Cache-Control", "no-store");
  out.set("Referrer-Policy", "no-referrer");
  return new Response(c.req.method === "HEAD" ? null : html, { status, headers: out });
}

/** A failure, in the visitor's language. */
export function pageMessage(t: Dict, error: AppError): PageMessage {
  const extras = error.extras as Record<string, unknown>;
  const reason = typeof extras.reason === "string" ? extras.reason : "";
  const wait = typeof extras.retryAfter === "number" ? extras.retryAfter : 60;
  const text = (() => {
    switch (error.code) {
      case "rate_limited":
        return reason === "item_locked" || reason === "client_locked"
          ? t.errors.item_locked(wait)
          : t.errors.rate_limited(wait);
      case "not_found":
        return reason === "wrong_receipt"
          ? t.errors.wrong_receipt(Number(extras.triesLeft ?? 0))
          : t.errors.generic;
      case "conflict":
      case "custody_violation": {
        if (reason in t.errors) return (t.errors as Record<string, unknown>)[reason] as string;
        if (extras.rule === "sign_off_needs_dispatch") return t.errors.not_dispatched;
        if (/already confirmed/.test(error.detail)) return t.errors.already_confirmed;
        return t.errors.generic;
      }
      case "validation_failed": {
        const first = Array.isArray(extras.errors)
          ? (extras.errors[0] as { path?: string; code?: string; message?: string })
          : undefined;
        const path = first?.path ?? "";
        if (path.endsWith("rating")) return t.errors.rating;
        if (path.endsWith("receiptCode")) return t.errors.receipt_missing;
        if (first?.code === "too_big")
          return t.errors.too_long(path.endsWith("text") ? REVIEW_MAX_CHARS : 100);
        if (first?.code === "too_small") return t.errors.empty;
        if (/plain text/.test(first?.message ?? "")) return t.errors.markup;
        return t.errors.invalid;
      }
      default:
        return t.errors.generic;
    }
  })();
  return { kind: "error", text };
}

export interface ScanPageInput {
  lang: Lang;
  path: string;
  params: URLSearchParams;
  resolved: Resolved;
  view: ScanViewT;
  receiptCode: string | null;
  message: PageMessage | null;
  /** Check the receipt code (and count it if wrong); false when the caller knows it is bad. */
  checkCode: boolean;
  form?: Record<string, string>;
  status?: number;
  headers?: Record<string, string>;
}

async function receiptPanel(
  c: Context<AppEnv>,
  input: ScanPageInput,
  t: Dict,
): Promise<{ panel: ReceiptPanel | null; message: PageMessage | null }> {
  const { item } = input.resolved;
  const code = input.receiptCode;
  if (!code || !item) return { panel: null, message: null };
  if (!input.checkCode) return { panel: { code, progress: null }, message: null };
  const { db, secrets, clock } = c.var.deps;
  try {
    const receipt = await checkReceipt(
      db,
      { hashSecret: secrets.hashSecret, now: clock.now(), fingerprint: await clientFingerprint(c) },
      { id: item.id, key: input.resolved.code.key },
      code,
    );
    if (receipt.closedAt) {
      return {
        panel: { code, progress: null },
        message: { kind: "error", text: t.errors.sale_returned },
      };
    }
    return { panel: { code, progress: await receiptProgress(db, receipt) }, message: null };
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return { panel: { code, progress: null }, message: pageMessage(t, error) };
  }
}

export async function scanPageResponse(
  c: Context<AppEnv>,
  input: ScanPageInput,
): Promise<Response> {
  const t = dict[input.lang];
  const { panel, message } = await receiptPanel(c, input, t);
  const done = input.params.get("done");
  const shown =
    input.message ??
    message ??
    (done && t.done[done] ? { kind: "ok" as const, text: t.done[done] } : null);
  const html = await renderPage(
    ScanPage({
      view: input.view,
      t,
      lang: input.lang,
      path: input.path,
      switchHref: switchHref(input.path, input.params, input.lang),
      linksetHref: linksetHref(input.path),
      receipt: panel,
      message: shown,
      ...(input.form ? { form: input.form } : {}),
    }),
  );
  return htmlResponse(c, html, input.status ?? 200, {
    ...resolverHeaders(c, input.view.key),
    ...input.headers,
  });
}

export async function errorPageResponse(
  c: Context<AppEnv>,
  input: {
    lang: Lang;
    path: string;
    params: URLSearchParams;
    kind: "bad_code" | "not_registered" | "rate_limited";
    detail: string;
    status: number;
    codeError?: CodeError;
    headers?: Record<string, string>;
  },
): Promise<Response> {
  const t = dict[input.lang];
  const html = await renderPage(
    ErrorPage({
      t,
      switchHref: switchHref(input.path, input.params, input.lang),
      kind: input.kind,
      detail: input.detail,
      ...(input.codeError ? { codeError: input.codeError } : {}),
      requestId: c.var.requestId,
    }),
  );
  return htmlResponse(c, html, input.status, { Vary: "Accept, Accept-Language", ...input.headers });
}
