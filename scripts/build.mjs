// Production build: esbuild bundles the Node entry (src/node.ts) into dist/node.js, so that
// `npm start` runs compiled JavaScript instead of compiling TypeScript through tsx at every start.
//   node scripts/build.mjs             build
//   node scripts/build.mjs --if-stale  build only when a source is newer than dist/node.js
import { readdirSync, statSync } from "node:fs";
import { relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
export const outfile = `${root}dist/node.js`;

/**
 * Packages left to node_modules at run time: PGlite and libxml2-wasm load their WASM and data
 * files from beside their own modules, and bwip-js and postgres.js pick their Node builds by
 * package exports; bundled, they would look for those files in dist/.
 */
const external = ["@electric-sql/pglite", "libxml2-wasm", "bwip-js", "postgres"];

/** Everything whose change makes dist/node.js stale. */
const inputs = ["src", "package.json", "package-lock.json", "tsconfig.json", "scripts/build.mjs"];

function newestMtime(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(`${path}/${name}`));
  return newest;
}

export function isStale() {
  let built;
  try {
    built = statSync(outfile).mtimeMs;
  } catch {
    return true;
  }
  return inputs.some((input) => newestMtime(`${root}${input}`) > built);
}

/**
 * The sources find their files (migrations, GS1's XSDs, public/) relative to their own
 * `import.meta.url`. In one bundle every module would share dist/node.js's URL, so each source
 * file's `import.meta.url` is replaced by the URL that file has in the tree, computed from the
 * bundle's own location: the files are found where they are, and the tree can still be moved.
 */
const sourceUrls = {
  name: "source-import-meta-url",
  setup(build) {
    build.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, async (args) => {
      const { readFile } = await import("node:fs/promises");
      const text = await readFile(args.path, "utf8");
      if (!text.includes("import.meta.url")) return undefined;
      const fromDist = relative(`${root}dist`, args.path).split("\\").join("/");
      return {
        contents: text.replaceAll(
          "import.meta.url",
          `new URL(${JSON.stringify(fromDist)}, import.meta.url).href`,
        ),
        loader: "ts",
      };
    });
  },
};

export async function build() {
  const esbuild = await import("esbuild");
  await esbuild.build({
    entryPoints: [`${root}src/node.ts`],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node26",
    sourcemap: true,
    external,
    // Bundled CommonJS dependencies call require(); an ES module has none of its own.
    banner: {
      js: 'import { createRequire as __zhuisuCreateRequire } from "node:module"; const require = __zhuisuCreateRequire(import.meta.url);',
    },
    plugins: [sourceUrls],
    logLevel: "warning",
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  if (process.argv.includes("--if-stale") && !isStale()) process.exit(0);
  const started = performance.now();
  await build();
  process.stdout.write(
    `zhuisu: built dist/node.js in ${Math.round(performance.now() - started)} ms\n`,
  );
}
