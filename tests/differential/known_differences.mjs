// Where mingo departs from MongoDB. Strata follows MongoDB (its manual and its matcher's path
// iteration), so a difference in one of these classes is expected; anything else fails the test.
// Each class says why and recognises its cases from the filter (or update) and the document.

const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const isIndex = (s) => /^(0|[1-9][0-9]*)$/.test(s);
const MISSING = Symbol("missing");

// MongoDB's path iteration (as codec/path.cc): the values a path reaches, MISSING where it stops
// at a missing field or a scalar, and what it met on the way.
export function traverse(doc, path) {
  const parts = path.split(".");
  const info = { values: [], nestedArray: false, crossesArray: false };
  const emit = (v) => info.values.push(v);
  function leaf(v) {
    if (Array.isArray(v) && v.some(Array.isArray)) info.nestedArray = true;
    emit(v);
  }
  function child(c, step) {
    if (Array.isArray(c)) return isIndex(step) ? c[Number(step)] : undefined;
    return Object.prototype.hasOwnProperty.call(c, step) ? c[step] : undefined;
  }
  function fromContainer(c, i) {
    for (let cur = c; ; i++) {
      const v = child(cur, parts[i]);
      if (v === undefined) return emit(MISSING);
      if (i + 1 === parts.length) return leaf(v);
      if (Array.isArray(v)) return inArray(v, i + 1);
      if (!isObject(v)) return emit(MISSING);
      cur = v;
    }
  }
  function inArray(arr, j) {
    info.crossesArray = true;
    if (arr.some(Array.isArray)) info.nestedArray = true;
    const last = j + 1 === parts.length;
    arr.forEach((e, k) => {
      const offset = isIndex(parts[j]) && Number(parts[j]) === k;
      if (isObject(e)) {
        fromContainer(e, j);
        if (offset) last ? emit(e) : fromContainer(e, j + 1);
      } else if (offset) {
        if (last) emit(e);
        else if (Array.isArray(e)) inArray(e, j + 1);
      }
    });
  }
  fromContainer(doc, 0);
  return info;
}

// Every (path, operator, operand) in a filter, through $and/$or/$nor, $not and $elemMatch
// (whose sub-paths are taken relative to the array's path).
export function conditions(filter, prefix = "") {
  const out = [];
  for (const [key, cond] of Object.entries(filter)) {
    if (["$and", "$or", "$nor"].includes(key)) {
      for (const sub of cond) out.push(...conditions(sub, prefix));
      continue;
    }
    const path = prefix + key;
    const ops = isObject(cond) && Object.keys(cond)[0]?.startsWith("$") ? cond : { $eq: cond };
    const add = (opsObject) => {
      for (const [op, arg] of Object.entries(opsObject)) {
        if (op === "$not") add(arg);
        else if (op === "$elemMatch" && isObject(arg) && Object.keys(arg)[0]?.startsWith("$") &&
                 !["$and", "$or", "$nor"].includes(Object.keys(arg)[0])) {
          out.push({ path, op, arg });
          add(arg);
        } else if (op === "$elemMatch" && isObject(arg)) {
          out.push({ path, op, arg });
          out.push(...conditions(arg, path + "."));
        } else {
          out.push({ path, op, arg });
        }
      }
    };
    add(ops);
  }
  return out;
}

// A $elemMatch argument of the document form ({b: 1}, {$or: [...]}) rather than operators.
const isDocumentForm = (arg) => {
  const first = Object.keys(arg)[0];
  return first === undefined || !first.startsWith("$") || ["$and", "$or", "$nor"].includes(first);
};

const RANGE = ["$gt", "$gte", "$lt", "$lte"];
const EQUALITY = ["$eq", "$ne", "$in", "$nin", "$all"];
const operands = (c) => (["$in", "$nin", "$all"].includes(c.op) && Array.isArray(c.arg) ? c.arg : [c.arg]);

function some(filter, doc, test) {
  return conditions(filter).some((c) => test(c, traverse(doc, c.path)));
}

export const KNOWN_DIFFERENCES = [
  {
    kind: "filter",
    name: "nested arrays",
    why: "mingo flattens arrays nested in arrays while resolving a path; MongoDB expands only the " +
         "array a path ends at, one level deep, and enters a nested array only through a numeric step",
    applies: (filter, doc) => some(filter, doc, (c, t) => t.nestedArray),
  },
  {
    kind: "filter",
    name: "$type on array elements",
    why: "mingo's $type tests an array field as a whole; MongoDB also matches when an element has " +
         "the type (manual: 'at least one array element matches')",
    applies: (filter, doc) => some(filter, doc, (c, t) => c.op === "$type" && t.values.some(Array.isArray)),
  },
  {
    kind: "filter",
    name: "array operands",
    why: "with an array operand MongoDB also compares an array field as a whole (BSON order for " +
         "ranges, $in/$nin equality); mingo compares only its elements",
    applies: (filter, doc) => some(filter, doc, (c, t) =>
      (RANGE.includes(c.op) || ["$in", "$nin"].includes(c.op)) && operands(c).some(Array.isArray) &&
      t.values.some(Array.isArray)),
  },
  {
    kind: "filter",
    name: "object order",
    why: "MongoDB orders objects field by field (type, name, value) for $gt/$gte/$lt/$lte; mingo " +
         "does not",
    applies: (filter, doc) => some(filter, doc, (c, t) => RANGE.includes(c.op) && isObject(c.arg)),
  },
  {
    kind: "filter",
    name: "paths through arrays",
    why: "mingo tests the list of values a path collects through an array as one array value " +
         "($size, $type, $exists, $all, $elemMatch, null and array equality), and does not expand " +
         "arrays found at its end; MongoDB tests each value reached (and each element of an array " +
         "reached), and an array without object elements yields nothing for the rest of the path",
    applies: (filter, doc) => some(filter, doc, (c, t) => t.crossesArray && (
      t.values.some(Array.isArray) ||  // mingo does not expand arrays reached through arrays
      ["$size", "$type", "$exists", "$all", "$elemMatch"].includes(c.op) ||
      operands(c).some((v) => v === null || Array.isArray(v)) ||
      ((c.op === "$gte" || c.op === "$lte") && c.arg === null))),
  },
  {
    kind: "filter",
    name: "missing as null in ranges",
    why: "MongoDB's $gte: null and $lte: null match a missing field (or a path stopped by a " +
         "scalar) as they match null; mingo only null",
    applies: (filter, doc) => some(filter, doc, (c, t) =>
      (c.op === "$gte" || c.op === "$lte") && c.arg === null && t.values.includes(MISSING)),
  },
  {
    kind: "filter",
    name: "$all on non-arrays",
    why: "MongoDB's {$all: [x, ...]} is an $and of equalities, so it matches a non-array field " +
         "equal to x (and null matches missing); mingo requires an array",
    applies: (filter, doc) => some(filter, doc, (c, t) =>
      c.op === "$all" && t.values.some((v) => !Array.isArray(v))),
  },
  {
    kind: "filter",
    name: "$elemMatch on scalar elements",
    why: "MongoDB's document-form $elemMatch considers only object (and array) elements; mingo " +
         "also tests scalar elements against the document criteria",
    applies: (filter, doc) => some(filter, doc, (c, t) =>
      c.op === "$elemMatch" && isObject(c.arg) && isDocumentForm(c.arg) &&
      t.values.some((v) => Array.isArray(v) && v.some((e) => !isObject(e) && !Array.isArray(e)))),
  },
  {
    kind: "update",
    name: "refused operators",
    why: "MongoDB refuses $inc/$mul on non-numbers, $push/$addToSet/$pop/$pull/$pullAll on " +
         "non-arrays and paths through scalars (the whole update fails); mingo skips or overwrites",
    applies: (update, doc, s, m) => typeof s?.error === "string" && m?.error === undefined &&
      /cannot create field|not an array but|cannot apply to a|cannot be an array element/.test(s.error),
  },
  {
    kind: "update",
    name: "$min/$max across types",
    why: "MongoDB's $min/$max compare in BSON order across types (numbers < strings < objects < " +
         "arrays < booleans); mingo does not",
    applies: (update, doc) => ["$min", "$max"].some((op) =>
      Object.entries(update[op] || {}).some(([p, v]) => {
        const cur = lookup(doc, p);
        return cur !== undefined && typeClass(cur) !== typeClass(v);
      })),
  },
  {
    kind: "update",
    name: "$addToSet $each duplicates",
    why: "MongoDB's $addToSet adds each $each value only if not present yet, so duplicates " +
         "within $each are added once; mingo adds them all",
    applies: (update) => Object.values(update.$addToSet || {}).some((v) =>
      isObject(v) && Array.isArray(v.$each) &&
      new Set(v.$each.map((x) => JSON.stringify(x))).size < v.$each.length),
  },
  {
    kind: "update",
    name: "$addToSet on arrays holding duplicates",
    why: "MongoDB's $addToSet leaves the duplicates an array already holds; mingo removes them",
    applies: (update, doc) => Object.keys(update.$addToSet || {}).some((p) => {
      const v = lookup(doc, p);
      return Array.isArray(v) && new Set(v.map((x) => JSON.stringify(x))).size < v.length;
    }),
  },
  {
    kind: "update",
    name: "$push modifiers on a new array",
    why: "when the field is missing MongoDB still applies $position, $sort and $slice to the new " +
         "array; mingo stores $each as given",
    applies: (update, doc) => Object.entries(update.$push || {}).some(([p, v]) =>
      isObject(v) && ["$sort", "$slice", "$position"].some((k) => k in v) && lookup(doc, p) === undefined),
  },
  {
    kind: "update",
    name: "$push $sort across types",
    why: "MongoDB's $push $sort orders mixed types in BSON order (numbers < strings < booleans); " +
         "mingo's comparison differs",
    applies: (update, doc) => Object.entries(update.$push || {}).some(([p, v]) => {
      if (!isObject(v) || !("$sort" in v)) return false;
      const cur = lookup(doc, p);
      const all = [...v.$each, ...(Array.isArray(cur) ? cur : [])];
      return new Set(all.map(typeClass)).size > 1;
    }),
  },
  {
    kind: "update",
    name: "$pull document criteria on scalars",
    why: "MongoDB applies a $pull document condition ({a: null}) only to object elements; mingo " +
         "also removes scalars that the condition matches as if they were documents",
    applies: (update, doc) => Object.entries(update.$pull || {}).some(([p, v]) => {
      const arr = lookup(doc, p);
      return isObject(v) && !Object.keys(v)[0]?.startsWith("$") && Array.isArray(arr) &&
             arr.some((e) => !isObject(e));
    }),
  },
  {
    kind: "update",
    name: "$pull values against nested arrays",
    why: "MongoDB's $pull and $pullAll of a value remove elements equal to it as a whole; mingo " +
         "also removes array elements that merely contain it",
    applies: (update, doc) => ["$pull", "$pullAll"].some((op) =>
      Object.keys(update[op] || {}).some((p) => {
        const arr = lookup(doc, p);
        return Array.isArray(arr) && arr.some(Array.isArray);
      })),
  },
];

// MongoDB's order of types: null < numbers < strings < objects < arrays < booleans.
function typeClass(v) {
  if (v === null) return 1;
  if (typeof v === "number") return 2;
  if (typeof v === "string") return 3;
  if (Array.isArray(v)) return 5;
  if (typeof v === "boolean") return 7;
  return 4;
}

// The value at a dotted path without fan-out (numeric steps index arrays), or undefined.
function lookup(doc, path) {
  let cur = doc;
  for (const step of path.split(".")) {
    if (Array.isArray(cur)) cur = isIndex(step) ? cur[Number(step)] : undefined;
    else if (isObject(cur)) cur = Object.prototype.hasOwnProperty.call(cur, step) ? cur[step] : undefined;
    else return undefined;
    if (cur === undefined) return undefined;
  }
  return cur;
}
