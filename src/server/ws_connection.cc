// The binary WebSocket protocol's per-connection logic (docs/PROTOCOL.md). The I/O thread decodes
// each message, runs quick commands inline and posts their answers coalesced into one message.
// Paged reads and subscription events go to the connection's worker thread (started on first
// need), which sends with FrameSink::Send (blocking while the client is slow) and looks for
// cancellation between items.
//
// Locking: mu_ guards the job queue, the running job and the subscriptions. Change listeners
// take mu_ while the database holds its commit lock, so nothing may call into the Database while
// holding mu_.
#include "server/ws_connection.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "base/coding.h"
#include "codec/document.h"
#include "query/filter.h"
#include "server/http_status.h"
#include "server/service.h"
#include "server/ws_commands.h"
#include "server/ws_protocol.h"

namespace strata::server {

using namespace ws;  // NOLINT: this file is the protocol's
using Clock = std::chrono::steady_clock;

namespace {

constexpr size_t kMaxPageBytes = 4 << 20;       // every page closes here, whatever its mode
constexpr size_t kFlushBytes = 1 << 20;         // coalesced answers are posted at this size
constexpr size_t kEventBatchBytes = 256 << 10;  // events per Send
constexpr size_t kMaxQueuedJobs = 256;
constexpr size_t kMaxSubscriptions = 64;
constexpr int kCancelledStatus = 499;  // metrics only

uint64_t Micros(Clock::time_point since) {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - since).count());
}

std::string_view OpName(Change::Op op) {
  switch (op) {
    case Change::Op::kInsert:
      return "insert";
    case Change::Op::kUpdate:
      return "update";
    case Change::Op::kDelete:
      return "delete";
  }
  return "?";
}

}  // namespace

struct WsConnection::Impl {
  struct Job {
    uint32_t id = 0;
    Paging paging;
    std::unique_ptr<ItemSource> source;
    Series* series = nullptr;
    Clock::time_point start;
    std::atomic<bool> cancelled{false};
  };

  struct Subscription {
    uint32_t id = 0;
    uint64_t listener = 0;
    bool range = false;
    std::string collection;  // collection subscriptions
    std::optional<query::Filter> filter;
    std::string start, end;  // key-range subscriptions; empty end: unbounded
    // Guarded by Impl::mu.
    std::deque<Change> queue;
    size_t queued_bytes = 0;
    bool overflow = false;
    bool ending = false;  // unsubscribed: deliver what is queued, then answer unsubscribe_id
    uint32_t unsubscribe_id = 0;

    bool Wants(const Change& c) const {
      if (!range) return c.collection == collection;
      return c.key >= start && (end.empty() || c.key < end);
    }
  };

  Impl(Service* s, std::optional<ApiKeyInfo> p, FrameSink* k)
      : service(s), principal(std::move(p)), sink(k) {}

  // --- I/O thread ---
  void OnMessage(std::string_view message);
  void Handle(Request& request);
  void Answer(Kind kind, uint32_t id, const Value& payload) {
    AppendResponse(&out, kind, id, payload);
  }
  void Fail(uint32_t id, const Status& status) { Answer(Kind::kError, id, ErrorPayload(status)); }
  void Flush() {
    if (!out.empty()) sink->Post(std::move(out));
    out.clear();
  }
  Status CheckRole(const CommandInfo& info) const;
  void StartJob(const Request& request, Series* series);
  void Cancel(const Request& request);
  void Subscribe(const Request& request);
  void Unsubscribe(const Request& request);
  void EnsureWorker();
  Series* SeriesFor(const CommandInfo& info);
  void Close();

  // --- worker ---
  void WorkerLoop();
  void RunJob(Job* job);
  bool EventsPending() const;  // mu held
  bool DeliverEvents();        // false once the connection is closed
  bool PageFull(const Job& job, uint32_t count, size_t bytes, Clock::time_point page_start) const;

  Service* service;
  std::optional<ApiKeyInfo> principal;
  FrameSink* sink;
  std::string out;  // answers to the current message, posted together
  std::set<std::string, std::less<>> known_collections;
  std::vector<std::pair<std::string, std::string>> txns_begun;  // id, owner
  std::array<Series*, 256> series{};
  Series* invalid_series = nullptr;

  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::unique_ptr<Job>> jobs;
  std::shared_ptr<Job> running;
  std::map<uint32_t, std::shared_ptr<Subscription>> subs;
  std::atomic<bool> closing{false};
  bool closed = false;
  std::thread worker;
};

// ---------------------------------------------------------------------------------------------
// I/O thread

void WsConnection::Impl::OnMessage(std::string_view message) {
  std::vector<std::string_view> bodies;
  DecodeError error;
  if (!SplitFrames(message, service->options().max_body_bytes, kRequestHeader, &bodies, &error)) {
    if (invalid_series == nullptr) invalid_series = service->metrics()->For("ws", "INVALID");
    invalid_series->Record(HttpStatusFor(error.status), 0);
    Answer(Kind::kError, error.id, DecodeErrorPayload(error));
    Flush();
    return;
  }
  size_t offset = 0;
  for (size_t i = 0; i < bodies.size(); ++i) {
    Request request;
    if (DecodeRequest(bodies[i], i, offset, &request, &error)) {
      Handle(request);
    } else {
      if (invalid_series == nullptr) invalid_series = service->metrics()->For("ws", "INVALID");
      invalid_series->Record(HttpStatusFor(error.status), 0);
      Answer(Kind::kError, error.id, DecodeErrorPayload(error));
    }
    offset += kLengthBytes + bodies[i].size();
    if (out.size() >= kFlushBytes) Flush();
  }
  Flush();
}

Series* WsConnection::Impl::SeriesFor(const CommandInfo& info) {
  Series*& s = series[static_cast<uint8_t>(info.command)];
  if (s == nullptr) s = service->metrics()->For("ws", std::string(info.name));
  return s;
}

Status WsConnection::Impl::CheckRole(const CommandInfo& info) const {
  if (info.need == Need::kNone) return Status::OK();
  if (!principal) {
    return Status::Unauthenticated("this connection has no key: send AUTH first");
  }
  if (static_cast<int>(principal->role) < static_cast<int>(info.need)) {
    return Status::PermissionDenied(
        "key '" + principal->id + "' has role " + std::string(RoleName(principal->role)) + "; " +
        std::string(info.name) + " needs " + std::string(RoleName(static_cast<Role>(info.need))));
  }
  return Status::OK();
}

void WsConnection::Impl::Handle(Request& request) {
  const CommandInfo& info = *request.info;
  Clock::time_point start = Clock::now();
  Series* s = SeriesFor(info);
  Status status = CheckRole(info);
  if (status.ok() && request.command == Command::kSubscribe &&
      request.payload.Find("start") != nullptr && principal->role != Role::kAdmin) {
    status = Status::PermissionDenied("a key-range SUBSCRIBE needs the admin role");
  }
  if (!status.ok()) {
    Fail(request.id, status);
    s->Record(HttpStatusFor(status), Micros(start));
    return;
  }
  if (info.paged) {
    StartJob(request, s);  // records its metrics when it ends
    return;
  }
  switch (request.command) {
    case Command::kAuth: {
      auto key = service->keys()->Authenticate(request.payload.Find("key")->as_string());
      if (key.ok()) {
        principal = *key;
        Answer(Kind::kResult, request.id,
               Value::MakeObject(
                   {{"id", key->id}, {"name", key->name}, {"role", Value(RoleName(key->role))}}));
      } else {
        status = key.status();
        Fail(request.id, status);
      }
      break;
    }
    case Command::kPing:
      Answer(Kind::kResult, request.id, Value::MakeObject({{"pong", true}}));
      break;
    case Command::kCancel:
      Cancel(request);
      break;
    case Command::kSubscribe:
      Subscribe(request);
      break;
    case Command::kUnsubscribe:
      Unsubscribe(request);
      break;
    case Command::kGet:
      if (request.payload.Find("txn") == nullptr) {
        CommandContext ctx{service, &*principal, &known_collections};
        status = AppendGetResult(ctx, request, &out);
        if (!status.ok()) Fail(request.id, status);
        break;
      }
      [[fallthrough]];
    default: {
      CommandContext ctx{service, &*principal, &known_collections};
      auto result = RunQuick(ctx, request);
      if (result.ok()) {
        if (request.command == Command::kTxnBegin) {
          txns_begun.emplace_back(result->Find("txn")->as_string(), principal->id);
        }
        Answer(Kind::kResult, request.id, *result);
      } else {
        status = result.status();
        Fail(request.id, status);
      }
      if (request.command == Command::kTxnCommit || request.command == Command::kTxnCancel) {
        const std::string& id = request.payload.Find("txn")->as_string();
        std::erase_if(txns_begun, [&](const auto& t) { return t.first == id; });
      }
      break;
    }
  }
  s->Record(HttpStatusFor(status), Micros(start));
}

void WsConnection::Impl::StartJob(const Request& request, Series* s) {
  Clock::time_point start = Clock::now();
  {
    std::lock_guard<std::mutex> lock(mu);
    Status busy;
    if ((running != nullptr && running->id == request.id) ||
        std::any_of(jobs.begin(), jobs.end(), [&](const auto& j) { return j->id == request.id; })) {
      busy = Status::InvalidArgument("message id " + std::to_string(request.id) +
                                     " is in use by a running command");
    } else if (jobs.size() >= kMaxQueuedJobs) {
      busy = Status::ResourceExhausted("more than " + std::to_string(kMaxQueuedJobs) +
                                       " paged reads queued on this connection");
    }
    if (!busy.ok()) {
      Fail(request.id, busy);
      s->Record(HttpStatusFor(busy), 0);
      return;
    }
  }
  CommandContext ctx{service, &*principal, &known_collections};
  auto source = OpenSource(ctx, request);
  if (!source.ok()) {
    Fail(request.id, source.status());
    s->Record(HttpStatusFor(source.status()), Micros(start));
    return;
  }
  auto job = std::make_unique<Job>();
  job->id = request.id;
  job->paging = request.paging;
  job->source = std::move(*source);
  job->series = s;
  job->start = start;
  {
    std::lock_guard<std::mutex> lock(mu);
    if (closing) return;
    jobs.push_back(std::move(job));
  }
  EnsureWorker();
  cv.notify_all();
}

void WsConnection::Impl::Cancel(const Request& request) {
  auto target = static_cast<uint32_t>(request.payload.Find("id")->as_int());
  bool found = false;
  std::unique_ptr<Job> removed;
  {
    std::lock_guard<std::mutex> lock(mu);
    if (running != nullptr && running->id == target) {
      running->cancelled = true;
      found = true;
    } else {
      for (auto it = jobs.begin(); it != jobs.end(); ++it) {
        if ((*it)->id == target) {
          removed = std::move(*it);
          jobs.erase(it);
          found = true;
          break;
        }
      }
    }
  }
  if (removed != nullptr) {
    Answer(Kind::kError, target, ErrorPayload("cancelled", "cancelled before it started"));
    removed->series->Record(kCancelledStatus, Micros(removed->start));
  }
  Answer(Kind::kResult, request.id, Value::MakeObject({{"cancelled", found}}));
}

void WsConnection::Impl::Subscribe(const Request& request) {
  const Value& p = request.payload;
  auto sub = std::make_shared<Subscription>();
  sub->id = request.id;
  if (const Value* start = p.Find("start")) {
    sub->range = true;
    sub->start = start->as_binary();
    if (const Value* end = p.Find("end")) {
      sub->end = end->as_binary();
      if (sub->end <= sub->start) {
        Fail(request.id, Status::InvalidArgument("SUBSCRIBE needs start < end"));
        return;
      }
    }
  } else {
    sub->collection = p.Find("collection")->as_string();
    if (const Value* spec = p.Find("filter")) {
      auto filter = query::Filter::Parse(*spec);
      if (!filter.ok()) {
        Fail(request.id, filter.status());
        return;
      }
      if (!filter->empty()) sub->filter = std::move(*filter);
    }
  }
  {
    std::lock_guard<std::mutex> lock(mu);
    Status refused;
    if (subs.count(request.id) != 0) {
      refused = Status::InvalidArgument("message id " + std::to_string(request.id) +
                                        " already names a subscription");
    } else if (subs.size() >= kMaxSubscriptions) {
      refused = Status::ResourceExhausted("more than " + std::to_string(kMaxSubscriptions) +
                                          " subscriptions on this connection");
    }
    if (!refused.ok()) {
      Fail(request.id, refused);
      return;
    }
  }
  const size_t limit = service->options().ws_queue_bytes;
  // Runs under the database's commit lock: only queue.
  sub->listener =
      service->db()->AddChangeListener([this, sub, limit](const std::vector<Change>& changes) {
        std::lock_guard<std::mutex> lock(mu);
        if (sub->overflow || sub->ending) return;
        bool added = false;
        for (const Change& c : changes) {
          if (!sub->Wants(c)) continue;
          size_t cost = sizeof(Change) + c.collection.size() + c.key.size() + c.value.size();
          if (sub->queued_bytes + cost > limit) {
            sub->overflow = true;
            sub->queue.clear();
            sub->queued_bytes = 0;
            break;
          }
          sub->queue.push_back(c);
          sub->queued_bytes += cost;
          added = true;
        }
        if (added || sub->overflow) cv.notify_all();
      });
  // The answer goes out before any event: events wait until the subscription is in `subs`.
  Answer(Kind::kResult, request.id, Value::MakeObject({{"ok", true}}));
  Flush();
  {
    std::lock_guard<std::mutex> lock(mu);
    subs[request.id] = sub;
  }
  EnsureWorker();
  cv.notify_all();
}

void WsConnection::Impl::Unsubscribe(const Request& request) {
  auto target = static_cast<uint32_t>(request.payload.Find("id")->as_int());
  uint64_t listener = 0;
  {
    std::lock_guard<std::mutex> lock(mu);
    auto it = subs.find(target);
    if (it == subs.end() || it->second->ending) {
      Fail(request.id,
           Status::NotFound("no subscription with message id " + std::to_string(target)));
      return;
    }
    listener = it->second->listener;
  }
  // Once this returns, no change is queued any more; the worker sends what was queued before,
  // then the answer.
  service->db()->RemoveChangeListener(listener);
  {
    std::lock_guard<std::mutex> lock(mu);
    auto it = subs.find(target);
    if (it != subs.end()) {
      it->second->ending = true;
      it->second->unsubscribe_id = request.id;
      cv.notify_all();
      return;
    }
  }
  // The worker ended it meanwhile (overflow).
  Answer(Kind::kResult, request.id, Value::MakeObject({{"ok", true}}));
}

void WsConnection::Impl::EnsureWorker() {
  if (!worker.joinable() && !closing) worker = std::thread([this] { WorkerLoop(); });
}

void WsConnection::Impl::Close() {
  std::vector<uint64_t> listeners;
  std::deque<std::unique_ptr<Job>> dropped;
  {
    std::lock_guard<std::mutex> lock(mu);
    if (closed) return;
    closed = true;
    closing = true;
    if (running != nullptr) running->cancelled = true;
    dropped.swap(jobs);
    for (auto& [id, sub] : subs) listeners.push_back(sub->listener);
  }
  for (uint64_t l : listeners) service->db()->RemoveChangeListener(l);
  cv.notify_all();
  if (worker.joinable()) worker.join();
  {
    std::lock_guard<std::mutex> lock(mu);
    subs.clear();
  }
  dropped.clear();
  // A connection's open transactions die with it.
  for (const auto& [id, owner] : txns_begun) CancelTxn(service, id, owner);
  txns_begun.clear();
}

// ---------------------------------------------------------------------------------------------
// Worker

void WsConnection::Impl::WorkerLoop() {
  std::unique_lock<std::mutex> lock(mu);
  while (true) {
    cv.wait(lock, [&] { return closing || !jobs.empty() || EventsPending(); });
    if (closing) return;
    if (EventsPending()) {
      lock.unlock();
      bool open = DeliverEvents();
      lock.lock();
      if (!open) return;
      continue;
    }
    running = std::shared_ptr<Job>(std::move(jobs.front()));
    jobs.pop_front();
    std::shared_ptr<Job> job = running;
    lock.unlock();
    RunJob(job.get());
    lock.lock();
    running.reset();
    lock.unlock();
    job.reset();  // releases the cursor (and its snapshot) outside the lock
    lock.lock();
  }
}

bool WsConnection::Impl::EventsPending() const {
  for (const auto& [id, sub] : subs) {
    if (!sub->queue.empty() || sub->overflow || sub->ending) return true;
  }
  return false;
}

bool WsConnection::Impl::PageFull(const Job& job, uint32_t count, size_t bytes,
                                  Clock::time_point page_start) const {
  if (bytes >= kMaxPageBytes) return true;
  switch (job.paging.mode) {
    case PagingMode::kNone:
      return false;
    case PagingMode::kRecords:
      return count >= job.paging.value;
    case PagingMode::kBytes:
      return bytes >= job.paging.value;
    case PagingMode::kMillis:
      return Clock::now() - page_start >= std::chrono::milliseconds(job.paging.value);
  }
  return false;
}

void WsConnection::Impl::RunJob(Job* job) {
  std::string msg;
  while (true) {
    msg.clear();
    size_t frame = BeginFrame(&msg, Kind::kPage, job->id);
    size_t count_at = msg.size();
    msg.append(4, '\0');
    uint32_t count = 0;
    Clock::time_point page_start = Clock::now();
    bool last = false;
    bool cancelled = false;
    Status status;
    while (true) {
      if (job->cancelled || closing) {
        cancelled = true;
        break;
      }
      auto more = job->source->Next(&msg);
      if (!more.ok()) {
        status = more.status();
        break;
      }
      if (!*more) {
        last = true;
        break;
      }
      ++count;
      if (PageFull(*job, count, msg.size() - count_at - 4, page_start)) break;
    }
    if (cancelled || !status.ok()) {
      msg.clear();
      AppendResponse(
          &msg, Kind::kError, job->id,
          cancelled ? ErrorPayload("cancelled", "cancelled by the client") : ErrorPayload(status));
      job->series->Record(cancelled ? kCancelledStatus : HttpStatusFor(status), Micros(job->start));
      if (!closing) sink->Send(std::move(msg));
      return;
    }
    msg[frame + kLengthBytes] = static_cast<char>(last ? Kind::kLast : Kind::kPage);
    EncodeFixed32(msg.data() + count_at, count);
    EndFrame(&msg, frame);
    if (!sink->Send(std::move(msg))) return;
    if (last) break;
    if (!DeliverEvents()) return;
  }
  job->series->Record(200, Micros(job->start));
}

bool WsConnection::Impl::DeliverEvents() {
  struct Batch {
    std::shared_ptr<Subscription> sub;
    std::deque<Change> changes;
    bool overflow = false;
    bool ending = false;
  };
  std::vector<Batch> batches;
  {
    std::lock_guard<std::mutex> lock(mu);
    for (auto it = subs.begin(); it != subs.end();) {
      Subscription& sub = *it->second;
      if (sub.queue.empty() && !sub.overflow && !sub.ending) {
        ++it;
        continue;
      }
      Batch b{it->second, {}, sub.overflow, sub.ending};
      b.changes.swap(sub.queue);
      sub.queued_bytes = 0;
      batches.push_back(std::move(b));
      if (sub.overflow || sub.ending) {
        it = subs.erase(it);
      } else {
        ++it;
      }
    }
  }
  std::string msg;
  for (Batch& b : batches) {
    const Subscription& sub = *b.sub;
    if (b.overflow) {
      service->db()->RemoveChangeListener(sub.listener);
      AppendResponse(
          &msg, Kind::kError, sub.id,
          ErrorPayload("overflow", "the client fell behind by more than " +
                                       std::to_string(service->options().ws_queue_bytes) +
                                       " bytes of changes; the subscription has ended"));
      if (b.ending)
        AppendResponse(&msg, Kind::kResult, sub.unsubscribe_id, Value::MakeObject({{"ok", true}}));
      continue;
    }
    for (const Change& c : b.changes) {
      Value doc;
      if (!sub.range && c.op != Change::Op::kDelete) {
        auto decoded = c.Document();
        if (!decoded.ok()) continue;  // a committed record always decodes; skip, do not stop
        doc = std::move(*decoded);
        // A deleted document cannot be matched: filtered subscribers get every delete.
        if (sub.filter && !sub.filter->Matches(doc)) continue;
      }
      Value event = Value::MakeObject({{"op", Value(OpName(c.op))},
                                       {"collection", c.collection},
                                       {"id", c.id},
                                       {"seq", static_cast<int64_t>(c.seq)}});
      if (sub.range) {
        event.Set("key", Value::Binary(c.key));
        if (c.op != Change::Op::kDelete) event.Set("value", Value::Binary(c.value));
      } else if (c.op != Change::Op::kDelete) {
        event.Set("doc", std::move(doc));
      }
      AppendResponse(&msg, Kind::kEvent, sub.id, event);
      if (msg.size() >= kEventBatchBytes) {
        if (!sink->Send(std::move(msg))) return false;
        msg.clear();
      }
    }
    if (b.ending) {
      AppendResponse(&msg, Kind::kResult, sub.unsubscribe_id, Value::MakeObject({{"ok", true}}));
    }
  }
  if (!msg.empty() && !sink->Send(std::move(msg))) return false;
  return !closing;
}

// ---------------------------------------------------------------------------------------------

WsConnection::WsConnection(Service* service, std::optional<ApiKeyInfo> principal, FrameSink* sink)
    : impl_(std::make_unique<Impl>(service, std::move(principal), sink)) {}

WsConnection::~WsConnection() { impl_->Close(); }

void WsConnection::OnMessage(std::string_view message) { impl_->OnMessage(message); }

void WsConnection::Close() { impl_->Close(); }

}  // namespace strata::server
