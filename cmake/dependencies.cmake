# Debian packages only. Optional engines build when found and are skipped with a clear message.
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(XXHASH REQUIRED IMPORTED_TARGET libxxhash)
pkg_check_modules(LZ4 REQUIRED IMPORTED_TARGET liblz4)
pkg_check_modules(ZSTD REQUIRED IMPORTED_TARGET libzstd)
find_package(fmt REQUIRED)
find_package(CLI11 QUIET)
find_path(CLI11_INCLUDE CLI/CLI.hpp REQUIRED)

pkg_check_modules(ROCKSDB QUIET IMPORTED_TARGET rocksdb)
find_path(LEVELDB_INCLUDE leveldb/db.h)
find_library(LEVELDB_LIB leveldb)
pkg_check_modules(LMDB QUIET IMPORTED_TARGET lmdb)

set(STRATA_HAVE_ROCKSDB ${ROCKSDB_FOUND})
if(LEVELDB_INCLUDE AND LEVELDB_LIB)
  set(STRATA_HAVE_LEVELDB ON)
else()
  set(STRATA_HAVE_LEVELDB OFF)
endif()
set(STRATA_HAVE_LMDB ${LMDB_FOUND})
foreach(peer ROCKSDB LEVELDB LMDB)
  if(STRATA_HAVE_${peer})
    message(STATUS "kv backend ${peer}: found")
  else()
    message(STATUS "kv backend ${peer}: NOT found, skipped (install its Debian -dev package)")
  endif()
endforeach()

# The document layers: simdjson parses JSON, RE2 runs $regex, SQLite is the document benchmark's peer.
find_package(simdjson REQUIRED)
pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)
find_package(SQLite3 REQUIRED)

# jemalloc (libjemalloc-dev) is the `strata` binary's allocator, as it is redis-server's in Debian:
# glibc's malloc was a fifth of a batched insert and of an indexed find (bins overflowed by many
# small strings). Sanitizer builds keep the allocator their runtime replaces malloc with.
option(STRATA_JEMALLOC "Link the strata binary with jemalloc when it is found" ON)
set(STRATA_HAVE_JEMALLOC OFF)
if(STRATA_JEMALLOC AND STRATA_SANITIZE STREQUAL "")
  find_library(JEMALLOC_LIB jemalloc)
  if(JEMALLOC_LIB)
    set(STRATA_HAVE_JEMALLOC ON)
    message(STATUS "allocator: jemalloc (${JEMALLOC_LIB})")
  else()
    message(STATUS "allocator: glibc malloc (install libjemalloc-dev for jemalloc)")
  endif()
endif()
