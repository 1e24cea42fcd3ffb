// Boost.Beast lives in this translation unit only (with ws_session below it), to keep builds quick.
#include "server/http_server.h"

#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "server/http_dispatch.h"
#include "server/http_status.h"
#include "server/metrics.h"
#include "server/service.h"
#include "server/ws_connection.h"

namespace strata::server {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

namespace {

// What every session shares; owned by HttpServer::Impl.
struct Shared {
  explicit Shared(int threads) {
    for (int i = 0; i < std::max(1, threads); ++i) {
      iocs.push_back(std::make_unique<net::io_context>(1));  // run by one thread each
    }
  }
  Service* service = nullptr;
  ServerOptions options;
  Router router;
  // One io_context per I/O thread, connections spread round-robin: a connection's handlers then
  // run on the thread that polled its socket, without the cross-thread wake-ups (and their
  // context switches) of one shared scheduler, which dominated a profile of small requests.
  std::vector<std::unique_ptr<net::io_context>> iocs;
  std::atomic<size_t> next_ioc{0};
  net::io_context& ioc() { return *iocs[0]; }
  net::io_context& NextIoContext() { return *iocs[next_ioc.fetch_add(1) % iocs.size()]; }
  std::optional<ssl::context> tls;
  std::atomic<bool> stopping{false};

  // Live sessions, so that Stop can reach them.
  struct SessionBase {
    virtual ~SessionBase() = default;
    virtual void Shutdown() = 0;  // close when idle; posted to the session's thread
  };
  std::mutex mu;
  std::unordered_map<uint64_t, std::weak_ptr<SessionBase>> sessions;
  uint64_t next_session = 0;

  uint64_t Register(std::weak_ptr<SessionBase> session) {
    std::lock_guard<std::mutex> lock(mu);
    uint64_t id = next_session++;
    sessions.emplace(id, std::move(session));
    return id;
  }
  void Unregister(uint64_t id) {
    std::lock_guard<std::mutex> lock(mu);
    sessions.erase(id);
  }
};

using SessionBase = Shared::SessionBase;

// Every session's handlers run on the one thread of its io_context, so no strand is needed, and
// the concrete executor type spares the type-erased any_io_executor on every operation.
using Executor = net::io_context::executor_type;
using Socket = net::basic_stream_socket<tcp, Executor>;
template <bool kTls>
using StreamOf = std::conditional_t<kTls, beast::ssl_stream<Socket>, Socket>;

template <bool kTls>
Socket& SocketOf(StreamOf<kTls>& stream) {
  if constexpr (kTls) {
    return stream.next_layer();
  } else {
    return stream;
  }
}

// Beast's HTTP/1.1 parser, writing straight into the handlers' HttpRequest: no basic_fields
// (an allocation per field) and no second copy of every header. Not reusable: one per request.
class RequestParser : public http::basic_parser<true> {
 public:
  explicit RequestParser(HttpRequest* out) : out_(out) {}
  unsigned version() const { return version_; }
  bool bad_target() const { return bad_target_; }

 private:
  void on_request_impl(http::verb, beast::string_view method, beast::string_view target,
                       int version, beast::error_code&) override {
    out_->method.assign(method.data(), method.size());
    version_ = static_cast<unsigned>(version);
    bad_target_ = !ParseTarget(std::string_view(target.data(), target.size()), out_);
  }
  void on_response_impl(int, beast::string_view, int, beast::error_code&) override {}
  void on_field_impl(http::field, beast::string_view name, beast::string_view value,
                     beast::error_code&) override {
    std::string lower(name.data(), name.size());
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out_->headers.emplace_back(std::move(lower), std::string(value.data(), value.size()));
  }
  void on_header_impl(beast::error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>& length,
                         beast::error_code&) override {
    // The parser has checked the length against body_limit already.
    if (length) out_->body.reserve(static_cast<size_t>(*length));
  }
  size_t on_body_impl(beast::string_view body, beast::error_code&) override {
    out_->body.append(body.data(), body.size());
    return body.size();
  }
  void on_chunk_header_impl(std::uint64_t, beast::string_view, beast::error_code&) override {}
  size_t on_chunk_body_impl(std::uint64_t, beast::string_view body, beast::error_code&) override {
    out_->body.append(body.data(), body.size());
    return body.size();
  }
  void on_finish_impl(beast::error_code&) override {}

  HttpRequest* out_;
  unsigned version_ = 11;
  bool bad_target_ = false;
};

// The request again as Beast's message, for the WebSocket handshake (rare: once a connection).
http::request<http::string_body> ToBeastRequest(const HttpRequest& request, unsigned version) {
  http::request<http::string_body> req;
  req.method_string(request.method);
  req.target(request.target);
  req.version(version);
  for (const auto& [name, value] : request.headers) req.insert(name, value);
  return req;
}

void AppendHeaderLine(std::string_view name, std::string_view value, std::string* out) {
  out->append(name);
  out->append(": ");
  // A value never ends the header early: CR and LF become spaces.
  for (char c : value) out->push_back(c == '\r' || c == '\n' ? ' ' : c);
  out->append("\r\n");
}

// The status line and headers of `response`, written here rather than through Beast's
// serializer: a handful of appends instead of a field list with an allocation per field.
// Returns whether the body goes out (never for 1xx, 204 and 304).
bool AppendHead(const HttpResponse& response, unsigned version, bool keep_alive, std::string* out) {
  out->append(version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ");
  out->append(std::to_string(response.status));
  out->push_back(' ');
  beast::string_view reason = http::obsolete_reason(static_cast<http::status>(response.status));
  out->append(reason.data(), reason.size());
  out->append("\r\nServer: strata\r\n");
  if (!response.content_type.empty()) {
    AppendHeaderLine("Content-Type", response.content_type, out);
  }
  for (const auto& [name, value] : response.headers) AppendHeaderLine(name, value, out);
  const bool body = response.status / 100 != 1 && response.status != 204 && response.status != 304;
  if (body) AppendHeaderLine("Content-Length", std::to_string(response.body.size()), out);
  if (!keep_alive) {
    out->append("Connection: close\r\n");
  } else if (version == 10) {
    out->append("Connection: keep-alive\r\n");
  }
  out->append("\r\n");
  return body;
}

// ---- WebSocket -----------------------------------------------------------------------------

template <bool kTls>
class WsSession : public SessionBase,
                  public FrameSink,
                  public std::enable_shared_from_this<WsSession<kTls>> {
 public:
  WsSession(Shared* shared, StreamOf<kTls>&& stream) : shared_(shared), ws_(std::move(stream)) {
    shared_->service->metrics()->ConnectionOpened();
  }
  ~WsSession() override {
    shared_->Unregister(id_);
    shared_->service->metrics()->ConnectionClosed();
  }

  void Run(http::request<http::string_body> req, std::optional<ApiKeyInfo> principal) {
    id_ = shared_->Register(this->weak_from_this());
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "strata"); }));
    ws_.read_message_max(shared_->options.max_body_bytes);
    ws_.binary(true);
    principal_ = std::move(principal);
    req_ = std::move(req);
    ws_.async_accept(req_,
                     beast::bind_front_handler(&WsSession::OnAccept, this->shared_from_this()));
  }

  void Shutdown() override {
    net::post(ws_.get_executor(), [self = this->shared_from_this()] {
      if (self->closed_) return;
      self->ws_.async_close(websocket::close_code::going_away,
                            [self](beast::error_code) { self->CloseDown(); });
    });
  }

  // FrameSink.
  void Post(std::string message) override {
    if (closed_) return;
    queued_bytes_.fetch_add(message.size());
    net::dispatch(ws_.get_executor(),
                  [self = this->shared_from_this(), m = std::move(message)]() mutable {
                    self->queue_.push_back(std::move(m));
                    self->MaybeWrite();
                  });
  }
  bool Send(std::string message) override {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] {
        return closed_.load() || queued_bytes_.load() < shared_->options.ws_queue_bytes;
      });
    }
    if (closed_) return false;
    Post(std::move(message));
    return true;
  }
  bool closed() const override { return closed_; }

 private:
  void OnAccept(beast::error_code ec) {
    if (ec) return CloseDown();
    conn_ = std::make_unique<WsConnection>(shared_->service, principal_, this);
    DoRead();
  }

  void DoRead() {
    ws_.async_read(buffer_,
                   beast::bind_front_handler(&WsSession::OnRead, this->shared_from_this()));
  }

  void OnRead(beast::error_code ec, size_t) {
    if (ec) return CloseDown();
    auto data = buffer_.cdata();
    conn_->OnMessage(std::string_view(static_cast<const char*>(data.data()), data.size()));
    buffer_.consume(buffer_.size());
    // Flow control: a client that does not read its answers stops being read.
    if (queued_bytes_.load() > shared_->options.ws_queue_bytes) {
      read_paused_ = true;
    } else {
      DoRead();
    }
  }

  void MaybeWrite() {
    if (writing_ || queue_.empty() || closed_) return;
    // Messages are sequences of length-prefixed frames, so queued ones can go out as one message.
    out_.clear();
    while (!queue_.empty() && (out_.empty() || out_.size() + queue_.front().size() <= kCoalesce)) {
      out_ += queue_.front();
      queue_.pop_front();
    }
    writing_ = true;
    ws_.async_write(net::buffer(out_),
                    beast::bind_front_handler(&WsSession::OnWrite, this->shared_from_this()));
  }

  void OnWrite(beast::error_code ec, size_t) {
    writing_ = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      queued_bytes_.fetch_sub(out_.size());
    }
    cv_.notify_all();
    if (ec) return CloseDown();
    MaybeWrite();
    if (read_paused_ && queued_bytes_.load() <= shared_->options.ws_queue_bytes) {
      read_paused_ = false;
      DoRead();
    }
  }

  void CloseDown() {
    if (closed_.exchange(true)) return;
    // Taking the mutex orders the flag before any Send that is about to wait, so none sleeps on.
    { std::lock_guard<std::mutex> lock(mu_); }
    cv_.notify_all();
    if (conn_ != nullptr) conn_->Close();
  }

  static constexpr size_t kCoalesce = 1 << 20;
  Shared* shared_;
  websocket::stream<StreamOf<kTls>> ws_;
  uint64_t id_ = 0;
  http::request<http::string_body> req_;
  std::optional<ApiKeyInfo> principal_;
  beast::flat_buffer buffer_;
  std::unique_ptr<WsConnection> conn_;
  std::deque<std::string> queue_;  // the session's thread only
  std::string out_;                // the message being written
  bool writing_ = false;
  bool read_paused_ = false;
  std::atomic<size_t> queued_bytes_{0};
  std::atomic<bool> closed_{false};
  std::mutex mu_;
  std::condition_variable cv_;
};

// ---- HTTP ----------------------------------------------------------------------------------

template <bool kTls>
class HttpSession : public SessionBase, public std::enable_shared_from_this<HttpSession<kTls>> {
 public:
  HttpSession(Shared* shared, StreamOf<kTls>&& stream, std::string remote)
      : shared_(shared),
        stream_(std::move(stream)),
        remote_(std::move(remote)),
        timer_(SocketOf<kTls>(stream_).get_executor()) {
    shared_->service->metrics()->ConnectionOpened();
  }
  ~HttpSession() override {
    shared_->Unregister(id_);
    shared_->service->metrics()->ConnectionClosed();
  }

  void Run() {
    id_ = shared_->Register(this->weak_from_this());
    net::dispatch(timer_.get_executor(), [self = this->shared_from_this()] {
      self->SetDeadline(self->shared_->options.request_timeout_ms);
      self->WatchDeadline();
      if constexpr (kTls) {
        self->stream_.async_handshake(ssl::stream_base::server, [self](beast::error_code ec) {
          if (ec) return self->Finish();
          self->DoRead();
        });
      } else {
        self->DoRead();
      }
    });
  }

  void Shutdown() override {
    net::post(timer_.get_executor(), [self = this->shared_from_this()] {
      if (self->idle_) self->CloseSocket();
    });
  }

 private:
  // Timeouts: one timer per connection that wakes at the deadline and re-arms when the deadline
  // has moved on, so a request costs a clock read instead of arming and cancelling a timer for
  // every read and write.
  void SetDeadline(uint32_t ms) {
    deadline_ = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  }
  void WatchDeadline() {
    timer_.expires_at(deadline_);
    timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (ec || self->finished_) return;
      if (std::chrono::steady_clock::now() >= self->deadline_) {
        self->timed_out_ = true;
        return self->CloseSocket();  // the pending read or write fails and ends the session
      }
      self->WatchDeadline();
    });
  }

  void DoRead() {
    if (shared_->stopping) return DoClose();
    request_ = HttpRequest();
    request_.remote = remote_;
    parser_.emplace(&request_);
    parser_->body_limit(shared_->options.max_body_bytes);
    parser_->header_limit(64 << 10);
    idle_ = true;
    SetDeadline(shared_->options.idle_timeout_ms);
    http::async_read_header(
        stream_, buffer_, *parser_,
        beast::bind_front_handler(&HttpSession::OnHeader, this->shared_from_this()));
  }

  void OnHeader(beast::error_code ec, size_t) {
    idle_ = false;
    if (ec) return OnReadError(ec);
    if (parser_->is_done()) return OnRead(ec, 0);  // no body: spare a second read operation
    SetDeadline(shared_->options.request_timeout_ms);
    // A client that asks first (curl does for bodies over 1 KiB) gets its go-ahead at once
    // instead of sending the body after its own wait (RFC 9110 10.1.1).
    const std::string_view expect = request_.Header("expect");
    if (beast::iequals(beast::string_view(expect.data(), expect.size()), "100-continue")) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      return net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                              [self = this->shared_from_this()](beast::error_code ec, size_t) {
                                if (ec) return self->Finish();
                                self->ReadBody();
                              });
    }
    ReadBody();
  }

  void ReadBody() {
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&HttpSession::OnRead, this->shared_from_this()));
  }

  void OnReadError(beast::error_code ec) {
    if (timed_out_ || ec == http::error::end_of_stream || ec == net::error::operation_aborted ||
        ec == net::error::eof || ec == net::error::bad_descriptor ||
        ec == net::error::connection_reset) {
      return DoClose();
    }
    // A request the parser refused: answer once, then close (the stream is out of step).
    Status why =
        ec == http::error::body_limit
            ? Status::ResourceExhausted("request body exceeds " +
                                        std::to_string(shared_->options.max_body_bytes) + " bytes")
            : Status::InvalidArgument("malformed HTTP request: " + ec.message());
    Respond(ErrorResponse(why), 11, false);
  }

  void OnRead(beast::error_code ec, size_t) {
    if (ec) return OnReadError(ec);
    const unsigned version = parser_->version();
    const bool keep_alive = parser_->keep_alive();
    if (parser_->upgrade()) {
      auto req = ToBeastRequest(request_, version);
      if (websocket::is_upgrade(req)) return Upgrade(std::move(req));
    }
    HttpResponse response = parser_->bad_target()
                                ? ErrorResponse(Status::InvalidArgument("malformed request target"))
                                : Dispatch(shared_->service, shared_->router, request_);
    Respond(std::move(response), version, keep_alive && !shared_->stopping);
  }

  void Respond(HttpResponse response, unsigned version, bool keep_alive) {
    keep_alive_ = keep_alive;
    head_.clear();
    const bool with_body = AppendHead(response, version, keep_alive, &head_);
    body_ = with_body ? std::move(response.body) : std::string();
    SetDeadline(shared_->options.request_timeout_ms);  // a client must read its answer too
    std::array<net::const_buffer, 2> buffers{net::buffer(head_), net::buffer(body_)};
    net::async_write(stream_, buffers,
                     beast::bind_front_handler(&HttpSession::OnWrite, this->shared_from_this()));
  }

  void OnWrite(beast::error_code ec, size_t) {
    if (ec) return Finish();
    if (!keep_alive_) return DoClose();
    DoRead();
  }

  void Upgrade(http::request<http::string_body> req) {
    if (parser_->bad_target() || request_.path != "/ws") {
      return Respond(ErrorResponse(Status::NotFound("WebSocket upgrades are served on /ws")),
                     req.version(), false);
    }
    std::optional<ApiKeyInfo> principal;
    std::string_view key = RequestKey(request_);
    if (!key.empty()) {
      auto auth = shared_->service->Authorize(key, Role::kRead);
      if (!auth.ok()) return Respond(ErrorResponse(auth.status()), req.version(), false);
      principal = std::move(auth).value();
    }
    if (!shared_->options.quiet) spdlog::info("{} \"GET /ws\" 101", remote_);
    Finish();  // the WebSocket session owns the stream and its timeouts from here
    auto ws = std::make_shared<WsSession<kTls>>(shared_, std::move(stream_));
    ws->Run(std::move(req), std::move(principal));
  }

  void DoClose() {
    beast::error_code ec;
    if constexpr (kTls) {
      if (!finished_) {
        SetDeadline(2000);
        stream_.async_shutdown(
            [self = this->shared_from_this()](beast::error_code) { self->Finish(); });
        return;
      }
    } else {
      stream_.shutdown(tcp::socket::shutdown_send, ec);
    }
    Finish();
  }

  // No further I/O: the timer lets go of the session, which ends with its last handler.
  void Finish() {
    finished_ = true;
    timer_.cancel();
  }

  void CloseSocket() {
    beast::error_code ec;
    SocketOf<kTls>(stream_).close(ec);
  }

  Shared* shared_;
  StreamOf<kTls> stream_;
  std::string remote_;
  net::steady_timer timer_;
  std::chrono::steady_clock::time_point deadline_;
  uint64_t id_ = 0;
  beast::flat_buffer buffer_;
  HttpRequest request_;
  std::optional<RequestParser> parser_;
  std::string head_;  // the response being written: head, then body
  std::string body_;
  bool keep_alive_ = true;
  bool idle_ = false;  // waiting for a request: Stop may close it
  bool timed_out_ = false;
  bool finished_ = false;
};

}  // namespace

// ---- The server --------------------------------------------------------------------------------

struct HttpServer::Impl {
  explicit Impl(int threads) : shared(threads), acceptor(shared.ioc()), sweeper(shared.ioc()) {}
  Shared shared;
  tcp::acceptor acceptor;
  net::steady_timer sweeper;
  // Keeps each io_context running while it has no connection yet; released by Stop.
  std::vector<net::executor_work_guard<net::io_context::executor_type>> guards;
  std::vector<std::thread> threads;
  uint16_t port = 0;
  std::once_flag stop_once;

  void Accept() {
    acceptor.async_accept(shared.NextIoContext(), [this](beast::error_code ec, Socket socket) {
      if (ec) {
        if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
        spdlog::warn("accept: {}", ec.message());
        return Accept();
      }
      beast::error_code ignored;
      auto endpoint = socket.remote_endpoint(ignored);
      std::string remote = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
      if (static_cast<size_t>(shared.service->metrics()->connections()) >=
          shared.options.max_connections) {
        // Over the limit: a short refusal, written at once, then close.
        HttpResponse busy = ErrorResponse(Status::Busy(
            "too many connections (limit " + std::to_string(shared.options.max_connections) + ")"));
        std::string head;
        AppendHead(busy, 11, false, &head);
        if (!shared.tls) {
          socket.non_blocking(false, ignored);
          std::array<net::const_buffer, 2> buffers{net::buffer(head), net::buffer(busy.body)};
          net::write(socket, buffers, ignored);
        }
        socket.shutdown(tcp::socket::shutdown_both, ignored);
        socket.close(ignored);
        if (!shared.options.quiet) spdlog::warn("{} refused: too many connections", remote);
      } else if (shared.tls) {
        std::make_shared<HttpSession<true>>(
            &shared, beast::ssl_stream<Socket>(std::move(socket), *shared.tls), remote)
            ->Run();
      } else {
        std::make_shared<HttpSession<false>>(&shared, std::move(socket), remote)->Run();
      }
      Accept();
    });
  }

  void Sweep() {
    sweeper.expires_after(std::chrono::seconds(5));
    sweeper.async_wait([this](beast::error_code ec) {
      if (ec) return;
      shared.service->txns()->Sweep(std::chrono::minutes(5));
      Sweep();
    });
  }
};

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<HttpServer>> HttpServer::Start(Service* service,
                                                      const ServerOptions& options) {
  auto impl = std::make_unique<Impl>(options.io_threads);
  Shared& shared = impl->shared;
  shared.service = service;
  shared.options = options;
  shared.router = BuildRouter();
  shared.router.AttachMetrics(service->metrics());
  if (!options.tls_cert.empty() || !options.tls_key.empty()) {
    if (options.tls_cert.empty() || options.tls_key.empty()) {
      return Status::InvalidArgument("TLS needs both --tls-cert and --tls-key");
    }
    shared.tls.emplace(ssl::context::tls_server);
    beast::error_code ec;
    shared.tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                            ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                            ssl::context::no_tlsv1_1);
    shared.tls->use_certificate_chain_file(options.tls_cert, ec);
    if (ec) return Status::InvalidArgument("--tls-cert " + options.tls_cert + ": " + ec.message());
    shared.tls->use_private_key_file(options.tls_key, ssl::context::pem, ec);
    if (ec) return Status::InvalidArgument("--tls-key " + options.tls_key + ": " + ec.message());
  }
  beast::error_code ec;
  auto address = net::ip::make_address(options.bind, ec);
  if (ec) return Status::InvalidArgument("--bind " + options.bind + ": " + ec.message());
  tcp::endpoint endpoint{address, options.port};
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status::IOError("listen on " + options.bind + ":" + std::to_string(options.port) + ": " +
                           ec.message());
  }
  impl->port = impl->acceptor.local_endpoint().port();
  impl->Accept();
  impl->Sweep();
  for (auto& ioc : shared.iocs) {
    impl->guards.push_back(net::make_work_guard(*ioc));
    impl->threads.emplace_back([ioc = ioc.get()] { ioc->run(); });
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::~HttpServer() {
  Stop();
  Wait();
}

uint16_t HttpServer::port() const { return impl_->port; }

void HttpServer::Stop() {
  std::call_once(impl_->stop_once, [this] {
    Impl* impl = impl_.get();
    impl->shared.stopping = true;
    net::post(impl->shared.ioc(), [impl] {
      beast::error_code ec;
      impl->acceptor.close(ec);
      impl->sweeper.cancel();
      // Each io_context now runs only while its connections finish.
      for (auto& guard : impl->guards) guard.reset();
      std::vector<std::shared_ptr<SessionBase>> live;
      {
        std::lock_guard<std::mutex> lock(impl->shared.mu);
        for (auto& [id, weak] : impl->shared.sessions) {
          if (auto s = weak.lock()) live.push_back(std::move(s));
        }
      }
      for (auto& s : live) s->Shutdown();
    });
  });
}

void HttpServer::Wait() {
  for (std::thread& t : impl_->threads) {
    if (t.joinable()) t.join();
  }
}

}  // namespace strata::server
