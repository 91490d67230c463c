// Bundles the notebook widgets' front ends into jupyter_estimator/widgets/static/ (committed, so installing the
// Python package needs no Node.js), and records a hash of the sources there (build-info.json) so that a Python
// test fails when the built files are older than, or differ from, what these sources build. The charts, number
// formats and run statuses come from labextension/src/shared/ (the Lab extension compiles the same files); what
// is bundled from outside widgets_src/ is hashed under "shared" (tests/test_frontend_status_constants.py checks it).
//
//   cd widgets_src && npm ci && npm run build

import { createHash } from "node:crypto";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = fileURLToPath(new URL(".", import.meta.url));
const repo = join(here, "..");
const out = join(here, "..", "jupyter_estimator", "widgets", "static");
const entries = { "run_details.js": "src/run_details.js", "run_details.css": "src/run_details.css",
                  "code_inserter.js": "src/code_inserter.js" };

/** The files whose content decides the output, as sorted paths relative to widgets_src/ (mirrored in Python). */
function sources() {
  const files = ["build.mjs", "package.json", "package-lock.json"];
  for (const name of readdirSync(join(here, "src")).sort()) files.push(`src/${name}`);
  return files.sort();
}

function sha256(...parts) {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part);
  return hash.digest("hex");
}

function sourceHash() {
  const hash = createHash("sha256");
  for (const name of sources()) {
    hash.update(name + "\0");
    hash.update(readFileSync(join(here, name)));
    hash.update("\0");
  }
  return hash.digest("hex");
}

const shared = new Set();  // files bundled from outside widgets_src/ (not node_modules), relative to the repo
for (const [output, entry] of Object.entries(entries)) {
  const result = await build({
    entryPoints: [join(here, entry)], outfile: join(out, output), bundle: true, format: "esm", target: "es2020",
    minify: true, legalComments: "none", logLevel: "warning", metafile: true,
    banner: output.endsWith(".js") ? { js: "// Built from widgets_src/ (npm run build there); do not edit. uPlot: MIT, Leon Sorokin." } : {},
  });
  for (const input of Object.keys(result.metafile.inputs)) {
    const path = relative(repo, resolve(input)).split(sep).join("/");
    if (!path.startsWith("widgets_src/") && !path.includes("node_modules/")) shared.add(path);
  }
}

const info = {
  note: "Written by widgets_src/build.mjs; tests/test_widget_build.py checks it against the sources and the outputs.",
  sources: Object.fromEntries(sources().map((name) => [name, sha256(readFileSync(join(here, name)))])),
  sources_sha256: sourceHash(),
  shared: Object.fromEntries([...shared].sort().map((path) => [path, sha256(readFileSync(join(repo, path)))])),
  outputs: Object.fromEntries(Object.keys(entries).sort().map((name) => [name, sha256(readFileSync(join(out, name)))])),
};
writeFileSync(join(out, "build-info.json"), JSON.stringify(info, null, 2) + "\n");
console.log(`built ${Object.keys(entries).join(", ")} into ${relative(process.cwd(), out) || "."}`);
