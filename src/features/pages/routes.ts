// The scan page's forms, working without JavaScript: confirm, review, follow-up, complain, share location.
// Each posts to /01/…/{action}, calls the same service as the JSON API, and answers 303 back to the
// page with a message, or the page again with the error and what the user typed.
import type { Context } from "hono";
import type { ZodError } from "zod";
import { publicBaseUrl } from "../../config";
import type { AppEnv } from "../../lib/context";
import { AppError } from "../../lib/errors";
import { createRouter, validationError } from "../../lib/router";
import { fileComplaint } from "../feedback/complaints";
import { confirmReceiptGuarded } from "../feedback/receipt-guard";
import { ComplaintBody, FollowUpBody, ReviewBody } from "../feedback/schemas";
import { submitFollowUp, submitReview } from "../feedback/service";
import { lookupScan } from "../resolver/lookup";
import { parseScanPath, resolveScan } from "../resolver/resolve";
import { buildScanView, type Resolved } from "../resolver/view";
import { clientFingerprint, limitClient } from "../scans/fingerprint";
import { scanStats, shareLocation } from "../scans/service";
import { dict, type Lang, pickLang } from "./i18n";
import { errorPageResponse, pageMessage, scanPageResponse } from "./render";

const ACTIONS = ["confirm", "review", "follow-up", "complain", "locate"] as const;
type Action = (typeof ACTIONS)[number];
const DONE: Record<Action, string> = {
  confirm: "confirmed",
  review: "reviewed",
  "follow-up": "followed_up",
  complain: "complained",
  locate: "located",
};

function valid<T>(result: { success: true; data: T } | { success: false; error: ZodError }): T {
  if (!result.success) throw validationError(result.error, "form");
  return result.data;
}

async function perform(
  c: Context<AppEnv>,
  action: Action,
  resolved: Resolved,
  form: Record<string, string>,
): Promise<void> {
  const { db, clock, secrets } = c.var.deps;
  const item = resolved.item!;
  const key = resolved.code.key;
  const ctx = { clock, hashSecret: secrets.hashSecret, fingerprint: await clientFingerprint(c) };
  const receiptCode = form.receipt ?? "";
  switch (action) {
    case "confirm":
      await confirmReceiptGuarded(
        db,
        { ...ctx, now: clock.now() },
        { id: item.id, key },
        receiptCode,
      );
      return;
    case "review":
      await submitReview(
        db,
        ctx,
        valid(
          ReviewBody.safeParse({
            item: key,
            receiptCode,
            rating: form.rating,
            text: form.text ?? "",
          }),
        ),
      );
      return;
    case "follow-up":
      await submitFollowUp(
        db,
        ctx,
        valid(FollowUpBody.safeParse({ item: key, receiptCode, text: form.text ?? "" })),
      );
      return;
    case "complain":
      await fileComplaint(
        db,
        ctx,
        valid(
          ComplaintBody.safeParse({
            item: key,
            receiptCode,
            category: form.category,
            text: form.text ?? "",
            ...(form.contact ? { contact: form.contact } : {}),
          }),
        ),
      );
      return;
    case "locate": {
      const latitude = Number(form.lat);
      const longitude = Number(form.lon);
      if (!form.lat || !form.lon || !(Math.abs(latitude) <= 90) || !(Math.abs(longitude) <= 180)) {
        throw new AppError("validation_failed", "form.lat: a latitude and longitude in degrees", {
          errors: [{ path: "form.lat", message: "a latitude and longitude in degrees" }],
        });
      }
      const shared = await shareLocation(
        db,
        { now: clock.now(), fingerprint: ctx.fingerprint },
        {
          id: item.id,
          key,
          gtin: item.gtin,
          serial: item.serial,
          state: item.state,
          ownerOrgId: resolved.product.ownerOrgId,
        },
        { latitude, longitude },
      );
      if (!shared.attached) {
        throw new AppError("conflict", "scan the code before sharing a location", {
          reason: "not_scanned",
        });
      }
      return;
    }
  }
}

async function handle(c: Context<AppEnv>): Promise<Response> {
  const url = new URL(c.req.url);
  const slash = url.pathname.lastIndexOf("/");
  const action = url.pathname.slice(slash + 1) as Action;
  const path = url.pathname.slice(0, slash);
  const body = await c.req.parseBody();
  const form = Object.fromEntries(
    Object.entries(body).flatMap(([k, v]) => (typeof v === "string" ? [[k, v]] : [])),
  );
  const lang: Lang = pickLang(form.lang, c.req.header("Accept-Language"));
  const params = new URLSearchParams();
  if (form.receipt) params.set("receipt", form.receipt);
  params.set("lang", lang);
  const page = { lang, path, params };

  if (!ACTIONS.includes(action))
    throw new AppError("not_found", `nothing is at POST ${url.pathname}`);
  try {
    await limitClient(c, action === "complain" ? "complaint" : "write");
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return errorPageResponse(c, {
      ...page,
      kind: "rate_limited",
      detail: error.detail,
      status: 429,
      headers: error.headers,
    });
  }
  const parsed = parseScanPath(path, "");
  if (!parsed.ok) {
    return errorPageResponse(c, {
      ...page,
      kind: "bad_code",
      detail: parsed.error.message,
      status: 400,
      codeError: parsed.error,
    });
  }
  const { db, clock, config } = c.var.deps;
  const resolution = await resolveScan(db, parsed.code);
  if (!resolution.found || !resolution.resolved.item) {
    return errorPageResponse(c, {
      ...page,
      kind: "not_registered",
      detail: resolution.found
        ? `${parsed.code.key} is not an item`
        : `${resolution.missing} is not registered`,
      status: 404,
    });
  }
  try {
    await perform(c, action, resolution.resolved, form);
  } catch (error) {
    if (!(error instanceof AppError) || error.status >= 500) throw error;
    // Back to the page with the error; the forms keep what was typed. Nothing was written.
    const fresh = await lookupScan(db, parsed.code, clock.now().toISOString().slice(0, 10));
    if (!fresh.found) throw error;
    const { resolved } = fresh.resolution;
    const view = await buildScanView(
      db,
      { clock, baseUrl: publicBaseUrl(config), scans: await scanStats(db, resolved.item!.id) },
      resolved,
      fresh.parties,
    );
    const reason = (error.extras as { reason?: unknown }).reason;
    return scanPageResponse(c, {
      ...page,
      resolved,
      view,
      receiptCode: form.receipt || null,
      message: pageMessage(dict[lang], error),
      // A code that was just refused is not tried again to draw the forms.
      checkCode: !["wrong_receipt", "item_locked", "client_locked"].includes(String(reason)),
      form: { ...form, kind: action },
      status: error.status,
      headers: error.headers,
    });
  }
  params.set("done", DONE[action]);
  return c.body(null, 303, {
    Location: `${path}?${params.toString()}#message`,
    "Cache-Control": "no-store",
  });
}

/** Form posts under /01/; the resolver's GET /01/* is the page they return to. */
export const pageRoutes = createRouter();
pageRoutes.post("/01/*", handle);
