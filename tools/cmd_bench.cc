// `strata bench`: benchmarks. `bench kv` compares kv::Engine backends (kv_bench.h); `bench doc`
// and `bench server` will sit beside it.
#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "doc_bench.h"
#include "kv_bench.h"

namespace strata::tools {

namespace {

void AddBenchKvCommand(CLI::App& bench, int* exit_code) {
  CLI::App* kv = bench.add_subcommand(
      "kv", "db_bench-style workloads on Strata's engine and its peers, one engine after another");
  // Shared with the callback, which runs after parsing has filled it.
  auto config = std::make_shared<KvBenchConfig>();
  auto engines = std::make_shared<std::string>();
  auto benchmarks = std::make_shared<std::string>();
  auto no_isolate = std::make_shared<bool>(false);
  std::string workloads;
  for (const std::string& w : AllKvWorkloads()) workloads += (workloads.empty() ? "" : ",") + w;

  kv->add_option("--num", config->num, "Operations per workload (and keys in [0, num))")
      ->capture_default_str();
  kv->add_option("--key-size", config->key_size, "Key bytes")->capture_default_str();
  kv->add_option("--value-size", config->value_size, "Value bytes")->capture_default_str();
  kv->add_option("--engines", *engines,
                 "Comma-separated backends (strata,rocksdb,leveldb,lmdb,memory); default: every "
                 "built one");
  kv->add_option("--benchmarks", *benchmarks, "Comma-separated workloads; default: " + workloads);
  kv->add_option("--dir", config->dir,
                 "Parent directory of the engines' databases; default: a fresh "
                 "/tmp/strata-bench-XXXXXX");
  kv->add_flag("--keep", config->keep, "Keep the databases (and a temporary dir) at the end");
  kv->add_option("--json", config->json_path, "Also write the results as JSON to this file");
  kv->add_option("--seed", config->seed, "Seed of every key and value sequence")
      ->capture_default_str();
  kv->add_option("--compression", config->compression,
                 "lz4, zstd or none; default: each engine's default")
      ->check(CLI::IsMember({"lz4", "zstd", "none"}));
  kv->add_option("--write-buffer", config->write_buffer_size,
                 "Write buffer (memtable) bytes for every engine; default: each engine's");
  kv->add_option("--block-cache", config->block_cache_size,
                 "Block cache bytes for every engine; default: each engine's");
  kv->add_option("--engine-option", config->engine_options,
                 "A Strata engine tuning, name=value (repeatable): l0_compaction_trigger, "
                 "max_bytes_for_level_base, target_file_size, block_size, ...");
  kv->add_option("--sync-num", config->sync_num,
                 "Operations of fillsync; default: num/100, at most 10000");
  kv->add_flag("--no-isolate", *no_isolate,
               "Run the engines in this process instead of one child process each");

  kv->callback([config, engines, benchmarks, no_isolate, exit_code] {
    auto split = [](const std::string& list) {
      std::vector<std::string> out;
      size_t start = 0;
      while (start <= list.size()) {
        size_t comma = list.find(',', start);
        if (comma == std::string::npos) comma = list.size();
        if (comma > start) out.push_back(list.substr(start, comma - start));
        start = comma + 1;
      }
      return out;
    };
    config->engines = split(*engines);
    config->benchmarks = split(*benchmarks);
    config->isolate = !*no_isolate;
    *exit_code = RunKvBench(*config);
  });
}

void AddBenchDocCommand(CLI::App& bench, int* exit_code) {
  CLI::App* doc = bench.add_subcommand(
      "doc",
      "The document layer against SQLite: loads, gets, indexed finds, scans, group-by, updates");
  auto config = std::make_shared<DocBenchConfig>();
  auto systems = std::make_shared<std::string>("strata,sqlite");
  doc->add_option("--num", config->num, "Documents per load")->capture_default_str();
  doc->add_option("--reads", config->reads, "Gets by id and indexed equality finds")
      ->capture_default_str();
  doc->add_option("--range-finds", config->range_finds, "Indexed range finds of ~100 documents")
      ->capture_default_str();
  doc->add_option("--scans", config->scans, "Full scans, group-bys and update-manys")
      ->capture_default_str();
  doc->add_option("--systems", *systems, "Comma-separated: strata,sqlite")->capture_default_str();
  doc->add_option("--backend", config->backend, "kv backend under Strata's document layer")
      ->capture_default_str();
  doc->add_option("--dir", config->dir,
                  "Parent directory of the databases; default: a fresh /tmp dir");
  doc->add_option("--json", config->json_path, "Also write the results as JSON to this file");
  doc->add_option("--seed", config->seed, "Seed of the generated documents")->capture_default_str();
  doc->add_flag("--keep", config->keep, "Keep the databases");
  doc->callback([config, systems, exit_code] {
    config->systems.clear();
    size_t start = 0;
    while (start <= systems->size()) {
      size_t comma = systems->find(',', start);
      if (comma == std::string::npos) comma = systems->size();
      if (comma > start) config->systems.push_back(systems->substr(start, comma - start));
      start = comma + 1;
    }
    *exit_code = RunDocBench(*config);
  });
}

}  // namespace

void AddBenchServerCommand(CLI::App& bench, int* exit_code);  // bench_server.h

void AddBenchCommand(CLI::App& app, int* exit_code) {
  CLI::App* bench = app.add_subcommand("bench",
                                       "Benchmarks: `bench kv` compares storage engines, `bench "
                                       "doc` the document layer with SQLite, `bench server` the "
                                       "server with redis");
  bench->require_subcommand(1);
  AddBenchKvCommand(*bench, exit_code);
  AddBenchDocCommand(*bench, exit_code);
  AddBenchServerCommand(*bench, exit_code);
}

}  // namespace strata::tools
