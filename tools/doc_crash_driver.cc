// The document layer's crash-test driver: run `strata doc-stress`, SIGKILL it at a random moment,
// reopen, Check, verify every acknowledged change and the indexes' answers, repeat.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>

#include "base/random.h"
#include "codec/json.h"
#include "doc_stress.h"
#include "kill_round.h"

namespace strata::tools {
namespace {

std::string IdList(const std::vector<uint32_t>& ids) {
  std::string out;
  for (size_t i = 0; i < ids.size() && i < 8; i++) out += (i ? "," : "") + std::to_string(ids[i]);
  return ids.size() > 8 ? out + ",..." : out;
}

// Queries through the indexes, compared with what the (resolved) oracle says they must return.
class IndexChecker {
 public:
  IndexChecker(Collection coll, const DocExpectedState& state, DocVerifyReport* report)
      : coll_(std::move(coll)), state_(state), report_(report) {}

  Status Run() {
    std::vector<std::vector<uint32_t>> by_score(kNumScores), by_tag(kNumTags);
    std::vector<uint32_t> live, in_range;
    for (uint32_t k = 0; k < state_.num_docs(); k++) {
      const uint32_t c = state_.Committed(k);
      if (!DocExpectedState::IsLive(c)) {
        // The email a deleted document last had must find nothing.
        const uint32_t last = (c & ~DocExpectedState::kDeleted) - 1;
        if (c != DocExpectedState::kNone && last >= 1) {
          STRATA_RETURN_IF_ERROR(Expect("email", Value(DocEmail(k, last)), {}, kEmailIndex));
        }
        continue;
      }
      live.push_back(k);
      by_score[DocScore(k, c)].push_back(k);
      if (DocScore(k, c) >= 10 && DocScore(k, c) < 20) in_range.push_back(k);
      for (const std::string& t : DocTags(k, c)) by_tag[std::stoi(t.substr(1))].push_back(k);
      STRATA_RETURN_IF_ERROR(Expect("email", Value(DocEmail(k, c)), {k}, kEmailIndex));
    }
    for (int s = 0; s < kNumScores; s++) {
      STRATA_RETURN_IF_ERROR(
          Expect("score", Value(static_cast<int64_t>(s)), by_score[s], kScoreIndex));
    }
    Value range = Value::MakeObject({{"$gte", 10}, {"$lt", 20}});
    STRATA_RETURN_IF_ERROR(Expect("score", range, in_range, kScoreIndex));
    for (int t = 0; t < kNumTags; t++) {
      STRATA_RETURN_IF_ERROR(Expect("tags", Value(TagName(t)), by_tag[t], kTagsIndex));
    }
    auto count = coll_.Count();
    if (!count.ok()) return count.status();
    if (*count != live.size()) {
      report_->errors.push_back("Count() is " + std::to_string(*count) + ", the oracle has " +
                                std::to_string(live.size()) + " live documents");
    }
    return Status::OK();
  }

 private:
  // Find({path: match}) must return exactly the documents `want` (sorted ids), each at its
  // committed version, through the named index (when not empty).
  Status Expect(const std::string& path, const Value& match, const std::vector<uint32_t>& want,
                const std::string& index) {
    Value filter = Value::MakeObject({{path, match}});
    auto cursor = coll_.Find(filter);
    if (!cursor.ok()) return cursor.status();
    auto docs = (*cursor)->ToVector();
    if (!docs.ok()) return docs.status();
    report_->queries++;
    const std::string what = codec::ToJson(filter);
    if (!index.empty() && (*cursor)->stats().index != index) {
      report_->errors.push_back(what + " ran as " + (*cursor)->stats().plan + ", not on " + index);
    }
    std::vector<uint32_t> got;
    for (const Value& doc : *docs) {
      uint32_t k, v;
      if (!ParseDoc(doc, &k, &v)) {
        report_->errors.push_back(what + " returned a malformed document " +
                                  codec::ToJson(doc).substr(0, 200));
        continue;
      }
      if (v != state_.Committed(k)) {
        report_->errors.push_back(what + " returned doc " + std::to_string(k) + " at v" +
                                  std::to_string(v) + ", its record is " +
                                  DocExpectedState::Describe(state_.Committed(k)));
      }
      got.push_back(k);
    }
    std::sort(got.begin(), got.end());
    if (got != want) {
      std::vector<uint32_t> missing, extra;
      std::set_difference(want.begin(), want.end(), got.begin(), got.end(),
                          std::back_inserter(missing));
      std::set_difference(got.begin(), got.end(), want.begin(), want.end(),
                          std::back_inserter(extra));
      report_->errors.push_back(what + " returned " + std::to_string(got.size()) +
                                " documents, expected " + std::to_string(want.size()) +
                                "; missing [" + IdList(missing) + "], unexpected [" +
                                IdList(extra) + "]");
    }
    return Status::OK();
  }

  Collection coll_;
  const DocExpectedState& state_;
  DocVerifyReport* report_;
};

// Checks the catalog: the three indexes exist, are ready, and the tags index knows it is
// multikey once any document was stored.
void CheckIndexes(Collection& coll, bool any_docs, DocVerifyReport* report) {
  auto indexes = coll.ListIndexes();
  if (!indexes.ok()) {
    report->errors.push_back("ListIndexes: " + indexes.status().ToString());
    return;
  }
  for (const char* name : {kEmailIndex, kScoreIndex, kTagsIndex}) {
    auto it = std::find_if(indexes->begin(), indexes->end(),
                           [&](const IndexInfo& info) { return info.name == name; });
    if (it == indexes->end()) {
      report->errors.push_back(std::string("index ") + name + " is missing");
    } else if (it->state != "ready") {
      report->errors.push_back(std::string("index ") + name + " is " + it->state);
    } else if (it->unique != (name == std::string(kEmailIndex))) {
      report->errors.push_back(std::string("index ") + name + " lost its unique flag");
    } else if (name == std::string(kTagsIndex) && any_docs && !it->multikey) {
      report->errors.push_back("index tags_1 is not marked multikey");
    }
  }
}

}  // namespace

Status VerifyDocDatabase(const DocStressConfig& config, DocExpectedState* state,
                         DocVerifyReport* report) {
  auto opened = Database::Open(config.dir, DocDatabaseOptions(config));
  if (!opened.ok()) return opened.status().WithContext("reopening after the crash");
  std::unique_ptr<Database> db = std::move(opened).value();

  auto check = db->Check(/*repair=*/false);
  if (!check.ok()) return check.status().WithContext("Check");
  report->records = check->records;
  report->index_entries = check->index_entries;
  for (const CheckReport::Finding& f : check->findings) {
    report->errors.push_back("Check: " + f.kind + " at " + f.where);
  }

  // Every document: the acknowledged version, or the one in flight when the writer died.
  Collection coll = db->collection(kDocCollection);
  struct Op {
    std::vector<uint32_t> applied, lost;
  };
  std::map<uint32_t, Op> ops;  // in-flight operations by their tag
  bool any_docs = false;
  for (uint32_t k = 0; k < state->num_docs(); k++) {
    auto got = coll.Get(Value(static_cast<int64_t>(k)));
    uint32_t observed = DocExpectedState::kNone;
    if (got.ok()) {
      uint32_t pk;
      if (!ParseDoc(*got, &pk, &observed) || pk != k) {
        report->errors.push_back("doc " + std::to_string(k) + ": malformed " +
                                 codec::ToJson(*got).substr(0, 200));
        continue;
      }
    } else if (!got.status().IsNotFound()) {
      return got.status().WithContext("reading doc " + std::to_string(k));
    }
    const uint32_t committed = state->Committed(k);
    const uint32_t pending = state->Pending(k);
    auto matches = [&](uint32_t expected) {
      return DocExpectedState::IsLive(expected) ? observed == expected
                                                : observed == DocExpectedState::kNone;
    };
    if (matches(committed)) {
      if (pending != DocExpectedState::kNone) {
        report->pending_lost++;
        ops[state->PendingOp(k)].lost.push_back(k);
      }
      state->Resolve(k, committed);
    } else if (pending != DocExpectedState::kNone && matches(pending)) {
      report->pending_applied++;
      ops[state->PendingOp(k)].applied.push_back(k);
      state->Resolve(k, pending);
    } else {
      report->errors.push_back(
          "doc " + std::to_string(k) + ": database has " +
          (observed == DocExpectedState::kNone ? std::string("no document")
                                               : "v" + std::to_string(observed)) +
          ", the last acknowledged change left " + DocExpectedState::Describe(committed) +
          (pending != DocExpectedState::kNone
               ? " (in flight: " + DocExpectedState::Describe(pending) + ")"
               : ""));
      continue;
    }
    any_docs |= state->Committed(k) != DocExpectedState::kNone;
    if (DocExpectedState::IsLive(state->Committed(k))) {
      report->docs_live++;
    } else if (state->Committed(k) != DocExpectedState::kNone) {
      report->docs_deleted++;
    }
  }
  // An operation over several documents (InsertMany, DeleteMany, a transaction) is atomic.
  for (const auto& [tag, op] : ops) {
    if (!op.applied.empty() && !op.lost.empty()) {
      report->errors.push_back("writer " + std::to_string(tag - 1) +
                               "'s operation in flight landed for docs [" + IdList(op.applied) +
                               "] but not for [" + IdList(op.lost) + "]");
    }
  }
  if (!report->errors.empty()) return db->Close();  // the index checks would only repeat them

  CheckIndexes(coll, any_docs, report);
  STRATA_RETURN_IF_ERROR(IndexChecker(coll, *state, report).Run());
  return db->Close();
}

namespace {

// Starts `strata doc-stress` as a child process; returns its pid or -1.
pid_t StartDocStress(const DocCrashTestConfig& config, const DocStressConfig& run) {
  std::vector<std::string> args = {config.self_exe,  "doc-stress",
                                   "--dir",          run.dir,
                                   "--expected",     run.expected_path,
                                   "--docs",         std::to_string(run.num_docs),
                                   "--threads",      std::to_string(run.threads),
                                   "--seed",         std::to_string(run.seed),
                                   "--duration",     std::to_string(run.duration_sec),
                                   "--write-buffer", std::to_string(run.write_buffer_size),
                                   "--compression",  CompressionName(run.compression)};
  if (!run.txn_error_probes) args.push_back("--no-txn-error-probes");
  return SpawnChild(args);
}

unsigned long long U(uint64_t v) { return static_cast<unsigned long long>(v); }

}  // namespace

int RunDocCrashTest(const DocCrashTestConfig& config) {
  namespace fs = std::filesystem;
  const DocStressConfig& base = config.stress;
  std::error_code ec;
  fs::remove_all(base.dir, ec);
  fs::remove(base.expected_path, ec);
  fs::create_directories(fs::path(base.expected_path).parent_path(), ec);
  {
    // The schema first, so that every kill lands among document writes.
    auto db = Database::Open(base.dir, DocDatabaseOptions(base));
    Status s = db.ok() ? EnsureDocSchema(db->get()) : db.status();
    if (s.ok()) s = (*db)->Close();
    if (!s.ok()) {
      fprintf(stderr, "doc-crashtest: creating the collection: %s\n", s.ToString().c_str());
      return 1;
    }
  }

  Random rnd(base.seed);
  uint64_t total_applied = 0, total_lost = 0, total_queries = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int round = 1; round <= config.kills; round++) {
    DocStressConfig run = base;
    run.seed = base.seed * 1000 + round;
    run.duration_sec = 60;  // killed long before
    const EngineShape shape = RandomEngineShape(&rnd);
    run.write_buffer_size = shape.write_buffer_size;
    run.compression = shape.compression;

    pid_t pid = StartDocStress(config, run);
    if (pid < 0) {
      perror("doc-crashtest: fork");
      return 2;
    }
    double run_sec = 0;
    if (!RunThenKill(pid, config.min_run_sec, config.max_run_sec, &rnd, round, "doc-crashtest",
                     &run_sec)) {
      return 1;
    }

    DocExpectedState state;
    Status s = state.Open(run.expected_path, run.num_docs);
    DocVerifyReport report;
    if (s.ok()) s = VerifyDocDatabase(run, &state, &report);
    if (!s.ok()) {
      fprintf(stderr, "doc-crashtest: round %d: %s\n", round, s.ToString().c_str());
      return 1;
    }
    if (!report.errors.empty()) {
      fprintf(stderr, "doc-crashtest: round %d: %zu violations:\n", round, report.errors.size());
      for (size_t i = 0; i < report.errors.size() && i < 20; i++) {
        fprintf(stderr, "  %s\n", report.errors[i].c_str());
      }
      return 1;
    }
    total_applied += report.pending_applied;
    total_lost += report.pending_lost;
    total_queries += report.queries;
    printf(
        "doc-crashtest: kill %d/%d after %.2f s (buffer %zu KiB, %s): Check clean (%llu records, "
        "%llu index entries); %llu live + %llu deleted docs verified, %llu index queries; %llu "
        "in-flight changes survived, %llu lost; %llu changes acknowledged so far\n",
        round, config.kills, run_sec, run.write_buffer_size >> 10, CompressionName(run.compression),
        U(report.records), U(report.index_entries), U(report.docs_live), U(report.docs_deleted),
        U(report.queries), U(report.pending_applied), U(report.pending_lost),
        U(state.Get(DocExpectedState::kAckedChanges)));
    fflush(stdout);
    if (round == config.kills) {
      const double secs =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      printf(
          "doc-crashtest: %d kills in %.1f s: every acknowledged change verified (%llu document "
          "changes, %llu transactions, %llu conflicts, %llu duplicate keys refused, %llu reads "
          "checked in the writers, %llu index queries after the kills; %llu in-flight changes "
          "survived, %llu did not)\n",
          config.kills, secs, U(state.Get(DocExpectedState::kAckedChanges)),
          U(state.Get(DocExpectedState::kAckedTxns)), U(state.Get(DocExpectedState::kConflicts)),
          U(state.Get(DocExpectedState::kRejectedDuplicates)),
          U(state.Get(DocExpectedState::kReads)), U(total_queries), U(total_applied),
          U(total_lost));
    }
  }
  return 0;
}

}  // namespace strata::tools
