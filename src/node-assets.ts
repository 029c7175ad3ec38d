// Static files for the Node entry: the pages' assets in public/ and the vendored Scalar bundle.
import { readFile } from "node:fs/promises";
import { extname, normalize } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const mounts: Record<string, string> = {
  "vendor/scalar/": "node_modules/@scalar/api-reference/dist/browser/",
  "": "public/",
};
const types: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".webmanifest": "application/manifest+json",
};

export async function loadAsset(
  path: string,
): Promise<{ body: Uint8Array; contentType: string } | null> {
  const clean = normalize(path).replace(/^\/+/, "");
  if (clean.startsWith("..") || clean.includes("\0")) return null;
  for (const [prefix, folder] of Object.entries(mounts)) {
    if (!clean.startsWith(prefix)) continue;
    const rest = clean.slice(prefix.length);
    const contentType = types[extname(rest)];
    if (!contentType) return null;
    try {
      return { body: await readFile(`${root}${folder}${rest}`), contentType };
    } catch {
      return null;
    }
  }
  return null;
}
