// Real headless Chromium against the real server: launch, serve a test app on a free port, screenshots.
// Without /usr/bin/chromium a browser test file is skipped with the reason, except in CI.
import { mkdir } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, expect } from "vitest";
import { createTestApp, type TestApp } from "../app";
import { requiredTool } from "../helpers/required-tool";

export const CHROMIUM = "/usr/bin/chromium";
export const SHOTS = join(process.cwd(), "test-results", "browser");
export const PHONE = { width: 360, height: 740 };
export const DESKTOP = { width: 1280, height: 800 };

/** Whether Chromium is here; call once per file, at the top, with what the file tests. */
export const chromiumPresent = (tests: string) =>
  requiredTool(CHROMIUM, tests, "apt-get install chromium");

export async function launchChromium(): Promise<Browser> {
  await mkdir(SHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
    ],
  });
}

export interface Served {
  base: string;
  close(): Promise<void>;
}

/** Serves the test app over HTTP on 127.0.0.1 and a free port. */
export async function serveApp(t: TestApp): Promise<Served> {
  const server = serve({ fetch: t.app.fetch, port: 0, hostname: "127.0.0.1" });
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

/** No horizontal scrolling at the page's viewport width. */
export async function fitsWidth(page: Page) {
  const widths = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    inner: window.innerWidth,
  }));
  expect(widths.scroll).toBeLessThanOrEqual(widths.inner);
}

/** Logs in through the console's form and waits for the home page. */
export async function logIn(page: Page, base: string, login: string, password: string) {
  await page.goto(`${base}/console/login`);
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill(password);
  await Promise.all([
    page.waitForURL(`${base}/console`),
    page.locator('form[action="/console/login"] button[type="submit"]').click(),
  ]);
}

export interface BrowserRig {
  t: TestApp;
  base: string;
  browser: Browser;
}

/**
 * Sets up a test file's app, server and Chromium before its tests and takes them down after; the
 * returned object is filled in by then. Does nothing when Chromium is absent (the file skips).
 */
export function browserRig(present: boolean): BrowserRig {
  const rig = {} as BrowserRig;
  let served: Served | undefined;
  beforeAll(async () => {
    if (!present) return;
    rig.t = await createTestApp();
    served = await serveApp(rig.t);
    rig.base = served.base;
    rig.browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    if (!present) return;
    await rig.browser?.close();
    await served?.close();
    await rig.t?.close();
  });
  return rig;
}

/** A person at a desk: a browser context of their own, in Chinese, without JavaScript. */
export async function deskPerson(
  rig: BrowserRig,
  viewport = DESKTOP,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await rig.browser.newContext({
    viewport,
    locale: "zh-CN",
    javaScriptEnabled: false,
    acceptDownloads: true,
  });
  return { context, page: await context.newPage() };
}

/** The page's message (what a form's answer says). */
export const deskMessage = (page: Page) =>
  page.locator("main [role=alert], main [role=status]").first();
