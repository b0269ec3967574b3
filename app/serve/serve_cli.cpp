#include "serve/serve_cli.h"

#include <pthread.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cstdio>
#include <iostream>
#include <thread>

#ifdef POOLVIZ_HAVE_GUI
#include "gui/gui.h"
#endif
#include "common/flag_checks.h"
#include "poolviz/compat_thread.h"
#include "serve/static_site.h"
#include "poolviz/export.h"
#include "poolviz/scenario.h"

namespace poolviz::serve {

namespace {

/// `poolviz load`: an open loop of up to 100,000 requests a second, for up to an hour.
constexpr flags::NumberRange kLoadRate{0.001, 100'000, "requests per second"};
constexpr flags::NumberRange kLoadDuration{0.001, 3'600, "seconds"};

constexpr int kOk = 0;
constexpr int kFailed = 1;
constexpr int kBadUsage = 2;

bool gui_available() {
#ifdef POOLVIZ_HAVE_GUI
  return gui::display_available();
#else
  return false;
#endif
}

/// Opens the window on the served pool until it is closed or `close` is set.
int open_window(TaskServer& server, const std::string& url, const std::atomic<bool>& close,
                const ServeCommandOptions& options) {
#ifdef POOLVIZ_HAVE_GUI
  gui::GuiOptions window;
  if (!options.screenshot.empty()) {
    window.screenshot_out = options.screenshot;
    window.screenshot_at = options.screenshot_at;
  }
  window.served_run = &server.run();
  window.served_lock = &server.control_mutex();
  window.close_request = &close;
  window.served_banner = "serving " + url + "/tasks";
  return gui::run(window);
#else
  (void)server, (void)url, (void)close, (void)options;
  return kFailed;
#endif
}

void print_summary(const RunSummary& s, const TaskServer& server) {
  std::printf("%s (%s) served over HTTP for %.1f s of scenario time\n", s.scenario.c_str(),
              s.strategy.c_str(), s.duration_s);
  std::printf("  %-10s accepted %llu  refused %llu\n", "http",
              static_cast<unsigned long long>(server.accepted()),
              static_cast<unsigned long long>(server.refused()));
  print_summary_lines(s);
  if (s.accounting_holds()) {  // print_summary_lines warns when it does not
    std::printf("  accounting holds: submitted = completed + failed + rejected + cancelled + timed out\n");
  }
}

}  // namespace

namespace {

/// The scenario with the --set overrides applied; kOk, or the exit status.
int load_served_scenario(const ServeCommandOptions& options, Scenario& scenario) {
  try {
    scenario = load_scenario(options.scenario);
  } catch (const ScenarioError& e) {
    std::fprintf(stderr, "poolviz: error: %s\n", e.what());
    return kFailed;
  }
  for (const std::string& assignment : options.sets) {
    try {
      apply_override(scenario, assignment);
    } catch (const ScenarioError& e) {
      std::fprintf(stderr, "poolviz: error: %s\n", e.what());
      return kBadUsage;
    }
  }
  return kOk;
}

/// Whether a window opens: --gui asks, a display decides. kOk, or the exit status.
int choose_window(const ServeCommandOptions& options, bool& with_window) {
  with_window = options.gui;
  if (!options.screenshot.empty() && !gui_available()) {
    std::fprintf(stderr, "poolviz: error: serve --screenshot needs a display (DISPLAY/WAYLAND_DISPLAY "
                         "unset, or a build without the GUI); try `xvfb-run -a poolviz serve --gui ...`\n");
    return kFailed;
  }
  if (with_window && !gui_available()) {
    std::fprintf(stderr, "poolviz serve: no display found (DISPLAY/WAYLAND_DISPLAY unset); serving "
                         "without a window\n");
    with_window = false;
  }
  return kOk;
}

/// Says where the server listens and what Ctrl-C will do; returns its base URL.
std::string announce(TaskServer& server, const Scenario& scenario,
                     const ServeCommandOptions& options, int port) {
  const std::string host = options.serve.bind.find(':') != std::string::npos
                               ? "[" + options.serve.bind + "]"
                               : options.serve.bind;
  const std::string base = "http://" + host + ":" + std::to_string(port);
  if (!is_loopback_host(options.serve.bind)) {
    std::fprintf(
        stderr,
        "poolviz serve: warning: listening on %s, beyond this machine: the endpoints "
        "are unauthenticated (anyone who reaches the port can submit tasks); PUT /pool "
        "%s\n",
        options.serve.bind.c_str(),
        options.serve.token.empty() ? "is off (give --token to allow it)" : "needs the --token");
  }
  const ExecutorStats stats = server.run().executor().stats();
  std::fprintf(
      stderr,
      "poolviz serve: %s (%s, %lld workers, queue %zu) listening on %s\n"
      "  POST %s/tasks   GET %s/tasks/{id}   GET %s/queue/status   GET %s/metrics   PUT %s/pool\n"
      "  Ctrl-C stops accepting, then %s%s\n",
      scenario.id.c_str(), std::string(server.run().executor().strategy()).c_str(),
      static_cast<long long>(stats.workers_alive), scenario.pool.queue_capacity, base.c_str(),
      base.c_str(), base.c_str(), base.c_str(), base.c_str(), base.c_str(),
      options.serve.on_exit == ShutdownMode::drain ? "drains every accepted task"
                                                   : "cancels what has not finished",
      options.serve.on_exit == ShutdownMode::drain ? " (Ctrl-C again: cancel the rest)" : "");
  return base;
}

/// Serves until SIGINT/SIGTERM (or, with a window, until it closes); returns
/// the window's status and sets `signal_number` (0 = the window closed).
int serve_until_stopped(TaskServer& server, const std::string& base,
                        const ServeCommandOptions& options, const sigset_t& stop_signals,
                        bool with_window, int& signal_number) {
  int window_status = kOk;
  if (with_window) {
    // The window runs on this thread; a watcher takes the signal and closes it.
    std::atomic<bool> close_window{false};
    poolviz::jthread watcher([&](poolviz::stop_token stop) {
      const timespec tick{0, 100'000'000};
      while (!stop.stop_requested()) {
        if (const int got = sigtimedwait(&stop_signals, nullptr, &tick); got > 0) {
          signal_number = got;
          close_window.store(true, std::memory_order_relaxed);
          return;
        }
      }
    });
    window_status = open_window(server, base, close_window, options);
    watcher.request_stop();
    watcher.join();
    if (window_status != kOk) std::fprintf(stderr, "poolviz serve: the window failed; stopping\n");
  } else {
    sigwait(&stop_signals, &signal_number);
  }
  return window_status;
}

/// Stops accepting, drains or cancels (a second signal cancels a drain), and
/// returns the run's summary.
RunSummary shut_down(TaskServer& server, const ServeCommandOptions& options,
                     const sigset_t& stop_signals, int signal_number) {
  server.begin_shutdown();
  const std::int64_t outstanding = server.run().executor().stats().outstanding;
  std::fprintf(stderr, "poolviz serve: %s: no longer accepting; %s %lld accepted task(s)\n",
               signal_number == SIGINT    ? "SIGINT"
               : signal_number == SIGTERM ? "SIGTERM"
                                          : "window closed",
               options.serve.on_exit == ShutdownMode::drain ? "draining" : "cancelling",
               static_cast<long long>(outstanding));
  // A second Ctrl-C while draining cancels what is left instead of waiting.
  poolviz::jthread escalate;
  if (options.serve.on_exit == ShutdownMode::drain) {
    escalate = poolviz::jthread([&server, &stop_signals](poolviz::stop_token stop) {
      const timespec tick{0, 100'000'000};
      while (!stop.stop_requested()) {
        if (sigtimedwait(&stop_signals, nullptr, &tick) > 0) {
          std::fprintf(stderr, "poolviz serve: second signal: cancelling what is left\n");
          server.run().cancel_now();
          return;
        }
      }
    });
  }
  const RunSummary summary = server.stop();
  if (escalate.joinable()) {
    escalate.request_stop();
    escalate.join();
  }
  return summary;
}

}  // namespace

// [SECTION] serve ---------------------------------------------------------------

int serve_command(const ServeCommandOptions& options) {
  Scenario scenario;
  if (const int status = load_served_scenario(options, scenario); status != kOk) return status;
  bool with_window = false;
  if (const int status = choose_window(options, with_window); status != kOk) return status;
  ServeOptions serve_options = options.serve;
  if (with_window) serve_options.own_poll_thread = false;  // the window's frames poll

  // SIGINT/SIGTERM are taken synchronously by this thread (sigwait); block them
  // before any thread exists so every thread inherits the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  try {
    TaskServer server(scenario, serve_options);
    const int port = server.start();
    const std::string base = announce(server, scenario, options, port);
    // The port on stdout alone, for scripts that start the server with --port 0.
    std::printf("%d\n", port);
    std::fflush(stdout);

    int signal_number = 0;
    const int window_status =
        serve_until_stopped(server, base, options, stop_signals, with_window, signal_number);
    const RunSummary summary = shut_down(server, options, stop_signals, signal_number);
    if (options.json) {
      std::cout << summary_to_json(summary) << std::endl;
    } else {
      print_summary(summary, server);
    }
    return window_status;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "poolviz: error: serve %s: %s\n", scenario.id.c_str(), e.what());
    return kFailed;
  }
}

// [SECTION] load ----------------------------------------------------------------

int load_command(const LoadOptions& options, bool json) {
  if (auto error = validate(options)) {
    std::fprintf(stderr, "poolviz: error: load: %s\n", error->c_str());
    return kBadUsage;
  }
  const LoadReport report = run_load(options);
  if (json) {
    std::cout << report_to_json(report) << std::endl;
  } else {
    std::cout << report_to_text(report);
  }
  if (report.sent > 0 && report.answered() == 0) {
    std::fprintf(
        stderr,
        "poolviz: error: load: no request got an answer from %s (is `poolviz serve` running?)\n",
        report.url.c_str());
    return kFailed;
  }
  return kOk;
}

// [SECTION] Registration --------------------------------------------------------

struct ServeCommands::State {
  CLI::App* serve = nullptr;
  CLI::App* load = nullptr;
  ServeCommandOptions serve_options;
  std::string on_exit = "drain";
  LoadOptions load_options;
  bool load_json = false;
  std::string web_dir;  // --web DIR: serve the browser build instead of a pool
};

ServeCommands::ServeCommands(CLI::App& app) : state_(std::make_unique<State>()) {
  State& s = *state_;
  s.serve = app.add_subcommand(
      "serve",
      "Serve a scenario's pool over HTTP: POST /tasks, GET /tasks/{id}, /queue/status, /metrics");
  s.serve->add_option("scenario", s.serve_options.scenario,
                      "Built-in id or a .toml file (default http-task-queue)");
  s.serve
      ->add_option("--port", s.serve_options.serve.port,
                   "TCP port (default 8080; 0 = any free port, printed)")
      ->check(CLI::Range(0, 65535));
  s.serve->add_option("--bind", s.serve_options.serve.bind,
                      "Address to listen on (default 127.0.0.1; anything else is reachable "
                      "from the network, unauthenticated)");
  s.serve->add_option("--token", s.serve_options.serve.token,
                      "PUT /pool needs \"Authorization: Bearer TOKEN\" (without it, a --bind "
                      "beyond loopback turns PUT /pool off)");
  s.serve->add_flag("--allow-unbounded", s.serve_options.serve.allow_unbounded,
                    "Serve a pool without a queue bound, and allow PUT /pool "
                    "{\"queue_capacity\":0} (any client can then grow memory without end)");
  std::string set_help = "Override a scenario value, KEY=VALUE; keys:";
  for (std::string_view key : override_keys()) set_help += " " + std::string(key);
  s.serve->add_option("--set", s.serve_options.sets, set_help)->allow_extra_args(false);
  s.serve
      ->add_option("--on-exit", s.on_exit,
                   "On SIGINT/SIGTERM: drain (run every accepted task) or cancel")
      ->check(CLI::IsMember({"drain", "cancel"}));
  s.serve
      ->add_option("--keep", s.serve_options.serve.finished_capacity,
                   "Finished tasks GET /tasks/{id} remembers (default 10000; oldest forgotten)")
      ->check(CLI::Range(1, 10'000'000));
  s.serve
      ->add_option("--speed", s.serve_options.serve.speed,
                   "Scenario time = real time × speed (0.01 to 1000)")
      ->check(flags::number_in(flags::kRunSpeed));
  s.serve
      ->add_option("--http-threads", s.serve_options.serve.http_threads,
                   "HTTP threads (default 2; connections do not hold threads)")
      ->check(CLI::Range(1, 64));
  s.serve->add_flag("--json", s.serve_options.json, "Print the exit summary as one JSON object");
  CLI::Option* gui = s.serve->add_flag("--gui", s.serve_options.gui, "Open the window on the served pool");
  s.serve->add_option("--screenshot", s.serve_options.screenshot,
                      "With --gui: write the window to this PNG at --at, then stop serving")
      ->needs(gui);
  s.serve->add_option("--at", s.serve_options.screenshot_at, "Scenario seconds for --screenshot (default 5)")
      ->check(flags::number_in(flags::kScreenshotAt));
  s.serve
      ->add_option("--web", s.web_dir,
                   "Serve this folder (the browser build, scripts/web -> build/web) as a static, "
                   "cross-origin isolated site instead of a pool")
      ->excludes(gui);

  s.load = app.add_subcommand(
      "load", "Load a `poolviz serve` with POST /tasks and report status codes and latency");
  s.load->add_option("url", s.load_options.url, "http://HOST:PORT[/PATH] (path defaults to /tasks)")
      ->required();
  auto* rate = s.load->add_option("--rate", s.load_options.rate, "Open loop: requests per second")
                   ->check(flags::number_in(kLoadRate));
  auto* concurrency =
      s.load
          ->add_option("--concurrency", s.load_options.concurrency,
                       "Closed loop: connections, each sending when answered (default 8)")
          ->check(CLI::Range(1, 1024));
  rate->excludes(concurrency);
  s.load
      ->add_option("--duration", s.load_options.duration_s,
                   "Seconds to run (default 10, at most 3600)")
      ->check(flags::number_in(kLoadDuration));
  s.load->add_option("--requests", s.load_options.max_requests, "Stop after this many requests");
  s.load->add_option("--body", s.load_options.body,
                     "POST body (default {}), e.g. '{\"service_ms\":0}'");
  s.load->add_flag("--json", s.load_json, "Print one JSON object");
  s.load->add_flag("--allow-remote", s.load_options.allow_remote,
                   "Allow a target that is not this machine");
}

ServeCommands::~ServeCommands() = default;

std::optional<int> ServeCommands::dispatch() {
  State& s = *state_;
  if (*s.serve && !s.web_dir.empty()) {
    return serve_static_command(s.web_dir, s.serve_options.serve.bind, s.serve_options.serve.port);
  }
  if (*s.serve) {
    s.serve_options.serve.on_exit =
        s.on_exit == "cancel" ? ShutdownMode::cancel : ShutdownMode::drain;
    return serve_command(s.serve_options);
  }
  if (*s.load) return load_command(s.load_options, s.load_json);
  return std::nullopt;
}

}  // namespace poolviz::serve
