// Boost.Beast lives in this translation unit only (with ws_session below it), to keep builds quick.
#include "server/http_server.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
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
    virtual void Shutdown() = 0;  // close when idle; posted to the session's strand
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

template <bool kTls>
using StreamOf = std::conditional_t<kTls, beast::ssl_stream<beast::tcp_stream>, beast::tcp_stream>;

HttpRequest ToRequest(const http::request<http::string_body>& req, const std::string& remote,
                      bool* bad_target) {
  HttpRequest out;
  out.method = std::string(req.method_string());
  *bad_target = !ParseTarget(std::string_view(req.target().data(), req.target().size()), &out);
  for (const auto& field : req) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  out.body = req.body();
  out.remote = remote;
  return out;
}

http::response<http::string_body> ToBeast(HttpResponse response, unsigned version,
                                          bool keep_alive) {
  http::response<http::string_body> res{static_cast<http::status>(response.status), version};
  res.set(http::field::server, "strata");
  if (!response.content_type.empty()) res.set(http::field::content_type, response.content_type);
  for (auto& [name, value] : response.headers) res.set(name, value);
  res.body() = std::move(response.body);
  res.keep_alive(keep_alive);
  res.prepare_payload();
  return res;
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
    beast::get_lowest_layer(ws_).expires_never();
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
  std::deque<std::string> queue_;  // strand only
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
      : shared_(shared), stream_(std::move(stream)), remote_(std::move(remote)) {
    shared_->service->metrics()->ConnectionOpened();
  }
  ~HttpSession() override {
    shared_->Unregister(id_);
    shared_->service->metrics()->ConnectionClosed();
  }

  void Run() {
    id_ = shared_->Register(this->weak_from_this());
    net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      if constexpr (kTls) {
        beast::get_lowest_layer(self->stream_)
            .expires_after(std::chrono::milliseconds(self->shared_->options.request_timeout_ms));
        self->stream_.async_handshake(ssl::stream_base::server, [self](beast::error_code ec) {
          if (ec) return;
          self->DoRead();
        });
      } else {
        self->DoRead();
      }
    });
  }

  void Shutdown() override {
    net::post(stream_.get_executor(), [self = this->shared_from_this()] {
      if (self->idle_) beast::get_lowest_layer(self->stream_).socket().close();
    });
  }

 private:
  void DoRead() {
    if (shared_->stopping) return DoClose();
    parser_.emplace();
    parser_->body_limit(shared_->options.max_body_bytes);
    parser_->header_limit(64 << 10);
    idle_ = true;
    beast::get_lowest_layer(stream_).expires_after(
        std::chrono::milliseconds(shared_->options.idle_timeout_ms));
    http::async_read_header(
        stream_, buffer_, *parser_,
        beast::bind_front_handler(&HttpSession::OnHeader, this->shared_from_this()));
  }

  void OnHeader(beast::error_code ec, size_t) {
    idle_ = false;
    if (ec) return OnReadError(ec);
    beast::get_lowest_layer(stream_).expires_after(
        std::chrono::milliseconds(shared_->options.request_timeout_ms));
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&HttpSession::OnRead, this->shared_from_this()));
  }

  void OnReadError(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == net::error::operation_aborted ||
        ec == beast::error::timeout || ec == net::error::eof || ec == net::error::bad_descriptor) {
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
    http::request<http::string_body> req = parser_->release();
    if (websocket::is_upgrade(req)) return Upgrade(std::move(req));
    bool bad_target = false;
    HttpRequest request = ToRequest(req, remote_, &bad_target);
    HttpResponse response = bad_target
                                ? ErrorResponse(Status::InvalidArgument("malformed request target"))
                                : Dispatch(shared_->service, shared_->router, request);
    Respond(std::move(response), req.version(), req.keep_alive() && !shared_->stopping);
  }

  void Respond(HttpResponse response, unsigned version, bool keep_alive) {
    res_ = ToBeast(std::move(response), version, keep_alive);
    http::async_write(stream_, res_,
                      beast::bind_front_handler(&HttpSession::OnWrite, this->shared_from_this()));
  }

  void OnWrite(beast::error_code ec, size_t) {
    if (ec) return;
    if (!res_.keep_alive()) return DoClose();
    DoRead();
  }

  void Upgrade(http::request<http::string_body> req) {
    bool bad_target = false;
    HttpRequest request = ToRequest(req, remote_, &bad_target);
    if (bad_target || request.path != "/ws") {
      return Respond(ErrorResponse(Status::NotFound("WebSocket upgrades are served on /ws")),
                     req.version(), false);
    }
    std::optional<ApiKeyInfo> principal;
    std::string_view key = RequestKey(request);
    if (!key.empty()) {
      auto auth = shared_->service->Authorize(key, Role::kRead);
      if (!auth.ok()) return Respond(ErrorResponse(auth.status()), req.version(), false);
      principal = std::move(auth).value();
    }
    if (!shared_->options.quiet) spdlog::info("{} \"GET /ws\" 101", remote_);
    auto ws = std::make_shared<WsSession<kTls>>(shared_, std::move(stream_));
    ws->Run(std::move(req), std::move(principal));
  }

  void DoClose() {
    beast::error_code ec;
    if constexpr (kTls) {
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(2));
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {});
    } else {
      stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    }
  }

  Shared* shared_;
  StreamOf<kTls> stream_;
  std::string remote_;
  uint64_t id_ = 0;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> res_;
  bool idle_ = false;  // waiting for a request: Stop may close it
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
    acceptor.async_accept(net::make_strand(shared.NextIoContext()), [this](beast::error_code ec,
                                                                           tcp::socket socket) {
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
        auto res = ToBeast(std::move(busy), 11, false);
        if (!shared.tls) {
          socket.non_blocking(false, ignored);
          http::write(socket, res, ignored);
        }
        socket.shutdown(tcp::socket::shutdown_both, ignored);
        socket.close(ignored);
        if (!shared.options.quiet) spdlog::warn("{} refused: too many connections", remote);
      } else if (shared.tls) {
        std::make_shared<HttpSession<true>>(
            &shared, beast::ssl_stream<beast::tcp_stream>(std::move(socket), *shared.tls), remote)
            ->Run();
      } else {
        std::make_shared<HttpSession<false>>(&shared, beast::tcp_stream(std::move(socket)), remote)
            ->Run();
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
