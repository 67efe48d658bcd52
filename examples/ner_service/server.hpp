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

#include <functional>
#include <memory>
#include <string>

#include "ner_service/metrics.hpp"
#include "ner_service/options.hpp"

namespace lexzone::ner_service {

class ner_model;

/// The server. Construction binds and listens (throws std::system_error when it cannot).
/// Thread safety: to be used from the thread that calls `run`.
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

  /// Loads the model with `load` on a thread of its own (the server listens meanwhile: /healthz answers,
  /// /readyz says "loading"), then starts the workers and becomes ready. If `load` throws, the server
  /// stops and run() returns 1. The server owns the model and the thread. Call once, before run().
  void load_model(std::function<std::unique_ptr<ner_model>()> load);

  /// Serves until shut down (a byte on signal_fd, or a model that failed to load). Returns the exit
  /// status: 0 after a graceful shutdown, 1 when the model could not be loaded.
  int run();

  /// After run(): whether the model's loader may still be running (a shutdown came before the model). A load
  /// cannot be interrupted, and the destructor would wait for it: the caller should exit without it.
  [[nodiscard]] bool loading() const;

  class impl;  // opaque (server.cpp); public so that the connections there can name it

 private:
  std::unique_ptr<impl> impl_;
};

}  // namespace lexzone::ner_service
