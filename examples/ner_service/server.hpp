// ner_service: the HTTP server (Boost.Beast's parser on Boost.Asio; see README.md for why).
//
// One I/O thread (the one that calls run()) owns every socket: it accepts, reads and parses requests,
// answers /healthz, /readyz and /metrics itself, and writes responses. NER requests go to a bounded queue
// served by --threads worker threads, which parse the JSON, run the model and build the response; the
// response comes back to the I/O thread to be written. A slow, idle or hostile client therefore costs a
// socket and a timer, never a worker. Every phase of a connection has a deadline; connection counts,
// the queue and the bytes of bodies and responses are bounded, and what does not fit is refused with 503
// and Retry-After.
#pragma once

#include <memory>
#include <string>

#include "ner_service/metrics.hpp"
#include "ner_service/options.hpp"

namespace lexzone::ner_service {

class ner_model;

/// The server. Construction binds and listens (throws std::system_error when it cannot).
/// Thread safety: `model_loaded` and `model_failed` may be called from any thread; everything else from
/// the thread that calls `run`.
class server {
 public:
  /// `signal_fd`: the read end of a pipe that receives a byte per SIGTERM/SIGINT (see main.cpp).
  server(const options& opts, int signal_fd);
  server(const server&) = delete;
  server& operator=(const server&) = delete;
  server(server&&) = delete;
  server& operator=(server&&) = delete;
  ~server();

  /// The port listened on (the chosen one for --port 0).
  [[nodiscard]] unsigned short port() const;

  /// The model is loaded: start the workers, become ready. `model` must outlive the server.
  void model_loaded(ner_model& model);
  /// The model could not be loaded: stop; run() returns 1.
  void model_failed(const std::string& why);

  /// Serves until shut down (a byte on signal_fd, or model_failed). Returns the exit status: 0 after a
  /// graceful shutdown, 1 after model_failed.
  int run();

  class impl;  // opaque (server.cpp); public so that the connections there can name it

 private:
  std::unique_ptr<impl> impl_;
};

}  // namespace lexzone::ner_service
