// tests/raw_http.h — a raw loopback TCP connection for the HTTP tests that send
// what no well-behaved client would: endless lines, conflicting headers, bytes
// that are not UTF-8. Every wait has a deadline; nothing sleeps.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

namespace poolviz::serve::testing {

class RawConnection {
 public:
  explicit RawConnection(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) close();
  }
  ~RawConnection() { close(); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return fd_ >= 0; }

  /// Sends all of `data`; false once the peer has gone (reset or closed).
  bool send(std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  /// Reads until the peer closes or `deadline` passes; `closed` says which.
  std::string read_until_closed(std::chrono::milliseconds deadline, bool* closed = nullptr) {
    std::string out;
    const auto until = std::chrono::steady_clock::now() + deadline;
    if (closed) *closed = false;
    char buf[4096];
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          until - std::chrono::steady_clock::now());
      if (left.count() <= 0) return out;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return out;
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        if (closed) *closed = true;
        return out;
      }
      out.append(buf, static_cast<std::size_t>(n));
    }
  }

  /// Reads one answer (up to the end of its headers plus Content-Length bytes).
  std::string read_answer(std::chrono::milliseconds deadline) {
    std::string out;
    const auto until = std::chrono::steady_clock::now() + deadline;
    char buf[4096];
    for (;;) {
      const std::size_t end = out.find("\r\n\r\n");
      if (end != std::string::npos) {
        const std::size_t at = out.find("Content-Length: ");
        const std::size_t length = at < end ? std::stoul(out.substr(at + 16)) : 0;
        if (out.size() >= end + 4 + length) return out;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          until - std::chrono::steady_clock::now());
      if (left.count() <= 0) return out;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return out;
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return out;
      out.append(buf, static_cast<std::size_t>(n));
    }
  }

  /// Half-closes: the peer reads end of stream after what was sent.
  void finish_sending() { ::shutdown(fd_, SHUT_WR); }

  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

/// The status code of a raw answer, or 0.
inline int status_of(const std::string& answer) {
  if (answer.size() < 12 || !answer.starts_with("HTTP/1.1 ")) return 0;
  return std::atoi(answer.c_str() + 9);
}

/// Resident memory of this process in KiB (VmRSS in /proc/self/status).
inline long resident_kib() {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (!f) return -1;
  char line[256];
  long kib = -1;
  while (std::fgets(line, sizeof line, f)) {
    if (std::strncmp(line, "VmRSS:", 6) == 0) kib = std::atol(line + 6);
  }
  std::fclose(f);
  return kib;
}

}  // namespace poolviz::serve::testing
