// Differential test: Strata's query language (query_diff) against mingo, a JavaScript
// implementation of MongoDB's query language. Seeded random documents, filters and updates go
// through both; any difference not listed in KNOWN_DIFFERENCES fails the test, and every
// difference is written to --out for reproduction (rerun with the same --seed).
//
// usage: node run.mjs --binary <query_diff> [--seed N] [--filters N] [--updates N] [--out file]
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { KNOWN_DIFFERENCES } from "./known_differences.mjs";

const SKIP = 77;  // ctest's SKIP_RETURN_CODE
const here = path.dirname(fileURLToPath(import.meta.url));

// --samples N prints N excused cases of each known difference, to review the classes.
const args = { seed: 1, filters: 2000, updates: 500, docs: 60, samples: 0,
               out: "differential-failures.json" };
for (let i = 2; i < process.argv.length; i += 2) {
  const key = process.argv[i].replace(/^--/, "");
  const value = process.argv[i + 1];
  args[key] = ["binary", "out"].includes(key) ? value : Number(value);
}
if (!args.binary) {
  console.error("usage: node run.mjs --binary <query_diff> [--seed N] [--filters N] [--updates N]");
  process.exit(2);
}

let mingo, updater;
try {
  mingo = await import("mingo");
  updater = await import("mingo/updater");
} catch (e) {
  console.log(
    "query_differential: SKIPPED: mingo is not installed in tests/differential/node_modules " +
      "(run scripts/install-deps, or npm ci --prefix tests/differential)");
  process.exit(SKIP);
}

// ---- seeded generation ----

let state = args.seed >>> 0 || 1;
function rand() {  // mulberry32
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (n) => Math.floor(rand() * n);
const pick = (xs) => xs[int(xs.length)];
const chance = (p) => rand() < p;

const FIELDS = ["a", "b", "c"];
const SCALARS = [-2, -1, 0, 1, 2, 3, 0.5, 2.5, -1.5, "x", "y", "xy", "Xa", "ab", "", true, false, null];

function genScalar() { return pick(SCALARS); }

function genValue(depth) {
  const r = rand();
  if (depth <= 0 || r < 0.5) return genScalar();
  if (r < 0.75) {
    // Mostly scalars and objects: arrays nested in arrays are rarer, as mingo resolves paths
    // through them differently from MongoDB (known_differences.mjs).
    const n = int(4);
    const out = [];
    for (let i = 0; i < n; i++) {
      const e = chance(0.6) ? genScalar() : genValue(depth - 1);
      out.push(Array.isArray(e) && chance(0.7) ? genObject(depth - 1) : e);
    }
    return out;
  }
  return genObject(depth - 1);
}

function genObject(depth) {
  const o = {};
  for (const f of FIELDS) if (chance(0.6)) o[f] = genValue(depth);
  return o;
}

function genDoc(id) {
  const d = { _id: id };
  for (const f of ["a", "b", "c", "d"]) if (chance(0.75)) d[f] = genValue(3);
  // Fields shaped for the update operators (numbers, arrays of scalars, arrays of objects).
  if (chance(0.7)) d.n = pick([0, 1, 2, -1, 2.5, 10]);
  if (chance(0.7)) d.arr = Array.from({ length: int(5) }, genScalar);
  if (chance(0.5)) d.objs = Array.from({ length: int(4) }, () => ({ a: genScalar(), b: pick([1, 2, 3]) }));
  return d;
}

const PATHS = ["a", "b", "c", "d", "a.b", "a.c", "b.a", "c.b", "a.b.c", "b.c.a",
               "a.0", "b.1", "a.0.b", "c.a.0", "a.b.0", "n", "arr", "arr.1", "objs", "objs.a",
               "objs.b", "objs.0.a", "objs.1"];

function genComparand() {
  const r = rand();
  if (r < 0.75) return genScalar();
  if (r < 0.9) return [genScalar(), genScalar()].slice(0, int(3));
  return genObject(0);
}

const TYPES = ["string", "number", "bool", "null", "object", "array", 2, 3, 4, 8, 10];
const REGEXES = ["^x", "y$", "a", "X", "^$", "x|b"];

function genOperator(depth) {
  const op = pick(["$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "$exists", "$type",
                   "$regex", "$all", "$size", "$elemMatch", "$not"]);
  switch (op) {
    case "$in":
    case "$nin": {
      const n = int(4), xs = [];
      for (let i = 0; i < n; i++) xs.push(genComparand());
      return { [op]: xs };
    }
    case "$exists": return { $exists: chance(0.5) };
    case "$type": return { $type: pick(TYPES) };
    case "$regex":
      return chance(0.5) ? { $regex: pick(REGEXES) } : { $regex: pick(REGEXES), $options: "i" };
    case "$all": {
      const n = 1 + int(2), xs = [];
      for (let i = 0; i < n; i++) xs.push(genScalar());
      return { $all: xs };
    }
    case "$size": return { $size: int(4) };
    case "$elemMatch":
      if (depth <= 0) return { $size: int(3) };
      if (chance(0.5)) return { $elemMatch: genOperators(depth - 1, ["$gt", "$lt", "$eq", "$in"]) };
      return { $elemMatch: genFilter(depth - 1, ["b", "c", "a"]) };
    case "$not":
      if (depth <= 0) return { $not: { $eq: genScalar() } };
      return { $not: genOperators(depth - 1) };
    default: return { [op]: genComparand() };
  }
}

function genOperators(depth, only) {
  const ops = {};
  const n = 1 + int(2);
  for (let i = 0; i < n; i++) {
    const o = only ? { [pick(only)]: genScalar() } : genOperator(depth);
    if (only && o.$in !== undefined) o.$in = [genScalar(), genScalar()];
    Object.assign(ops, o);
  }
  return ops;
}

function genCondition(depth) {
  return chance(0.3) ? genComparand() : genOperators(depth);
}

function genFilter(depth, paths = PATHS) {
  const f = {};
  const n = 1 + int(2);
  for (let i = 0; i < n; i++) {
    if (depth > 0 && chance(0.2)) {
      const op = pick(["$and", "$or", "$nor"]);
      const k = 1 + int(3), subs = [];
      for (let j = 0; j < k; j++) subs.push(genFilter(depth - 1, paths));
      f[op] = subs;
    } else {
      f[pick(paths)] = genCondition(depth);
    }
  }
  return f;
}

const ANY_PATHS = ["a", "b", "c", "n", "a.b", "a.c", "b.a", "x.y", "a.0", "b.1", "c.0.a", "arr",
                   "arr.1", "arr.5", "objs", "objs.0.a", "objs.1.b", "new"];
const NUMBER_PATHS = ["n", "n", "x.y", "objs.0.b", "objs.1.b", "arr.0", "new"];
const ARRAY_PATHS = ["arr", "arr", "objs", "x.y", "new"];
const pathFor = (favoured) => (chance(0.75) ? pick(favoured) : pick(ANY_PATHS));

function genEach() {
  return Array.from({ length: int(4) }, genScalar);
}

function genUpdate() {
  const u = {};
  const n = 1 + int(3);
  for (let i = 0; i < n; i++) {
    const op = pick(["$set", "$unset", "$inc", "$mul", "$min", "$max", "$rename", "$push",
                     "$addToSet", "$pop", "$pull", "$pullAll"]);
    let p = pick(ANY_PATHS);
    let arg;
    switch (op) {
      case "$set": arg = genValue(2); break;
      case "$unset": arg = ""; break;
      case "$inc":
      case "$mul": p = pathFor(NUMBER_PATHS); arg = pick([1, 2, -1, 0.5, 3]); break;
      case "$min":
      case "$max": p = pathFor(NUMBER_PATHS); arg = chance(0.8) ? pick([-1, 0, 1.5, 2, 5]) : genScalar(); break;
      case "$rename":
        p = pick(["a", "n", "arr", "b.a", "c", "objs"]);
        arg = pick(["z", "b.z", "n2", "w", "x.y"]);
        break;
      case "$push": {
        p = pathFor(ARRAY_PATHS);
        if (chance(0.4)) { arg = genValue(1); break; }
        arg = { $each: genEach() };
        if (chance(0.3)) arg.$position = pick([0, 1, -1, 5]);
        if (chance(0.3)) arg.$slice = pick([0, 2, -2, 10]);
        if (chance(0.2)) arg.$sort = pick([1, -1]);
        break;
      }
      case "$addToSet":
        p = pathFor(ARRAY_PATHS);
        arg = chance(0.5) ? genScalar() : { $each: genEach() };
        break;
      case "$pop": p = pathFor(ARRAY_PATHS); arg = pick([1, -1]); break;
      case "$pull":
        p = pathFor(ARRAY_PATHS);
        arg = pick([genScalar(), genScalar(), { $gte: pick([0, 1, 2]) }, { $in: [genScalar(), genScalar()] },
                    { a: genScalar() }, { b: { $gt: 1 } }]);
        break;
      case "$pullAll": p = pathFor(ARRAY_PATHS); arg = [genScalar(), genScalar()]; break;
    }
    u[op] = u[op] || {};
    u[op][p] = arg;
  }
  return u;
}

// ---- run both ----

const docs = [];
for (let i = 0; i < args.docs; i++) docs.push(genDoc(i));
const filters = [];
for (let i = 0; i < args.filters; i++) filters.push(genFilter(2));
const updates = [];
for (let i = 0; i < args.updates; i++) updates.push({ update: genUpdate(), doc: int(docs.length) });

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "strata-diff-"));
const casesFile = path.join(tmp, "cases.json");
fs.writeFileSync(casesFile, JSON.stringify({ docs, filters, updates }));
const run = spawnSync(args.binary, [casesFile], { encoding: "utf8", maxBuffer: 1 << 28 });
fs.rmSync(tmp, { recursive: true, force: true });
if (run.status !== 0) {
  console.error(`query_differential: ${args.binary} failed (${run.status}): ${run.stderr}`);
  process.exit(1);
}
const strata = JSON.parse(run.stdout);

function mingoFilter(filter) {
  try {
    const q = new mingo.Query(filter);
    const out = [];
    docs.forEach((d, i) => { if (q.test(d)) out.push(i); });
    return out;
  } catch (e) {
    return { error: String(e.message || e) };
  }
}

function mingoUpdate(c) {
  const doc = structuredClone(docs[c.doc]);
  try {
    updater.update(doc, structuredClone(c.update));
    return JSON.parse(JSON.stringify(doc));  // array holes become null, as MongoDB pads
  } catch (e) {
    return { error: String(e.message || e) };
  }
}

// Deep equality with numbers by value and object fields in any order (MongoDB 5+ orders new
// fields by path, mingo by insertion; order is covered by the unit tests).
function same(x, y) {
  if (x === y) return true;
  if (typeof x !== typeof y || x === null || y === null) return false;
  if (Array.isArray(x) !== Array.isArray(y)) return false;
  if (Array.isArray(x)) return x.length === y.length && x.every((v, i) => same(v, y[i]));
  if (typeof x !== "object") return false;
  const kx = Object.keys(x).sort(), ky = Object.keys(y).sort();
  return same(kx, ky) && kx.every((k) => same(x[k], y[k]));
}
const isError = (r) => r !== null && typeof r === "object" && !Array.isArray(r) && "error" in r &&
                       Object.keys(r).length === 1;

// ---- compare, excusing the known differences (known_differences.mjs) ----

const stats = { filters: { agree: 0, known: {}, differ: [] }, updates: { agree: 0, known: {}, differ: [] } };
const knownFilter = (f, doc) => KNOWN_DIFFERENCES.find((k) => k.kind === "filter" && k.applies(f, doc));
const knownUpdate = (u, doc, s, m) =>
  KNOWN_DIFFERENCES.find((k) => k.kind === "update" && k.applies(u, doc, s, m));
const samples = {};
const note = (bucket, name, example) => {
  bucket.known[name] = (bucket.known[name] || 0) + 1;
  (samples[name] = samples[name] || []).push(example);
};

filters.forEach((f, index) => {
  const bucket = stats.filters;
  const s = strata.filters[index], m = mingoFilter(f);
  if (isError(s) || isError(m)) {
    if (isError(s) && isError(m)) bucket.agree++;
    else bucket.differ.push({ kind: "filters", index, spec: f, strata: s, mingo: m });
    return;
  }
  // Documents on which the two disagree, each excused by a known difference or not.
  const inS = new Set(s), inM = new Set(m);
  const unexplained = [];
  let known = null;
  docs.forEach((doc, i) => {
    if (inS.has(i) === inM.has(i)) return;
    const k = knownFilter(f, doc);
    if (!k) unexplained.push({ doc, strata: inS.has(i), mingo: inM.has(i) });
    else if (!known) known = { name: k.name, example: { filter: f, doc, strata: inS.has(i) } };
  });
  if (unexplained.length > 0) {
    bucket.differ.push({ kind: "filters", index, spec: f, doc: unexplained[0].doc,
                         strata: unexplained[0].strata, mingo: unexplained[0].mingo,
                         other_docs: unexplained.length - 1 });
  } else if (known) {
    note(bucket, known.name, known.example);
  } else {
    bucket.agree++;
  }
});

updates.forEach((c, index) => {
  const bucket = stats.updates;
  const s = strata.updates[index], m = mingoUpdate(c);
  if ((isError(s) && isError(m)) || same(s, m)) { bucket.agree++; return; }
  const k = knownUpdate(c.update, docs[c.doc], s, m);
  if (k) { note(bucket, k.name, { update: c.update, doc: docs[c.doc], strata: s, mingo: m }); return; }
  bucket.differ.push({ kind: "updates", index, spec: c.update, doc: docs[c.doc], strata: s, mingo: m });
});

function summary(kind, total) {
  const b = stats[kind];
  const known = Object.values(b.known).reduce((a, n) => a + n, 0);
  const detail = Object.entries(b.known).map(([k, n]) => `${k} ${n}`).join(", ");
  return `${total} ${kind}: ${b.agree} agree, ${known} known differences` +
         (detail ? ` (${detail})` : "") + `, ${b.differ.length} differ`;
}
console.log(`query_differential: seed ${args.seed}, ${docs.length} documents`);
console.log("  " + summary("filters", filters.length));
console.log("  " + summary("updates", updates.length));

if (args.samples > 0) {
  for (const [name, list] of Object.entries(samples)) {
    console.log(`known difference "${name}":`);
    for (const e of list.slice(0, args.samples)) console.log("  " + JSON.stringify(e));
  }
}

const differ = [...stats.filters.differ, ...stats.updates.differ];
if (differ.length > 0) {
  fs.writeFileSync(args.out, JSON.stringify({ seed: args.seed, docs, differences: differ }, null, 1));
  console.log(`query_differential: ${differ.length} unexplained differences, all written to ${args.out}; first ones:`);
  for (const d of differ.slice(0, 5)) {
    const { kind, index, spec, doc, strata: s, mingo: m } = d;
    console.log(`  ${kind}[${index}] ${JSON.stringify(spec)}` + (doc ? ` on ${JSON.stringify(doc)}` : ""));
    console.log(`    strata: ${JSON.stringify(s)}`);
    console.log(`    mingo:  ${JSON.stringify(m)}`);
  }
  console.log(`${filters.length + updates.length - differ.length} passed, ${differ.length} failed`);
  process.exit(1);
}
console.log(`${filters.length + updates.length} passed, 0 failed`);
