// The hash of the sources the prebuilt extension is built from, written beside the build so that a test
// (tests/test_labextension_build.py, which recomputes it the same way in Python) can tell when the committed
// build in jupyter_estimator/labextension/ no longer matches labextension/src.
//
//   node scripts/source-hash.mjs          print the hash
//   node scripts/source-hash.mjs --write  write ../jupyter_estimator/labextension/source-hash.json (npm run build)
//
// The hash: for each file of src/, style/, schema/ (recursively), package.json and tsconfig.json, in the order of
// their paths (relative, with '/'), the line "<path>\0<sha256 of its bytes, CRLF read as LF>\n"; the sha256 of those.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const output = join(root, '..', 'jupyter_estimator', 'labextension', 'source-hash.json');

function walk(path) {
  if (statSync(path).isDirectory()) {
    return readdirSync(path).flatMap(name => walk(join(path, name)));
  }
  return [path];
}

function sha256(data) {
  return createHash('sha256').update(data).digest('hex');
}

const paths = ['src', 'style', 'schema']
  .flatMap(folder => walk(join(root, folder)))
  .concat([join(root, 'package.json'), join(root, 'tsconfig.json')])
  .map(path => relative(root, path).split(sep).join('/'))
  .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
const files = {};
for (const path of paths) {
  const bytes = readFileSync(join(root, path));
  files[path] = sha256(Buffer.from(bytes.toString('latin1').replace(/\r\n/g, '\n'), 'latin1'));
}
const total = sha256(paths.map(path => `${path}\0${files[path]}\n`).join(''));
if (process.argv.includes('--write')) {
  const record = { sha256: total, files, rebuild: 'cd labextension && npm run build' };
  writeFileSync(output, JSON.stringify(record, null, 2) + '\n');
  console.log(`source hash ${total} written to ${relative(process.cwd(), output)}`);
} else {
  console.log(total);
}
