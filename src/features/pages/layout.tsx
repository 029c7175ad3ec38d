// The page shell: language, viewport, inlined CSS and script, header with the language switch.
import type { Child } from "hono/jsx";
import { CSS, GEO_SCRIPT } from "./assets";
import type { Dict } from "./i18n";

export interface LayoutProps {
  t: Dict;
  title: string;
  /** Where the language switch points (this page in the other language). */
  switchHref: string;
  /** Include the progressive location script. */
  script?: boolean;
  children?: Child;
}

export function Layout({ t, title, switchHref, script, children }: LayoutProps) {
  return (
    <html lang={t.htmlLang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width,initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>{title}</title>
        {/* Constant CSS, not data: inlined so the page is one request. */}
        <style dangerouslySetInnerHTML={{ __html: CSS }} />
      </head>
      <body>
        <header>
          <b>
            {t.site} <span class="muted">{t.tagline}</span>
          </b>
          <a href={switchHref} hreflang={t.switchLang} lang={t.switchLang}>
            {t.switchTo}
          </a>
        </header>
        <main>{children}</main>
        {script ? <script dangerouslySetInnerHTML={{ __html: GEO_SCRIPT }} /> : null}
      </body>
    </html>
  );
}

/** Serialises a page with its doctype. */
export async function renderPage(node: { toString(): string | Promise<string> }): Promise<string> {
  return `<!doctype html>${await node.toString()}`;
}
