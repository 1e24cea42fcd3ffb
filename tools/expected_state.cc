#include "expected_state.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

namespace strata::tools {

ExpectedState::~ExpectedState() {
  if (slots_ != nullptr) munmap(const_cast<uint32_t*>(slots_), length_);
}

Status ExpectedState::Open(const std::string& path, uint32_t num_keys) {
  length_ = static_cast<size_t>(num_keys) * 2 * sizeof(uint32_t);
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IOError(path + ": " + strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || (st.st_size != 0 && static_cast<size_t>(st.st_size) != length_)) {
    close(fd);
    return Status::InvalidArgument(path + ": expected-state file is for a different key count");
  }
  if (st.st_size == 0 && ftruncate(fd, static_cast<off_t>(length_)) != 0) {
    close(fd);
    return Status::IOError(path + ": " + strerror(errno));
  }
  void* p = mmap(nullptr, length_, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (p == MAP_FAILED) return Status::IOError(path + ": mmap: " + strerror(errno));
  slots_ = static_cast<volatile uint32_t*>(p);
  num_keys_ = num_keys;
  return Status::OK();
}

}  // namespace strata::tools
