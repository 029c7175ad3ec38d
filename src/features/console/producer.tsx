// The producer's desk: products with their pictures, lots, commissioning with a progress bar, the
// lot's items and states, labels as PDF or ZPL, and recalls. Every write is the API's own service
// under the API's own check, with the member's activity row in the same transaction.

import { inArray } from "drizzle-orm";
import type { Context } from "hono";
import { Hono } from "hono";
import { encodeComponent } from "../../codes";
import { CATEGORIES, ITEM_STATES, type Item, type Lot, orgs, type Product } from "../../db/schema";
import { requireWriter } from "../../lib/auth";
import type { AppEnv } from "../../lib/context";
import { AppError } from "../../lib/errors";
import { escapeMarkup } from "../labels/symbols";
import { dict as pageDict } from "../pages/i18n";
import { aiParam, baseUrl, gtinParam } from "../products/edge";
import { CommissionBody, PdfLabelsQuery, ZplLabelsQuery } from "../products/item-schemas";
import { commissionLot, itemPage, itemStateCounts, lotSerialBatches } from "../products/items";
import { csvExport } from "../products/items-routes";
import { lotLabelsPdf, lotLabelsZpl } from "../products/labels-routes";
import { setProductPicture } from "../products/picture";
import { CreateLotBody, RegisterProductBody } from "../products/schemas";
import {
  assertOwner,
  createLot,
  getLot,
  getProduct,
  listProducts,
  lotsWithCounts,
  registerProduct,
} from "../products/service";
import { productView } from "../products/views";
import { CreateRecallBody, RECALL_LEVELS } from "../recalls/schemas";
import { createRecall } from "../recalls/service";
import type { DeskDict } from "./desk-i18n";
import type { ConsoleDict } from "./i18n";
import {
  activityOf,
  attributed,
  Field,
  given,
  numberOr,
  page,
  parsed,
  refusedOn,
  requireDesk,
  see,
  streamedPage,
} from "./kit";
import { Csrf, type Message } from "./layout";
import { LicenceRows, licencesOf } from "./register";
import { checkedForm, checkedUpload, requireSession } from "./session";

const productPath = (gtin: string) => `/console/products/${gtin}`;
const lotPath = (gtin: string, lot: string) => `${productPath(gtin)}/lots/${encodeComponent(lot)}`;

type Values = Record<string, string>;
const v = (values: Values, name: string) => values[name] ?? "";

function ProductForm({ t, csrf, values }: { t: ConsoleDict; csrf: string; values: Values }) {
  const w = t.desk.products;
  const names = pageDict[t.desk.lang];
  return (
    <section>
      <h2>{w.register}</h2>
      <form method="post" action="/console/products">
        <Csrf token={csrf} />
        <div class="grid">
          <div>
            <Field
              name="gtin"
              label={w.gtin}
              values={values}
              required
              inputmode="numeric"
              maxlength={14}
            />
          </div>
          <div>
            <label for="category">{w.category}</label>
            <select id="category" name="category">
              {CATEGORIES.map((k) => (
                <option value={k} selected={v(values, "category") === k}>
                  {names.category[k]}
                </option>
              ))}
            </select>
          </div>
          <div>
            <Field name="nameZh" label={w.nameZh} values={values} required maxlength={200} />
          </div>
          <div>
            <Field name="nameEn" label={w.nameEn} values={values} maxlength={200} />
          </div>
          <div>
            <Field
              name="specification"
              label={w.specification}
              values={values}
              required
              maxlength={200}
            />
          </div>
          <div>
            <Field name="netWeightGrams" label={w.netWeight} values={values} inputmode="numeric" />
          </div>
          <div>
            <Field name="shelfLifeDays" label={w.shelfLife} values={values} inputmode="numeric" />
          </div>
          <div>
            <Field
              name="originRegion"
              label={w.originRegion}
              values={values}
              inputmode="numeric"
              maxlength={6}
            />
          </div>
        </div>
        <Field name="originPlace" label={w.originPlace} values={values} maxlength={200} />
        <fieldset>
          <legend>{w.licence(1).replace(/\s*1$/, "")}</legend>
          <LicenceRows
            kinds={names.licenceKinds}
            words={{ licenceKind: w.licenceKind, licenceNumber: w.licenceNumber }}
            values={values}
          />
        </fieldset>
        <button type="submit">{w.register}</button>
      </form>
    </section>
  );
}

function ProductList({
  t,
  products,
  next,
}: {
  t: ConsoleDict;
  products: Product[];
  next: string | null;
}) {
  const w = t.desk.products;
  const names = pageDict[t.desk.lang];
  if (products.length === 0) return <p class="muted">{w.none}</p>;
  return (
    <section class="scroll">
      <table>
        <thead>
          <tr>
            <th>GTIN</th>
            <th>{w.name}</th>
            <th>{w.category}</th>
          </tr>
        </thead>
        <tbody>
          {products.map((p) => (
            <tr data-gtin={p.gtin}>
              <td>
                <a href={productPath(p.gtin)}>
                  <code>{p.gtin}</code>
                </a>
              </td>
              <td>{p.nameZh}</td>
              <td>{names.category[p.category]}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {next ? (
        <a href={`/console/products?cursor=${encodeURIComponent(next)}`}>{t.desk.next}</a>
      ) : null}
    </section>
  );
}

function RecallForm({
  t,
  csrf,
  action,
  lot,
}: {
  t: ConsoleDict;
  csrf: string;
  action: string;
  lot?: string;
}) {
  const w = t.desk.lot;
  return (
    <details>
      <summary>{lot ? w.recall : w.recallWhole}</summary>
      <form method="post" action={action}>
        <Csrf token={csrf} />
        {lot ? <input type="hidden" name="lot" value={lot} /> : null}
        <label for="level">{w.recallLevel}</label>
        <select id="level" name="level">
          {RECALL_LEVELS.map((l) => (
            <option value={l}>{w.levels[l]}</option>
          ))}
        </select>
        <label for="reason">{w.recallReason}</label>
        <textarea id="reason" name="reason" required maxlength={2000} />
        <label for="instructions">{w.recallInstructions}</label>
        <textarea id="instructions" name="instructions" required maxlength={4000} />
        <label for="contacts">{w.recallContacts}</label>
        <input id="contacts" name="contacts" required maxlength={1000} />
        <button type="submit" class="danger">
          {w.recallSubmit}
        </button>
      </form>
    </details>
  );
}

function ProductDetail({
  t,
  csrf,
  product,
  imageUrl,
  lots,
  values,
}: {
  t: ConsoleDict;
  csrf: string;
  product: Product;
  imageUrl: string | null;
  lots: { lot: Lot; items: number }[];
  values: Values;
}) {
  const w = t.desk.products;
  const wl = t.desk.lots;
  const names = pageDict[t.desk.lang];
  return (
    <>
      <section>
        <dl>
          <dt>GTIN</dt>
          <dd>
            <code>{product.gtin}</code> · <a href={`/01/${product.gtin}`}>{t.desk.scanPage}</a>
          </dd>
          <dt>{w.category}</dt>
          <dd>{names.category[product.category]}</dd>
          <dt>{w.specification}</dt>
          <dd>{product.specification ?? "—"}</dd>
          <dt>{w.licenceNumber}</dt>
          <dd>
            {product.licences.length === 0
              ? "—"
              : product.licences
                  .map((l) => `${names.licenceKinds[l.kind] ?? l.kind} ${l.number}`)
                  .join("；")}
          </dd>
          <dt>{w.originPlace}</dt>
          <dd>{[product.originRegion, product.originPlace].filter(Boolean).join(" ") || "—"}</dd>
        </dl>
      </section>
      <section>
        <h2>{w.picture}</h2>
        {imageUrl ? (
          <img class="picture" src={imageUrl} alt={product.nameZh} />
        ) : (
          <p class="muted">{w.noPicture}</p>
        )}
        <form
          method="post"
          action={`${productPath(product.gtin)}/picture`}
          enctype="multipart/form-data"
        >
          <Csrf token={csrf} />
          <label for="picture">{w.upload}</label>
          <input
            id="picture"
            name="picture"
            type="file"
            accept="image/jpeg,image/png,image/webp"
            required
          />
          <button type="submit">{w.uploadSubmit}</button>
        </form>
      </section>
      <section class="scroll">
        <h2>{w.lots}</h2>
        {lots.length === 0 ? (
          <p class="muted">{wl.none}</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>{wl.lot}</th>
                <th>{wl.produced}</th>
                <th>{wl.expires}</th>
                <th>{wl.items}</th>
              </tr>
            </thead>
            <tbody>
              {lots.map(({ lot, items }) => (
                <tr data-lot={lot.lot}>
                  <td>
                    <a href={lotPath(product.gtin, lot.lot)}>{lot.lot}</a>
                    {lot.recalled ? <span class="badge bad">{wl.recalled}</span> : null}
                  </td>
                  <td>{lot.productionDate}</td>
                  <td>{lot.expiryDate ?? "—"}</td>
                  <td>{items}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section>
        <h2>{wl.create}</h2>
        <form method="post" action={`${productPath(product.gtin)}/lots`}>
          <Csrf token={csrf} />
          <div class="grid">
            <div>
              <Field name="lot" label={wl.lot} values={values} required maxlength={20} />
            </div>
            <div>
              <Field
                name="productionDate"
                label={wl.produced}
                values={values}
                type="date"
                required
              />
            </div>
            <div>
              <Field name="expiryDate" label={wl.expiresHint} values={values} type="date" />
            </div>
            <div>
              <Field name="quantity" label={wl.quantity} values={values} inputmode="numeric" />
            </div>
          </div>
          <button type="submit">{wl.create}</button>
        </form>
      </section>
      <section>
        <RecallForm t={t} csrf={csrf} action={`${productPath(product.gtin)}/recall`} />
      </section>
    </>
  );
}

function LabelForm({ t, gtin, lot }: { t: ConsoleDict; gtin: string; lot: string }) {
  const w = t.desk.lot;
  return (
    <section>
      <h2>{w.labels}</h2>
      <form method="get" action={`${lotPath(gtin, lot)}/labels`}>
        <div class="grid">
          <div>
            <label for="format">{w.format}</label>
            <select id="format" name="format">
              <option value="pdf">{w.pdf}</option>
              <option value="zpl">{w.zpl}</option>
            </select>
          </div>
          <div>
            <label for="stock">{w.stock}</label>
            <select id="stock" name="stock">
              {Object.entries(w.stocks).map(([id, name]) => (
                <option value={id} selected={id === "a4-3x8"}>
                  {name}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label for="symbology">{w.symbology}</label>
            <select id="symbology" name="symbology">
              {Object.entries(w.symbologies).map(([id, name]) => (
                <option value={id}>{name}</option>
              ))}
            </select>
          </div>
          <div>
            <label for="dpi">{w.dpi}</label>
            <select id="dpi" name="dpi">
              <option value="203">203 dpi</option>
              <option value="300">300 dpi</option>
            </select>
          </div>
          <div>
            <label for="offset">{w.offset}</label>
            <input id="offset" name="offset" inputmode="numeric" value="0" />
          </div>
          <div>
            <label for="limit">{w.limit}</label>
            <input id="limit" name="limit" inputmode="numeric" value="100" />
          </div>
        </div>
        <button type="submit">{w.download}</button>
      </form>
    </section>
  );
}

function LotDetail({
  t,
  csrf,
  product,
  lot,
  counts,
  items,
  holders,
  next,
}: {
  t: ConsoleDict;
  csrf: string;
  product: Product;
  lot: Lot;
  counts: { state: string; n: number }[];
  items: Item[];
  /** Names of the organisations holding the items shown. */
  holders: Map<string, string>;
  next: string | null;
}) {
  const w = t.desk.lot;
  const states = t.desk.states as Record<string, string>;
  const total = counts.reduce((sum, c) => sum + c.n, 0);
  const path = lotPath(product.gtin, lot.lot);
  return (
    <>
      <section>
        {lot.recalled ? <p class="err">{w.isRecalled}</p> : null}
        <dl>
          <dt>{t.desk.products.name}</dt>
          <dd>
            <a href={productPath(product.gtin)}>{product.nameZh}</a>
          </dd>
          <dt>{t.desk.lots.produced}</dt>
          <dd>{lot.productionDate}</dd>
          <dt>{t.desk.lots.expires}</dt>
          <dd>{lot.expiryDate ?? "—"}</dd>
          <dt>{t.desk.lots.items}</dt>
          <dd data-testid="item-count">{total}</dd>
        </dl>
        <p>
          <a href={`/01/${product.gtin}/10/${encodeComponent(lot.lot)}`}>{t.desk.scanPage}</a>
        </p>
      </section>
      <section class="scroll">
        <h2>{w.states}</h2>
        <table>
          <tbody>
            {ITEM_STATES.map((s) => (
              <tr data-state={s}>
                <td>{states[s]}</td>
                <td>{counts.find((c) => c.state === s)?.n ?? 0}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      {lot.recalled ? null : (
        <section>
          <h2>{w.commission}</h2>
          <form method="post" action={`${path}/commission`}>
            <Csrf token={csrf} />
            <label for="count">{w.count}</label>
            <input
              id="count"
              name="count"
              type="number"
              min={1}
              max={100000}
              required
              value="100"
            />
            <button type="submit">{w.commissionSubmit}</button>
          </form>
        </section>
      )}
      {total > 0 ? <LabelForm t={t} gtin={product.gtin} lot={lot.lot} /> : null}
      <section class="scroll">
        <h2>{w.itemsTitle}</h2>
        {items.length === 0 ? (
          <p class="muted">{t.desk.none}</p>
        ) : (
          <>
            <p>
              <a href={`${path}/items.csv`}>{w.csv}</a>
            </p>
            <table>
              <thead>
                <tr>
                  <th>{w.serial}</th>
                  <th>{w.state}</th>
                  <th>{w.custodian}</th>
                </tr>
              </thead>
              <tbody>
                {items.map((i) => (
                  <tr data-serial={i.serial}>
                    <td>
                      <a
                        href={`/01/${i.gtin}/10/${encodeComponent(lot.lot)}/21/${encodeComponent(i.serial)}`}
                      >
                        <code>{i.serial}</code>
                      </a>
                    </td>
                    <td>{states[i.state] ?? i.state}</td>
                    <td>
                      {i.custodianOrgId ? (holders.get(i.custodianOrgId) ?? i.custodianOrgId) : "—"}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {next ? <a href={`${path}?cursor=${encodeURIComponent(next)}`}>{t.desk.next}</a> : null}
          </>
        )}
      </section>
      {lot.recalled ? null : (
        <section>
          <RecallForm
            t={t}
            csrf={csrf}
            action={`${productPath(product.gtin)}/recall`}
            lot={lot.lot}
          />
        </section>
      )}
    </>
  );
}

/** The producer's session, on the desk of producers. */
async function producer(c: Context<AppEnv>) {
  const session = await requireSession(c);
  requireDesk(session.active, ["producer"], session.t);
  return session;
}

/** A product of the member's organisation (another's is refused, as its API writes are). */
async function ownProduct(c: Context<AppEnv>, gtin: string, action: string) {
  const session = await producer(c);
  // A form's token is checked before anything it names is looked at.
  const posted = c.req.method === "POST" ? await checkedUpload(c) : { form: {}, files: {} };
  const product = await getProduct(c.var.deps.db, gtinParam(gtin.slice(0, 20), "path.gtin"));
  assertOwner(product, session.active.org, action);
  return { ...session, ...posted, product };
}

async function ownLot(c: Context<AppEnv>, action: string) {
  const session = await ownProduct(c, c.req.param("gtin") ?? "", action);
  const { lot } = await getLot(
    c.var.deps.db,
    gtinParam(session.product.gtin),
    aiParam("10", (c.req.param("lot") ?? "").slice(0, 20), "path.lot"),
  );
  return { ...session, lot };
}

async function productsPage(
  c: Context<AppEnv>,
  orgId: string,
  extra: { values?: Values; message?: Message | null; status?: number } = {},
) {
  const cursor = c.req.query("cursor");
  const list = await listProducts(c.var.deps.db, {
    ownerOrgId: orgId,
    limit: 50,
    ...(cursor ? { cursor: cursor.slice(0, 200) } : {}),
  });
  return page(c, {
    title: (t) => t.desk.products.title,
    nav: "products",
    message: extra.message ?? null,
    status: extra.status ?? 200,
    body: (csrf, t) => (
      <>
        <ProductList t={t} products={list.items} next={list.next} />
        <ProductForm t={t} csrf={csrf} values={extra.values ?? {}} />
      </>
    ),
  });
}

async function productPage(
  c: Context<AppEnv>,
  product: Product,
  extra: { values?: Values; message?: Message | null; status?: number } = {},
) {
  const lots = await lotsWithCounts(c.var.deps.db, gtinParam(product.gtin));
  const imageUrl = productView(product, baseUrl(c)).imageUrl;
  return page(c, {
    title: () => product.nameZh,
    nav: "products",
    message: extra.message ?? null,
    status: extra.status ?? 200,
    body: (csrf, t) => (
      <ProductDetail
        t={t}
        csrf={csrf}
        product={product}
        imageUrl={imageUrl?.startsWith(baseUrl(c)) ? imageUrl.slice(baseUrl(c).length) : imageUrl}
        lots={lots}
        values={extra.values ?? {}}
      />
    ),
  });
}

const okMessage = (w: DeskDict, done: string | undefined): Message | null => {
  const text =
    done === "registered"
      ? w.products.registered
      : done === "picture"
        ? w.products.uploaded
        : done === "lot"
          ? w.lots.created
          : done === "recalled"
            ? w.lot.recalledOk
            : null;
  return text ? { kind: "ok", text } : null;
};

export function recallBody(gtin: string, form: Values) {
  const lot = given(form, "lot");
  return parsed(CreateRecallBody, {
    product: gtin,
    ...(lot ? { lots: [`/01/${gtin}/10/${encodeComponent(lot)}`] } : {}),
    level: form.level,
    reason: form.reason ?? "",
    instructions: form.instructions ?? "",
    contacts: form.contacts ?? "",
  });
}

export const producerRoutes = new Hono<AppEnv>()
  .get("/console/products", async (c) => {
    const { active, t } = await producer(c);
    return productsPage(c, active.org.id, { message: okMessage(t.desk, c.req.query("done")) });
  })
  .post("/console/products", async (c) => {
    const { actor, active, t } = await producer(c);
    const form = await checkedForm(c);
    return (async () => {
      // The same check as POST /v1/products: a verified producer.
      const caller = await requireWriter(c, "producer");
      const body = parsed(RegisterProductBody, {
        gtin: form.gtin ?? "",
        nameZh: form.nameZh ?? "",
        nameEn: given(form, "nameEn"),
        category: form.category,
        specification: form.specification ?? "",
        netWeightGrams: numberOr(given(form, "netWeightGrams")),
        shelfLifeDays: numberOr(given(form, "shelfLifeDays")),
        originRegion: given(form, "originRegion"),
        originPlace: given(form, "originPlace"),
        licences: licencesOf(form),
      });
      const product = await attributed(c, actor, "product.register", async (tx) => {
        const row = await registerProduct(tx, c.var.deps.clock, body, caller.org);
        return { result: row, target: row.gtin };
      });
      return see(c, `${productPath(product.gtin)}?done=registered`);
    })().catch(
      refusedOn(
        (message, status) => productsPage(c, active.org.id, { values: form, message, status }),
        t,
      ),
    );
  })
  .get("/console/products/:gtin", async (c) => {
    const { product, t } = await ownProduct(c, c.req.param("gtin"), "open its desk page");
    return productPage(c, product, { message: okMessage(t.desk, c.req.query("done")) });
  })
  .post("/console/products/:gtin/picture", async (c) => {
    const { actor, product, t, files } = await ownProduct(
      c,
      c.req.param("gtin"),
      "change its picture",
    );
    return (async () => {
      const caller = await requireWriter(c, "producer");
      const file = files.picture;
      const bytes = file ? new Uint8Array(await file.arrayBuffer()) : new Uint8Array();
      await attributed(c, actor, "product.picture", async (tx) => {
        await setProductPicture(
          tx,
          c.var.deps.clock,
          caller.org,
          product.gtin,
          bytes,
          "form.picture",
        );
        return { result: null, target: product.gtin };
      });
      return see(c, `${productPath(product.gtin)}?done=picture`);
    })().catch(refusedOn((message, status) => productPage(c, product, { message, status }), t));
  })
  .post("/console/products/:gtin/lots", async (c) => {
    const { actor, product, t, form } = await ownProduct(c, c.req.param("gtin"), "add lots to it");
    return (async () => {
      const caller = await requireWriter(c, "producer");
      const body = parsed(CreateLotBody, {
        lot: form.lot ?? "",
        productionDate: form.productionDate ?? "",
        expiryDate: given(form, "expiryDate"),
        quantity: numberOr(given(form, "quantity")),
      });
      const lot = await attributed(c, actor, "lot.create", async (tx) => {
        const row = await createLot(tx, c.var.deps.clock, product, body, caller.org);
        return { result: row, target: `/01/${product.gtin}/10/${row.lot}` };
      });
      return see(c, `${lotPath(product.gtin, lot.lot)}?done=lot`);
    })().catch(
      refusedOn((message, status) => productPage(c, product, { values: form, message, status }), t),
    );
  })
  .post("/console/products/:gtin/recall", async (c) => {
    const { actor, product, t, form } = await ownProduct(c, c.req.param("gtin"), "recall it");
    const lot = given(form, "lot");
    const back = lot ? lotPath(product.gtin, lot) : productPath(product.gtin);
    return (async () => {
      // The same check as POST /v1/recalls: a verified producer (or regulator).
      const caller = await requireWriter(c, "producer", "regulator");
      const body = recallBody(product.gtin, form);
      await attributed(c, actor, "recall.start", async (tx) => {
        const id = await createRecall(tx, { clock: c.var.deps.clock, caller: caller.org }, body);
        return { result: id, target: id };
      });
      return see(c, `${back}?done=recalled`);
    })().catch(refusedOn((message, status) => productPage(c, product, { message, status }), t));
  })
  .get("/console/products/:gtin/lots/:lot", async (c) => {
    const { product, lot, t } = await ownLot(c, "open its lots");
    const { db } = c.var.deps;
    const cursor = c.req.query("cursor");
    const [counts, items] = await Promise.all([
      itemStateCounts(db, lot.id),
      itemPage(db, lot.id, { limit: 50, ...(cursor ? { cursor: cursor.slice(0, 200) } : {}) }),
    ]);
    const holderIds = [
      ...new Set(items.items.map((i) => i.custodianOrgId).filter((id): id is string => !!id)),
    ];
    const holders = new Map(
      holderIds.length === 0
        ? []
        : (
            await db
              .select({ id: orgs.id, nameZh: orgs.nameZh })
              .from(orgs)
              .where(inArray(orgs.id, holderIds))
          ).map((o) => [o.id, o.nameZh]),
    );
    return page(c, {
      title: (tt) => `${product.nameZh} · ${tt.desk.lot.title(lot.lot)}`,
      nav: "products",
      message: okMessage(t.desk, c.req.query("done")),
      body: (csrf, tt) => (
        <LotDetail
          t={tt}
          csrf={csrf}
          product={product}
          lot={lot}
          counts={counts}
          items={items.items}
          holders={holders}
          next={items.next}
        />
      ),
    });
  })
  .post("/console/products/:gtin/lots/:lot/commission", async (c) => {
    const { actor, product, lot, form } = await ownLot(c, "commission its items");
    // The same checks as POST …/items, before the page starts: a refusal is a whole page.
    const caller = await requireWriter(c, "producer");
    const { count } = parsed(CommissionBody, { count: numberOr(given(form, "count")) ?? "" });
    const total = count ?? 0;
    const path = lotPath(product.gtin, lot.lot);
    return streamedPage(
      c,
      { title: (t) => `${product.nameZh} · ${t.desk.lot.title(lot.lot)}`, nav: "products" },
      async function* (t) {
        const w = t.desk.lot;
        const progress = (done: number) =>
          `<p class="progress"><progress value="${done}" max="${total}"></progress> ${w.working(done, total)}</p>\n`;
        yield `<section class="progress-log">${progress(0)}`;
        // Progress comes from inside the transaction; the page shows it as it comes.
        const pending: number[] = [];
        let wake: (() => void) | null = null;
        const work = commissionLot(
          c.var.deps.db,
          {
            clock: c.var.deps.clock,
            onProgress: (done) => {
              pending.push(done);
              wake?.();
            },
          },
          { lot, product, serials: { generate: total }, actor: caller.org },
          async (tx, rows) => {
            await activityOf(
              tx,
              c,
              actor,
              "items.commission",
              `/01/${product.gtin}/10/${lot.lot} × ${rows.length}`,
            );
          },
        ).then(
          (rows) => ({ ok: true as const, n: rows.length }),
          (error: unknown) => ({ ok: false as const, error }),
        );
        let settled: Awaited<typeof work> | null = null;
        void work.then((r) => {
          settled = r;
          wake?.();
        });
        while (!settled) {
          if (pending.length === 0) {
            await new Promise<void>((resolve) => {
              wake = resolve;
            });
            wake = null;
          }
          const done = pending.splice(0).at(-1);
          if (done !== undefined && done < total) yield progress(done);
        }
        const outcome = settled as Awaited<typeof work>;
        if (outcome.ok) {
          yield `${progress(outcome.n)}</section><p class="ok" role="status">${w.commissioned(outcome.n)}</p>`;
        } else {
          const error = outcome.error;
          if (!(error instanceof AppError)) {
            c.var.deps.logger.error("commissioning from the console failed", {
              error: String(error),
            });
          }
          const detail = error instanceof AppError ? error.detail : t.error;
          yield `</section><p class="err" role="alert">${w.failed}${escapeMarkup(detail)}</p>`;
        }
        yield `<p><a href="${path}">${w.back}</a></p>`;
      },
    );
  })
  .get("/console/products/:gtin/lots/:lot/labels", async (c) => {
    const { product, lot } = await ownLot(c, "print the labels of its items");
    const query = c.req.query();
    const params = { gtin: product.gtin, lot: lot.lot };
    const range = { offset: query.offset ?? "0", limit: query.limit ?? "100" };
    if (query.format === "zpl") {
      const zplQuery = parsed(ZplLabelsQuery, {
        ...range,
        stock: query.stock,
        symbology: query.symbology,
        dpi: query.dpi,
      });
      return lotLabelsZpl(c, params, zplQuery);
    }
    const pdfQuery = parsed(PdfLabelsQuery, {
      ...range,
      stock: query.stock,
      symbology: query.symbology,
    });
    return lotLabelsPdf(c, params, pdfQuery);
  })
  .get("/console/products/:gtin/lots/:lot/items.csv", async (c) => {
    const { lot } = await ownLot(c, "list its items");
    return csvExport(c, lot, lotSerialBatches(c.var.deps.db, lot.id), baseUrl(c));
  });
