// The `poolviz` command line, run as a child process: exit codes, messages,
// the JSON summary and the export files.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#ifndef POOLVIZ_BINARY
#error "POOLVIZ_BINARY must name the poolviz executable"
#endif

namespace {

struct Result {
  int status = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

std::filesystem::path temp_dir() {
  static const std::filesystem::path dir = [] {
    auto d = std::filesystem::temp_directory_path() / ("poolviz_cli_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  return dir;
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Runs poolviz with `args` (shell words) and no display, capturing both streams.
Result poolviz(const std::string& args) {
  const auto err_file = temp_dir() / "stderr.txt";
  const std::string command = "env -u DISPLAY -u WAYLAND_DISPLAY " + std::string(POOLVIZ_BINARY) + " " +
                              args + " 2>" + err_file.string();
  Result r;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return r;
  std::array<char, 4096> buffer{};
  std::size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) r.out.append(buffer.data(), n);
  const int raw = ::pclose(pipe);
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  r.err = slurp(err_file);
  return r;
}

std::filesystem::path write_file(const std::string& name, const std::string& text) {
  const auto path = temp_dir() / name;
  std::ofstream(path) << text;
  return path;
}

TEST(Cli, ListJsonNamesEveryBuiltinScenario) {
  const Result r = poolviz("list --json");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto list = nlohmann::json::parse(r.out);
  ASSERT_GE(list.size(), 15u);
  EXPECT_EQ(list[0]["id"], "basic-pool");
  for (const auto& item : list) {
    EXPECT_TRUE(item.contains("title"));
    EXPECT_TRUE(item.contains("summary"));
  }
}

TEST(Cli, ListPrintsIdsAndTitles) {
  const Result r = poolviz("list");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("rate-limit-token-bucket"), std::string::npos);
}

TEST(Cli, ValidateAcceptsAGoodFileAndNamesTheLineOfABadOne) {
  const auto good = write_file("good.toml", "[scenario]\nid = \"good\"\n[workload]\ncount = 3\n");
  const auto bad = write_file("basic.toml",
                              "[scenario]\nid = \"b\"\ntitle = \"t\"\n\n[pool]\nworkers = 2\n"
                              "overflow = \"drop\"\n");
  EXPECT_EQ(poolviz("validate " + good.string()).status, 0);
  const Result r = poolviz("validate " + good.string() + " " + bad.string());
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("basic.toml:7:12: pool.overflow: \"drop\" is not one of block, reject, "
                       "drop_oldest, caller_runs"),
            std::string::npos)
      << r.err;
}

TEST(Cli, RunJsonPrintsExactlyOneObject) {
  const Result r = poolviz("run basic-pool --speed 50 --json");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);  // throws on anything but one JSON value
  EXPECT_EQ(j["scenario"], "basic-pool");
  EXPECT_EQ(j["strategy"], "fixed");
  EXPECT_EQ(j["jobs"]["completed"], 10);
  EXPECT_TRUE(j["wait_ms"].contains("p99"));
}

TEST(Cli, RunWithSetSeedAndDurationApplies) {
  const Result r = poolviz("run basic-pool --speed 50 --json --seed 7 --set pool.workers=5 --set workload.count=12");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["jobs"]["submitted"], 12);
  EXPECT_EQ(j["workers"]["max"], 5);
}

TEST(Cli, RunHumanSummaryWhenPiped) {
  const Result r = poolviz("run basic-pool --speed 50");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("completed 10"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find('\r'), std::string::npos) << "no progress line when stdout is not a terminal";
}

TEST(Cli, QuietPrintsNothing) {
  const Result r = poolviz("run basic-pool --speed 50 --quiet");
  EXPECT_EQ(r.status, 0);
  EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST(Cli, RunWritesCsvAndTraceThatParse) {
  const auto csv = temp_dir() / "series.csv";
  const auto trace = temp_dir() / "trace.json";
  const Result r = poolviz("run basic-pool --speed 50 --quiet --csv " + csv.string() + " --trace " + trace.string());
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string text = slurp(csv);
  EXPECT_EQ(text.rfind("t_s,submitted,completed,rejected,queue_depth,in_service,workers,threads,"
                       "throughput_per_s,wait_p50_ms,wait_p99_ms,sojourn_p99_ms,utilization,tokens\n", 0),
            0u);
  const auto doc = nlohmann::json::parse(slurp(trace));
  EXPECT_FALSE(doc["traceEvents"].empty());
}

TEST(Cli, BadUsageExitsTwoAndSaysWhatIsAllowed) {
  Result r = poolviz("run basic-pool --sped 3");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--sped"), std::string::npos) << r.err;
  r = poolviz("run basic-pool --speed -1");
  EXPECT_EQ(r.status, 2);
  r = poolviz("frobnicate");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("Commands: gui, list, validate, run, screenshot"), std::string::npos) << r.err;
  r = poolviz("run basic-pool --set pool.strategy=pooled");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("is not one of thread_per_task, fixed"), std::string::npos) << r.err;
  r = poolviz("run basic-pool --set pool.wrokers=3");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("did you mean \"pool.workers\""), std::string::npos) << r.err;
  r = poolviz("validate");
  EXPECT_EQ(r.status, 2);
}

TEST(Cli, UnknownScenarioExitsOne) {
  const Result r = poolviz("run basic-poll");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("did you mean \"basic-pool\""), std::string::npos) << r.err;
}

TEST(Cli, NoDisplayRunsTheDefaultScenarioHeadless) {
  const Result r = poolviz("");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("poolviz: no display found (DISPLAY/WAYLAND_DISPLAY unset); running the "
                       "scenario headless instead"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("basic-pool"), std::string::npos);
}

TEST(Cli, ScreenshotWithoutDisplayFailsCleanly) {
  const Result r = poolviz("screenshot basic-pool --at 1 --out " + (temp_dir() / "x.png").string());
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("needs a display"), std::string::npos) << r.err;
}

TEST(Cli, NumericFlagsStateAHumanSizedRange) {
  Result r = poolviz("run basic-pool --speed 0");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--speed: 0 is out of range; allowed: 0.01 to 1000"), std::string::npos) << r.err;
  EXPECT_LT(r.err.find('\n'), 120u) << r.err;  // no 300-digit bound
  r = poolviz("run basic-pool --duration 1e10");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("allowed: 0.001 to 86400 (scenario seconds)"), std::string::npos) << r.err;
  r = poolviz("compare basic-pool --speed 5000");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("0.01 to 1000"), std::string::npos) << r.err;
  r = poolviz("gui basic-pool --speed 50");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("0.1 to 20"), std::string::npos) << r.err;
}

TEST(Cli, NanAndInfinityAreRefusedWithTheRange) {
  for (const char* args : {"run basic-pool --speed nan", "run basic-pool --duration nan",
                           "run basic-pool --duration inf", "sweep mmc-poisson --set-range workload.rate=5:6:2 --speed nan",
                           "screenshot basic-pool --at nan --out x.png"}) {
    const Result r = poolviz(args);
    EXPECT_EQ(r.status, 2) << args;
    EXPECT_NE(r.err.find("is not a finite number; allowed: "), std::string::npos) << args << ": " << r.err;
  }
}

TEST(Cli, UnknownOptionsAndCommandsSuggestTheOneMeant) {
  Result r = poolviz("run basic-pool --sped 2");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("run: unknown option --sped; did you mean --speed?"), std::string::npos) << r.err;
  r = poolviz("list --jsn");
  EXPECT_NE(r.err.find("did you mean --json?"), std::string::npos) << r.err;
  r = poolviz("rn basic-pool");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("unknown command \"rn\"; did you mean run?"), std::string::npos) << r.err;
}

TEST(Cli, QuotedNumbersGetARemoveTheQuotesHint) {
  Result r = poolviz("run basic-pool --speed '\"3\"'");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--speed: \"3\" is in quotes; remove the quotes (3)"), std::string::npos) << r.err;
  r = poolviz("run basic-pool --set 'pool.workers=\"3\"'");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("remove the quotes (pool.workers=3)"), std::string::npos) << r.err;
}

TEST(Cli, SetWithAnUnknownKeyIsPunctuated) {
  const Result r = poolviz("run basic-pool --set nonsense=1");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("nonsense: unknown key. Allowed keys: pool.strategy, "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(".\n"), std::string::npos) << r.err;
}

TEST(Cli, APathThatIsNotARegularFileIsNamedSo) {
  Result r = poolviz("run " + temp_dir().string());
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("not a regular file (a directory)"), std::string::npos) << r.err;
  r = poolviz("run /dev/zero");
  EXPECT_NE(r.err.find("not a regular file (a character device)"), std::string::npos) << r.err;
  r = poolviz("run /nonexistent/x.toml");
  EXPECT_NE(r.err.find("cannot read the file: No such file or directory"), std::string::npos) << r.err;
}

TEST(Cli, AnOversizedScenarioFileIsRefusedWithItsSize) {
  const auto path = write_file("big.toml", "# " + std::string(1'200'000, 'x') + "\n");
  const Result r = poolviz("validate " + path.string());
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("the file is 1.1 MiB; a scenario file may be at most 1 MiB"), std::string::npos) << r.err;
}

TEST(Cli, AnUnwritableOutputFailsFirstWithTheReason) {
  Result r = poolviz("run basic-pool --csv /nonexistent/dir/x.csv");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("cannot write /nonexistent/dir/x.csv: No such file or directory"), std::string::npos) << r.err;
  r = poolviz("screenshot basic-pool --at 1 --out /nonexistent/dir/x.png");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("cannot write /nonexistent/dir/x.png: No such file or directory"), std::string::npos) << r.err;
}

TEST(Cli, ListJsonIncludesTheWatchBullets) {
  const Result r = poolviz("list --json");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto list = nlohmann::json::parse(r.out);
  for (const auto& item : list) {
    ASSERT_TRUE(item.contains("watch")) << item["id"];
    EXPECT_TRUE(item["watch"].is_array());
    EXPECT_FALSE(item["watch"].empty()) << item["id"];
  }
}

}  // namespace

// `poolviz check`: counts that do not depend on timing, so the test does not either.
const char* const kCheckScenario = R"([scenario]
id = "check-demo"
title = "Check demo"
summary = "One. Two."

[pool]
strategy = "fixed"
workers = 3

[workload]
arrival = "all_at_once"
count = 6
service_mean_ms = 10

[[compare]]
label = "one worker"
set = ["pool.workers=1"]

[[lesson]]
claim = "Every job completes"
check = "completed == 6 and completed['one worker'] == 6"
speed = 10
noise = false
)";

TEST(Cli, CheckPrintsHeldClaimsWithTheFiguresAndExitsZero) {
  const auto file = write_file("check_ok.toml", kCheckScenario);
  const Result r = poolviz("check " + file.string());
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("[held] Every job completes"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("as written: completed 6; one worker: completed 6"), std::string::npos) << r.out;
}

TEST(Cli, CheckExitsOneWhenAClaimDoesNotHold) {
  std::string text = kCheckScenario;
  text.replace(text.find("completed == 6 and"), 18, "completed == 7 and");
  const auto file = write_file("check_fail.toml", text);
  const Result r = poolviz("check " + file.string() + " --json");
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["held"], false);
  ASSERT_EQ(j["claims"].size(), 1u);
  EXPECT_EQ(j["claims"][0]["held"], false);
  EXPECT_EQ(j["claims"][0]["figures"][0]["value"], 6);
  EXPECT_TRUE(j["claims"][0].contains("machine")) << "a failure reports the machine's load";
}
