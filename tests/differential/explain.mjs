// Developer tool: evaluates (filter, doc) or (update, doc) pairs in Strata and mingo side by side.
// usage: node explain.mjs <query_diff> '<json array of {filter|update, doc}>'
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Query } from "mingo";
import { update } from "mingo/updater";

const [binary, casesText] = process.argv.slice(2);
const cases = JSON.parse(casesText);
const docs = cases.map((c) => c.doc);
const filters = [], updates = [];
cases.forEach((c, i) => {
  if (c.filter) filters.push(c.filter);
  else updates.push({ update: c.update, doc: i });
});
// Each filter runs over all docs; report only its own doc.
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "strata-explain-"));
const file = path.join(tmp, "cases.json");
fs.writeFileSync(file, JSON.stringify({ docs, filters, updates }));
const out = JSON.parse(spawnSync(binary, [file], { encoding: "utf8" }).stdout);
let fi = 0, ui = 0;
cases.forEach((c, i) => {
  if (c.filter) {
    const s = out.filters[fi++];
    const sm = Array.isArray(s) ? s.includes(i) : s;
    let m;
    try { m = new Query(c.filter).test(c.doc); } catch (e) { m = { error: e.message }; }
    console.log(JSON.stringify(c.filter), "on", JSON.stringify(c.doc), "=> strata", JSON.stringify(sm), "mingo", JSON.stringify(m));
  } else {
    const s = out.updates[ui++];
    const d = structuredClone(c.doc);
    let m;
    try { update(d, structuredClone(c.update)); m = d; } catch (e) { m = { error: e.message }; }
    console.log(JSON.stringify(c.update), "on", JSON.stringify(c.doc), "=>\n  strata", JSON.stringify(s), "\n  mingo ", JSON.stringify(m));
  }
});
