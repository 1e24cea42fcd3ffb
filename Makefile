# Strata's build. The README's two commands: `make run` and `make test`.
# Flavors build into build/<flavor>: release (default), debug, asan (Address+UB), tsan.
# `make asan` and `make tsan` build their flavor and run the tests under it (build-asan and
# build-tsan only build).
JOBS ?= 2
CMAKE_FLAGS ?=
DATA ?= ./data

.PHONY: all deps release debug build-asan build-tsan asan tsan test test-debug test-asan test-tsan \
  run bench crash format clean

all: release

deps:
	@scripts/install-deps

build/%/build.ninja: | deps
	@mkdir -p build/$*
	cmake -S . -B build/$* -G Ninja $(CMAKE_FLAGS) \
	  -DCMAKE_BUILD_TYPE=$(if $(filter release,$*),Release,$(if $(filter debug,$*),Debug,RelWithDebInfo)) \
	  -DSTRATA_SANITIZE=$(if $(filter asan,$*),address,$(if $(filter tsan,$*),thread,))

release debug: %: deps build/%/build.ninja
	cmake --build build/$* -j $(JOBS)

build-asan build-tsan: build-%: deps build/%/build.ninja
	cmake --build build/$* -j $(JOBS)

# Every test of the project (unit, conformance, fault injection, corruption, short crash run).
test: release
	cd build/release && ctest --output-on-failure -j $(JOBS) --timeout 900

test-debug: debug
	cd build/debug && ctest --output-on-failure -j $(JOBS)

# The tests (all but the crash run) under AddressSanitizer + UndefinedBehaviorSanitizer, and under
# ThreadSanitizer with tests/tsan.supp for races inside the uninstrumented RocksDB/LevelDB/LMDB.
asan: build-asan
	cd build/asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS) -E crash_short

tsan: build-tsan
	cd build/tsan && TSAN_OPTIONS="suppressions=$(CURDIR)/tests/tsan.supp second_deadlock_stack=1" \
	  ctest --output-on-failure -j $(JOBS) -E crash_short

test-asan: asan
test-tsan: tsan

# Until the server exists: a short demonstration of the engine against its peers on ./data.
run: release
	build/release/strata bench kv --num 200000 --dir $(DATA)/bench

bench: release
	build/release/strata bench kv --num 1000000

# The long crash run: hundreds of SIGKILLs.
crash: release
	build/release/strata crashtest --kills 300 --dir build/release/crash_long_db

format:
	clang-format -i $$(git ls-files '*.cc' '*.h')

clean:
	rm -rf build
