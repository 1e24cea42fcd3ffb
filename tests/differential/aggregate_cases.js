// Differential test of aggregation pipelines: Strata (aggregate_diff, built from
// aggregate_driver.cc) against mingo's Aggregator. Seeded random documents and pipelines
// ($match $project $addFields $set $group $sort $limit $skip $count $unwind $lookup with the
// expression operators and accumulators Strata supports) run through both; any difference not
// explained by a known difference (PATCHES below) fails, and every difference is written to --out.
//
// usage: node aggregate_cases.js --binary <aggregate_diff> [--seed N] [--pipelines N] [--out f]
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const SKIP = 77;  // ctest's SKIP_RETURN_CODE

const args = { seed: 1, pipelines: 1500, docs: 40, out: "aggregate-failures.json" };
for (let i = 2; i < process.argv.length; i += 2) {
  const key = process.argv[i].replace(/^--/, "");
  const value = process.argv[i + 1];
  args[key] = ["binary", "out"].includes(key) ? value : Number(value);
}
if (!args.binary) {
  console.error("usage: node aggregate_cases.js --binary <aggregate_diff> [--seed N] [--pipelines N]");
  process.exit(2);
}

let mingo;
try {
  mingo = {
    core: await import("mingo/core"),
    Aggregator: (await import("mingo/aggregator")).Aggregator,
    Lazy: (await import("mingo/lazy")).Lazy,
    ops: {
      accumulator: await import("mingo/operators/accumulator"),
      expression: await import("mingo/operators/expression"),
      pipeline: await import("mingo/operators/pipeline"),
      projection: await import("mingo/operators/projection"),
      query: await import("mingo/operators/query"),
    },
  };
} catch (e) {
  console.log("aggregate_differential: SKIPPED: mingo is not installed in " +
              "tests/differential/node_modules (run scripts/install-deps)");
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

const GROUPS = ["p", "q", "r"];
const STRINGS = ["apple", "Banana", "cherry", " pad ", "a,b,c", "", "x"];
const NUMBERS = [-3, -1, 0, 1, 2, 3, 7, 10, 0.5, 2.5, -1.5];

function genDoc(id) {
  const d = { _id: id };
  const set = (k, p, f) => { if (chance(p)) d[k] = f(); };
  set("g", 0.9, () => (chance(0.9) ? pick(GROUPS) : null));
  set("n", 0.85, () => (chance(0.92) ? pick(NUMBERS) : pick([null, "7"])));
  set("m", 0.9, () => int(20) - 5);
  set("s", 0.85, () => pick(STRINGS));
  set("arr", 0.8, () => (chance(0.9) ? Array.from({ length: int(5) }, () => int(6)) : pick([null, 3])));
  set("o", 0.7, () => ({ x: int(10), y: pick(STRINGS) }));
  set("objs", 0.6, () => Array.from({ length: 1 + int(3) }, () => ({ k: pick(GROUPS), v: int(5) })));
  set("tags", 0.6, () => Array.from({ length: 1 + int(2) }, () => pick(["red", "green", "blue"])));
  return d;
}

// Expressions by result type, so that most of them evaluate rather than fail.
const NUM_FIELDS = ["$n", "$m", "$o.x", "$m"];
const STR_FIELDS = ["$s", "$g", "$o.y"];

function num(d) {
  if (d <= 0 || chance(0.35)) return chance(0.6) ? pick(NUM_FIELDS) : pick(NUMBERS);
  switch (int(17)) {
    case 0: return { $add: [num(d - 1), num(d - 1)] };
    case 1: return { $subtract: [num(d - 1), num(d - 1)] };
    case 2: return { $multiply: [num(d - 1), num(d - 1)] };
    case 3: return { $divide: [num(d - 1), pick([1, 2, 4, -2, 0.5, 0])] };
    case 4: return { $mod: [num(d - 1), pick([2, 3, -3])] };
    case 5: return { [pick(["$abs", "$ceil", "$floor"])]: num(d - 1) };
    case 6: return { [pick(["$round", "$trunc"])]: [num(d - 1), pick([0, 1, -1])] };
    case 7: return { $size: pick(["$arr", "$tags", "$objs"]) };
    case 8: return { $strLenBytes: str(d - 1) };
    case 9: return { $cond: [bool(d - 1), num(d - 1), num(d - 1)] };
    case 10: return { $ifNull: [pick(NUM_FIELDS), num(d - 1)] };
    case 11: return { $arrayElemAt: [pick(["$arr", [5, 6, 7]]), pick([0, 1, -1, 4])] };
    case 12: return { [pick(["$sum", "$avg", "$min", "$max"])]: pick(["$arr", "$objs.v", [num(d - 1), num(d - 1)]]) };
    case 13: return { $cmp: [num(d - 1), num(d - 1)] };
    case 14: return { $toDouble: num(d - 1) };
    case 15: return { $switch: { branches: [{ case: bool(d - 1), then: num(d - 1) }], default: num(d - 1) } };
    default: return { $toLong: pick(["$m", "$n", 5, 2.5]) };
  }
}

function str(d) {
  if (d <= 0 || chance(0.35)) return chance(0.6) ? pick(STR_FIELDS) : pick(STRINGS);
  switch (int(8)) {
    case 0: return { $concat: [str(d - 1), pick(["-", "", str(d - 1)])] };
    case 1: return { [pick(["$toLower", "$toUpper"])]: str(d - 1) };
    case 2: return { $substrBytes: [str(d - 1), pick([0, 1, 2]), pick([0, 1, 3])] };
    case 3: return { [pick(["$trim", "$ltrim", "$rtrim"])]: chance(0.5) ? { input: str(d - 1) } : { input: str(d - 1), chars: pick(["a", " ", "ae"]) } };
    case 4: return { $toString: pick(["$m", 12, "$s", true]) };
    case 5: return { $cond: { if: bool(d - 1), then: str(d - 1), else: str(d - 1) } };
    case 6: return { $ifNull: [pick(STR_FIELDS), "none"] };
    default: return { $arrayElemAt: [{ $split: [str(d - 1), ","] }, pick([0, -1])] };
  }
}

function bool(d) {
  if (d <= 0 || chance(0.2)) return pick([true, false, { $isArray: pick(["$arr", "$tags", "$s"]) }]);
  switch (int(6)) {
    case 0:
    case 1: {
      const op = pick(["$eq", "$ne", "$gt", "$gte", "$lt", "$lte"]);
      return chance(0.6) ? { [op]: [num(d - 1), num(d - 1)] } : { [op]: [str(d - 1), str(d - 1)] };
    }
    case 2: return { [pick(["$and", "$or"])]: [bool(d - 1), bool(d - 1)] };
    case 3: return { $not: [bool(d - 1)] };
    case 4: return { $in: [pick([1, 2, 3, "$m"]), pick(["$arr", [1, 3, 5]])] };
    default: return { $toBool: num(d - 1) };
  }
}

function arr(d) {
  switch (int(5)) {
    case 0: return pick(["$arr", "$tags", "$objs.v", "$objs.k"]);
    case 1: return { $concatArrays: [pick(["$arr", "$tags"]), [num(d - 1), 9]] };
    case 2: return { $slice: [pick(["$arr", "$tags"]), pick([1, 2, -1])] };
    case 3: return { $split: [str(d - 1), pick([",", "a"])] };
    default: return [num(d - 1), str(d - 1)];
  }
}

function any(d) {
  switch (int(7)) {
    case 0: return num(d);
    case 1: return str(d);
    case 2: return bool(d);
    case 3: return arr(d);
    case 4: return { $mergeObjects: ["$o", { z: num(d - 1) }] };
    case 5: return { k: num(d - 1), t: str(d - 1) };
    default: return { $literal: pick(["$x", 1, { a: 1 }]) };
  }
}

const NEW_FIELDS = ["f1", "f2", "f3", "o.z", "n"];

function genMatch() {
  return pick([
    { n: { $gt: pick([0, 1, 2]) } }, { g: pick(GROUPS) }, { arr: pick([1, 2, 3]) },
    { s: { $in: [pick(STRINGS), pick(STRINGS)] } }, { m: { $lte: 5 } },
    { $or: [{ g: "p" }, { n: { $lt: 0 } }] }, { "o.x": { $gte: 3 } },
  ]);
}

function genProject() {
  if (chance(0.3)) {  // exclusion
    const p = {};
    for (const f of ["s", "arr", "o.y", "objs", "tags"]) if (chance(0.4)) p[f] = 0;
    if (chance(0.3)) p._id = 0;
    if (Object.keys(p).length === 0) p.s = 0;
    return p;
  }
  const p = {};
  for (const f of ["g", "n", "m", "s", "arr", "o.x", "objs.v"]) if (chance(0.3)) p[f] = 1;
  const k = int(3);
  // In $project an object without operators is a nested projection, not an expression
  // (mingo reads it as an expression), so computed fields here are never plain objects.
  const computed = () => {
    for (;;) {
      const e = any(2);
      if (e === null || typeof e !== "object" || Array.isArray(e) || Object.keys(e)[0].startsWith("$")) return e;
    }
  };
  for (let i = 0; i < k; i++) p[pick(["c1", "c2", "c3", "o.c"])] = computed();
  if (chance(0.2)) p._id = 0;
  if (Object.keys(p).length === 0) p.g = 1;
  // "o.x" with "o.c" is fine; "o" with "o.x" would collide, never generated.
  return p;
}

// In $addFields an object without operators is merged into an existing embedded document (or
// into each element of an array); mingo replaces the field instead, so object literals go
// through $mergeObjects, which replaces in both.
const asValue = (e) => (e !== null && typeof e === "object" && !Array.isArray(e) &&
                        !Object.keys(e)[0]?.startsWith("$") ? { $mergeObjects: [e] } : e);

function genAddFields() {
  // Every expression of a stage sees the stage's input; mingo lets a field set earlier in the
  // same stage show through, so a stage that replaces an existing field sets only that one.
  const first = pick(NEW_FIELDS);
  if (first === "n") return { n: asValue(any(2)) };
  if (first === "o.z") return { "o.z": chance(0.5) ? num(2) : str(2) };  // no "$o" inside
  const a = { [first]: asValue(any(2)) };
  if (chance(0.5)) a[pick(["f1", "f2", "f3"])] = asValue(any(2));
  return a;
}

function genGroup() {
  const g = { _id: pick(["$g", null, "$m", { g: "$g", big: { $gt: ["$m", 4] } }, { $mod: ["$m", 3] }, "$tags"]) };
  const k = 1 + int(3);
  for (let i = 0; i < k; i++) {
    const op = pick(["$sum", "$sum", "$avg", "$min", "$max", "$first", "$last", "$push", "$addToSet", "$count"]);
    let operand;
    if (op === "$count") operand = {};
    else if (op === "$sum" && chance(0.3)) operand = 1;
    else if (["$sum", "$avg"].includes(op)) operand = num(1);
    else operand = pick([num(1), str(1), "$arr", "$s", "$n"]);
    g["acc" + i] = { [op]: operand };
  }
  return g;
}

const SORT_FIELDS = ["g", "n", "m", "s", "o.x"];

// Pipelines keep track of whether the order of their output is defined (so that $limit and
// $skip pick the same documents in both) and whether _id still tells documents apart (so that
// a $sort ending with _id has no ties).
function genPipeline() {
  const stages = [];
  // sortableId: mingo orders objects and arrays differently from MongoDB, so group keys of
  // those kinds are not sorted on.
  let ordered = true, idUnique = true, grouped = false, sortableId = true;
  const n = 1 + int(4);
  for (let i = 0; i < n; i++) {
    const r = int(12);
    if (r === 0) stages.push({ $match: genMatch() });
    else if (r === 1 && !grouped) {
      const p = genProject();
      if (p._id === 0) idUnique = false;
      stages.push({ $project: p });
    } else if (r === 2 && !grouped) stages.push({ [pick(["$addFields", "$set"])]: genAddFields() });
    else if (r === 3 && !grouped) {
      const group = genGroup();
      stages.push({ $group: group });
      ordered = false; idUnique = true; grouped = true;
      sortableId = group._id === null || typeof group._id !== "object" ||
                   Object.keys(group._id)[0].startsWith("$");
      if (group._id === "$tags") sortableId = false;
    } else if ((r === 4 || r === 5) && idUnique && sortableId) {
      const spec = {};
      if (!grouped) spec[pick(SORT_FIELDS)] = pick([1, -1]);
      spec._id = pick([1, -1]);
      stages.push({ $sort: spec });
      ordered = true;
    } else if (r === 6 && ordered) stages.push({ $limit: 1 + int(8) });
    else if (r === 7 && ordered) stages.push({ $skip: int(5) });
    else if (r === 8 && !grouped) {
      const path = pick(["$arr", "$tags", "$objs", "$g"]);
      stages.push({ $unwind: chance(0.5) ? path : {
        path, preserveNullAndEmptyArrays: chance(0.5), ...(chance(0.4) ? { includeArrayIndex: "idx" } : {}) } });
      idUnique = false;
    } else if (r === 9 && !grouped) {
      stages.push({ $lookup: { from: "other", localField: pick(["g", "tags", "objs.k"]),
                               foreignField: "key", as: "joined" } });
    } else if (r === 10) {
      stages.push({ $count: "total" });
      break;
    } else if (!grouped) stages.push({ $addFields: { f1: asValue(any(3)) } });
  }
  return stages;
}

const OTHER = [
  { _id: 100, key: "p", w: 1 }, { _id: 101, key: ["q", "r"], w: 2 }, { _id: 102, key: null, w: 3 },
  { _id: 103, w: 4 }, { _id: 104, key: "red", w: 5 }, { _id: 105, key: "p", w: 6 },
];

// ---- run both ----

const docs = [];
for (let i = 0; i < args.docs; i++) docs.push(genDoc(i));
const pipelines = [];
for (let i = 0; i < args.pipelines; i++) pipelines.push(genPipeline());
const collections = { other: OTHER };

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "strata-aggdiff-"));
const casesFile = path.join(tmp, "cases.json");
fs.writeFileSync(casesFile, JSON.stringify({ docs, collections, pipelines }));
const run = spawnSync(args.binary, [casesFile], { encoding: "utf8", maxBuffer: 1 << 28 });
fs.rmSync(tmp, { recursive: true, force: true });
if (run.status !== 0) {
  console.error(`aggregate_differential: ${args.binary} failed (${run.status}): ${run.stderr}`);
  process.exit(1);
}
const strata = JSON.parse(run.stdout).results;

function mingoRun(pipeline, patches = []) {
  const ops = {};
  for (const [type, base] of Object.entries(mingo.ops)) {
    ops[type] = { ...base };
    for (const p of patches) Object.assign(ops[type], p.ops[type] || {});
  }
  const run = (stages, input) => new mingo.Aggregator(structuredClone(stages), {
    context: mingo.core.Context.init(ops),
    collectionResolver: (name) => structuredClone(collections[name] || []),
  }).run(structuredClone(input));
  try {
    let out;
    const limit = pipeline.findIndex((st) => st.$limit !== undefined);
    const streaming = (st) =>
      ["$match", "$project", "$addFields", "$set", "$unwind", "$lookup", "$skip"].includes(Object.keys(st)[0]);
    // The stages between the last blocking one ($sort, $group) and the $limit stream.
    const from = limit < 0 ? -1 : pipeline.slice(0, limit).findLastIndex((st) => !streaming(st)) + 1;
    if (patches.some((p) => p.stream) && limit > from) {
      // One document at a time through the streaming stages before the $limit, until it has enough.
      const head = [];
      const skips = pipeline.map((st) => st.$skip ?? 0);
      for (const doc of from > 0 ? run(pipeline.slice(0, from), docs) : docs) {
        if (head.length >= pipeline[limit].$limit) break;
        let cur = [doc];
        pipeline.slice(from, limit).forEach((st, j) => {
          const i = from + j;
          if (st.$skip === undefined) {
            cur = run([st], cur);
          } else {
            while (skips[i] > 0 && cur.length > 0) { cur.shift(); skips[i]--; }
          }
        });
        head.push(...cur);
      }
      out = run(pipeline.slice(limit), head);
    } else {
      out = run(pipeline, docs);
    }
    out = JSON.parse(JSON.stringify(out));
    for (const p of patches) if (p.fix) out = p.fix(pipeline, out);
    return normalizeLookups(pipeline, out);
  } catch (e) {
    return { error: String(e.message || e) };
  }
}

// A $lookup's array holds the matching documents in no defined order, and never null (mingo
// adds one for each local array element that matches nothing): sorted by _id, nulls dropped.
function normalizeLookups(pipeline, out) {
  if (!Array.isArray(out) || !pipeline.some((s) => s.$lookup)) return out;
  for (const doc of out) {
    if (doc && Array.isArray(doc.joined)) {
      doc.joined = doc.joined.filter((d) => d !== null).sort((x, y) => x._id - y._id);
    }
  }
  return out;
}

// Deep equality with numbers by value (doubles within a relative 1e-9: sums may round
// differently), objects' fields in any order (mingo does not keep MongoDB's field order).
function same(x, y) {
  if (x === y) return true;
  if (typeof x === "number" && typeof y === "number") {
    return Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(x), Math.abs(y));
  }
  if (typeof x !== typeof y || x === null || y === null) return false;
  if (Array.isArray(x) !== Array.isArray(y)) return false;
  if (Array.isArray(x)) return x.length === y.length && x.every((v, i) => same(v, y[i]));
  if (typeof x !== "object") return false;
  const kx = Object.keys(x).sort(), ky = Object.keys(y).sort();
  return same(kx, ky) && kx.every((k) => same(x[k], y[k]));
}

// A canonical text for a document, to compare outputs whose order is not defined.
function canonical(x) {
  if (Array.isArray(x)) return "[" + x.map(canonical).join(",") + "]";
  if (x !== null && typeof x === "object") {
    return "{" + Object.keys(x).sort().map((k) => JSON.stringify(k) + ":" + canonical(x[k])).join(",") + "}";
  }
  if (typeof x === "number") return String(Number(x.toPrecision(12)));
  return JSON.stringify(x);
}

function outputOrdered(pipeline) {
  let ordered = true;
  for (const stage of pipeline) {
    if (stage.$group) ordered = false;
    if (stage.$sort) ordered = true;
  }
  return ordered;
}

function sameOutput(pipeline, s, m) {
  if (!Array.isArray(s) || !Array.isArray(m) || s.length !== m.length) return false;
  if (outputOrdered(pipeline)) return same(s, m);
  const a = s.map(canonical).sort(), b = m.map(canonical).sort();
  return a.every((v, i) => v === b[i]) || same([...s].sort(byCanon), [...m].sort(byCanon));
}
const byCanon = (x, y) => (canonical(x) < canonical(y) ? -1 : canonical(x) > canonical(y) ? 1 : 0);
const text = (p) => JSON.stringify(p);
const isError = (r) => r !== null && typeof r === "object" && !Array.isArray(r) && "error" in r;

// ---- where mingo departs from MongoDB (Strata follows MongoDB) ----
//
// Each known difference is a patch: MongoDB's rule for a few mingo operators. A pipeline on
// which Strata and plain mingo differ, but Strata and mingo with one patch (or all of them)
// agree, counts as that known difference; anything else fails the test.

const { evalExpr } = mingo.core;

// MongoDB's order across types (missing < null < numbers < strings < objects < arrays <
// booleans), objects field by field (type, name, value), strings bytewise.
const rank = (v) => v === undefined ? 0 : v === null ? 1 : typeof v === "number" ? 2 :
  typeof v === "string" ? 3 : Array.isArray(v) ? 5 : typeof v === "object" ? 4 : typeof v === "boolean" ? 7 : 9;
function bsonCompare(a, b) {
  const ra = rank(a), rb = rank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  if (ra === 2 || ra === 7) return a < b ? -1 : a > b ? 1 : 0;
  if (ra === 3) return Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b)));
  if (ra === 5) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const c = bsonCompare(a[i], b[i]);
      if (c !== 0) return c;
    }
    return Math.sign(a.length - b.length);
  }
  if (ra === 4) {
    const ka = Object.keys(a), kb = Object.keys(b);
    for (let i = 0; i < Math.min(ka.length, kb.length); i++) {
      const c = Math.sign(rank(a[ka[i]]) - rank(b[kb[i]])) || bsonCompare(ka[i], kb[i]) ||
                bsonCompare(a[ka[i]], b[kb[i]]);
      if (c !== 0) return c;
    }
    return Math.sign(ka.length - kb.length);
  }
  return 0;
}
const comparison = (test) => (obj, expr, options) => {
  const [x, y] = evalExpr(obj, expr, options);
  return test(bsonCompare(x, y));
};
// The operands of an accumulator for the group's documents, missing ones left out (MongoDB's
// $push, $addToSet, $min and $max skip them): mingo's own $push over an operand that marks
// "missing" with a sentinel.
const MISSING = "\u0000missing\u0000";
const collect = (coll, expr, options) =>
  mingo.ops.accumulator.$push(coll, { $cond: [{ $eq: [{ $type: expr }, "missing"] }, MISSING, expr] }, options)
    .filter((v) => v !== MISSING);

// $sum, $avg, $min and $max serve both as $group accumulators (called with the group's
// documents) and as expressions (called with one document).
const best = (xs, sign) => xs.filter((v) => v !== null && v !== undefined)
  .reduce((b, v) => (b === null || bsonCompare(v, b) * sign > 0 ? v : b), null);
function reduction(op) {
  return (obj, expr, options) => {
    if (Array.isArray(obj)) {
      if (op === "$min" || op === "$max") return best(collect(obj, expr, options), op === "$max" ? 1 : -1);
      return mingo.ops.accumulator[op](obj, expr, options);
    }
    let xs = evalExpr(obj, expr, options);
    if (!Array.isArray(expr)) xs = Array.isArray(xs) ? xs : [xs];
    if (op === "$min" || op === "$max") return best(xs, op === "$max" ? 1 : -1);
    const nums = xs.filter((x) => typeof x === "number");
    const sum = nums.reduce((a, b) => a + b, 0);
    if (op === "$sum") return sum;
    return nums.length ? sum / nums.length : null;
  };
}
const reductions = Object.fromEntries(["$sum", "$avg", "$min", "$max"].map((op) => [op, reduction(op)]));

// $first and $last are also array expressions (called with one document).
const firstLast = {
  $first: (obj, expr, options) => (Array.isArray(obj)
    ? mingo.ops.accumulator.$push(obj, expr, options)[0] ?? null
    : mingo.ops.expression.$first(obj, expr, options)),
  $last: (obj, expr, options) => (Array.isArray(obj)
    ? mingo.ops.accumulator.$push(obj, expr, options).at(-1) ?? null
    : mingo.ops.expression.$last(obj, expr, options)),
};

const PATCHES = [
  {
    name: "cross-type comparison",
    why: "MongoDB's $eq/$ne/$gt/$gte/$lt/$lte/$cmp compare any two values in BSON order (missing " +
         "below null, numbers below strings); mingo's return false across types and equate " +
         "missing with null",
    ops: { expression: {
      $eq: comparison((c) => c === 0), $ne: comparison((c) => c !== 0), $gt: comparison((c) => c > 0),
      $gte: comparison((c) => c >= 0), $lt: comparison((c) => c < 0), $lte: comparison((c) => c <= 0),
      $cmp: comparison((c) => c),
    } },
  },
  {
    name: "missing operands of $push/$addToSet",
    why: "MongoDB's $push and $addToSet skip a missing operand; mingo adds null",
    ops: { accumulator: {
      $push: collect,
      $addToSet: (coll, expr, options) => collect(coll, expr, options)
        .filter((v, i, all) => all.findIndex((w) => bsonCompare(v, w) === 0) === i),
    } },
  },
  {
    name: "$size of a non-array",
    why: "MongoDB's $size fails unless its argument is an array; mingo returns null for null/missing",
    ops: { expression: {
      $size: (obj, expr, options) => {
        const v = evalExpr(obj, expr, options);
        if (!Array.isArray(v)) throw new Error("$size: the argument must be an array");
        return v.length;
      },
    } },
  },
  {
    name: "null operands",
    why: "MongoDB's $mod, $divide, $slice and $concatArrays return null for a null or missing " +
         "operand; mingo fails",
    ops: { expression: {
      $mod: (obj, expr, options) => {
        const [a, b] = evalExpr(obj, expr, options);
        if (a === null || a === undefined || b === null || b === undefined) return null;
        return mingo.ops.expression.$mod(obj, expr, options);
      },
      $divide: (obj, expr, options) => {
        const args = evalExpr(obj, expr, options);
        if (args.some((a) => a === null || a === undefined)) return null;
        return mingo.ops.expression.$divide(obj, expr, options);
      },
      $concatArrays: (obj, expr, options) => {
        const args = evalExpr(obj, expr, options);
        if (args.some((a) => a === null || a === undefined)) return null;
        return mingo.ops.expression.$concatArrays(obj, expr, options);
      },
      $slice: (obj, expr, options) => {
        const args = evalExpr(obj, expr, options);
        if (args.some((a) => a === null || a === undefined)) return null;
        return mingo.ops.expression.$slice(obj, expr, options);
      },
    } },
  },
  {
    name: "one non-array operand of $sum/$avg/$min/$max",
    why: "MongoDB's expression $sum/$avg/$min/$max take a single non-array operand as a list of " +
         "one (a missing or null one adds nothing); mingo fails",
    ops: { expression: reductions, accumulator: reductions },
  },
  {
    name: "$min/$max over arrays",
    why: "MongoDB's $min/$max accumulators compare arrays element by element in BSON order; mingo " +
         "compares them differently",
    ops: { accumulator: reductions },
  },
  {
    name: "$substrBytes past the end",
    why: "MongoDB's $substrBytes clamps the range to the string (\"\" past its end, null and " +
         "missing read as \"\"); mingo fails",
    ops: { expression: {
      $substrBytes: (obj, expr, options) => {
        const [str, start, count] = evalExpr(obj, expr, options);
        if ((typeof str !== "string" && str !== null && str !== undefined) || typeof start !== "number" ||
            typeof count !== "number" || start < 0) {
          return mingo.ops.expression.$substrBytes(obj, expr, options);
        }
        const bytes = Buffer.from(str ?? "");
        return bytes.subarray(start, count < 0 ? bytes.length : start + count).toString();
      },
    } },
  },
  {
    name: "$toLower/$toUpper of null",
    why: "MongoDB's $toLower and $toUpper return \"\" for null or missing; mingo returns null",
    ops: { expression: {
      $toLower: (obj, expr, options) => {
        const v = evalExpr(obj, expr, options);
        return v === null || v === undefined ? "" : mingo.ops.expression.$toLower(obj, expr, options);
      },
      $toUpper: (obj, expr, options) => {
        const v = evalExpr(obj, expr, options);
        return v === null || v === undefined ? "" : mingo.ops.expression.$toUpper(obj, expr, options);
      },
    } },
  },
  {
    name: "$round to tens",
    why: "MongoDB's $round with a negative place rounds to tens, hundreds, ... (half to even); " +
         "mingo's gives 0 for integers",
    ops: { expression: {
      $round: (obj, expr, options) => {
        const [x, place] = evalExpr(obj, expr, options);
        if (typeof x !== "number" || typeof place !== "number" || place >= 0) {
          return mingo.ops.expression.$round(obj, expr, options);
        }
        const scale = 10 ** -place, q = x / scale, r = Math.round(q);
        const even = Math.abs(q % 1) === 0.5 ? (r % 2 === 0 ? r : r - 1) : r;
        return even * scale;
      },
    } },
  },
  {
    name: "empty parent of a missing computed field",
    why: "MongoDB sets a dotted computed field ('o.z') by building its parent object even when " +
         "the value is missing, leaving {} behind; mingo leaves the parent out",
    ops: {},
    fix: (pipeline, out) => {
      // Only when such a stage comes after every $project, $group and $count.
      const sets = (st) => Object.entries(st.$addFields || st.$set || st.$project || {})
        .some(([k, v]) => k.startsWith("o.") && v !== 0 && v !== 1);
      const last = pipeline.findLastIndex(sets);
      // (An inclusion $project that keeps some "o.*" keeps the {} too.)
      const inclusion = (st) => st.$project && Object.entries(st.$project).some(([k, v]) => k !== "_id" && v !== 0) &&
        !Object.keys(st.$project).some((k) => k.startsWith("o."));
      const reshaped = pipeline.findLastIndex((st) => inclusion(st) || st.$group || st.$count);
      if (last < 0 || reshaped > last || (reshaped === last && !pipeline[last].$project) ||
          !Array.isArray(out)) {
        return out;
      }
      return out.map((d) => (d && typeof d === "object" && !("o" in d) ? { ...d, o: {} } : d));
    },
  },
  {
    name: "documents past a $limit",
    why: "MongoDB pulls documents through the pipeline one at a time, so the stages before a " +
         "$limit never see (nor fail on) the documents after it; mingo runs each stage over all",
    ops: {},
    stream: true,
  },
  {
    name: "$first/$last evaluate every document",
    why: "MongoDB's $first and $last evaluate their operand for every document of the group (so " +
         "an error anywhere fails the stage); mingo evaluates it for one",
    ops: { expression: firstLast, accumulator: firstLast },
  },
  {
    name: "$sort by an array field",
    why: "MongoDB sorts an array by its smallest element ascending and its largest descending (an " +
         "empty array below null); mingo compares arrays as wholes",
    ops: { pipeline: { $sort: (coll, spec) => coll.transform((items) => {
      const keyOf = (doc, path, dir) => {
        let v = doc;
        for (const part of path.split(".")) v = v !== null && typeof v === "object" && !Array.isArray(v) ? v[part] : undefined;
        if (v === undefined) return null;
        if (!Array.isArray(v)) return v;
        if (v.length === 0) return undefined;  // below null
        return v.reduce((b, e) => (bsonCompare(e, b) * dir < 0 ? e : b));
      };
      const sorted = items.map((doc, i) => ({ doc, i, keys: Object.entries(spec).map(([p, d]) => keyOf(doc, p, d)) }))
        .sort((a, b) => {
          for (let k = 0; k < a.keys.length; k++) {
            const c = bsonCompare(a.keys[k], b.keys[k]) * Object.values(spec)[k];
            if (c !== 0) return c;
          }
          return a.i - b.i;
        }).map((x) => x.doc);
      return mingo.Lazy(sorted);
    }) } },
  },
  {
    name: "$toLong of an array or object",
    why: "MongoDB's $toLong (like every $convert) refuses arrays and objects; mingo converts [3] to 3",
    ops: { expression: {
      $toLong: (obj, expr, options) => {
        const v = evalExpr(obj, expr, options);
        if (v !== null && typeof v === "object") throw new Error("$toLong: unsupported conversion");
        return mingo.ops.expression.$toLong(obj, expr, options);
      },
    } },
  },
  {
    name: "arithmetic on strings",
    why: "MongoDB's $multiply fails on a string; mingo multiplies \"7\" as 7",
    ops: { expression: {
      $multiply: (obj, expr, options) => {
        // In order, as MongoDB: the first null or missing gives null, the first non-number fails.
        for (const a of evalExpr(obj, expr, options)) {
          if (a === null || a === undefined) return null;
          if (typeof a !== "number") throw new Error("$multiply: not a number");
        }
        return mingo.ops.expression.$multiply(obj, expr, options);
      },
    } },
  },
  {
    name: "$unwind copies share objects",
    why: "MongoDB's $unwind outputs independent documents; mingo's share their embedded objects, " +
         "so a later stage that changes one (a $project removing 'o.y') changes the others",
    ops: { pipeline: {
      $unwind: (coll, expr, options) => mingo.ops.pipeline.$unwind(coll, expr, options).map((d) => structuredClone(d)),
    } },
  },
  {
    name: "$count of no documents",
    why: "MongoDB's $count outputs nothing when no document reaches it; mingo outputs a count of 0",
    ops: {},
    fix: (pipeline, out) => (pipeline.at(-1).$count && Array.isArray(out) && out.length === 1 &&
                             Object.values(out[0])[0] === 0 ? [] : out),
  },
  {
    name: "$lookup of a local field that reaches nothing",
    why: "MongoDB's $lookup matches null (and missing) foreign fields when the local path reaches " +
         "no value (a missing field, an empty array, objects without the field); mingo matches nothing",
    ops: { pipeline: { $lookup: lookupAsMongo } },
  },
];

// MongoDB's $lookup equality (as the driver's resolver and stage_unwind_lookup.cc do it): the
// local values are every value the path reaches with arrays expanded, null when there is none;
// a foreign document matches when its field (or an element of it), or null when missing,
// equals one of them.
function reach(v, parts) {
  if (parts.length === 0) return Array.isArray(v) ? v : [v];
  if (Array.isArray(v)) return v.flatMap((e) => (e !== null && typeof e === "object" && !Array.isArray(e) ? reach(e, parts) : []));
  if (v === null || typeof v !== "object" || !(parts[0] in v)) return [];
  return reach(v[parts[0]], parts.slice(1));
}
function lookupAsMongo(coll, spec) {
  const foreign = collections[spec.from] || [];
  return coll.map((doc) => {
    let local = reach(doc, spec.localField.split("."));
    if (local.length === 0) local = [null];
    const joined = foreign.filter((f) => {
      const v = f[spec.foreignField];
      const candidates = v === undefined ? [null] : Array.isArray(v) ? [v, ...v] : [v];
      return candidates.some((c) => local.some((l) => bsonCompare(c, l) === 0));
    });
    return { ...doc, [spec.as]: structuredClone(joined) };
  });
}

function knownDifference(pipeline, s) {
  for (const patch of PATCHES) {
    const m = mingoRun(pipeline, [patch]);
    if (agree(pipeline, s, m)) return patch.name;
  }
  const m = mingoRun(pipeline, PATCHES);
  return agree(pipeline, s, m) ? "several" : null;
}

// ---- compare ----

// --explain N prints pipeline N with Strata's output and mingo's, plain and patched.
if (args.explain !== undefined) {
  const p = pipelines[args.explain];
  console.log(text(p));
  console.log("strata:  " + text(normalizeLookups(p, strata[args.explain])));
  console.log("mingo:   " + text(mingoRun(p)));
  for (const patch of PATCHES) console.log(`${patch.name}: ` + text(mingoRun(p, [patch])));
  console.log("all patches: " + text(mingoRun(p, PATCHES)));
  process.exit(0);
}

const agree = (p, s, m) => (isError(s) && isError(m)) ||
  (!isError(s) && !isError(m) && sameOutput(p, s, m));
const stats = { agree: 0, known: {}, differ: [] };
pipelines.forEach((p, index) => {
  const s = normalizeLookups(p, strata[index]), m = mingoRun(p);
  if (agree(p, s, m)) {
    stats.agree++;
    return;
  }
  const k = knownDifference(p, s);
  if (k) {
    stats.known[k] = (stats.known[k] || 0) + 1;
    return;
  }
  stats.differ.push({ index, pipeline: p, strata: s, mingo: m });
});

const knownTotal = Object.values(stats.known).reduce((a, n) => a + n, 0);
const detail = Object.entries(stats.known).map(([k, n]) => `${k} ${n}`).join(", ");
console.log(`aggregate_differential: seed ${args.seed}, ${docs.length} documents, ` +
            `${pipelines.length} pipelines: ${stats.agree} agree, ${knownTotal} known differences` +
            (detail ? ` (${detail})` : "") + `, ${stats.differ.length} differ`);
if (stats.differ.length > 0) {
  fs.writeFileSync(args.out, JSON.stringify({ seed: args.seed, docs, differences: stats.differ }, null, 1));
  console.log(`aggregate_differential: differences written to ${args.out}; first ones:`);
  for (const d of stats.differ.slice(0, 5)) {
    console.log(`  [${d.index}] ${text(d.pipeline)}`);
    console.log(`    strata: ${text(d.strata).slice(0, 600)}`);
    console.log(`    mingo:  ${text(d.mingo).slice(0, 600)}`);
  }
  console.log(`${pipelines.length - stats.differ.length} passed, ${stats.differ.length} failed`);
  process.exit(1);
}
console.log(`${pipelines.length} passed, 0 failed`);
