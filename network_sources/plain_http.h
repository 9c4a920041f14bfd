// HTTP/1.1 GETs over a plain TCP connection (http://, as local S3 servers and mirrors serve),
// kept alive between requests, the body read in blocks of up to 1 MiB: cpp-httplib, as
// Debian builds it, reads a body 4 KiB at a time with a poll() before each recv(), which at
// 1 GB was more system time than the transfer itself. https stays with cpp-httplib.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "http_client.h"

namespace mreg {

class PlainHttpConnection {
 public:
  PlainHttpConnection(std::string host, int port, std::string host_header, std::string shown);
  ~PlainHttpConnection();
  PlainHttpConnection(const PlainHttpConnection&) = delete;
  PlainHttpConnection& operator=(const PlainHttpConnection&) = delete;

  // As HttpConnection::get.
  HttpResponse get(const std::string& target, const HttpHeaders& headers,
                   const std::function<void(const char*, std::size_t)>& body);

 private:
  void connect();
  void close();
  void send_all(const std::string& data);
  bool fill();  // reads more into the buffer; false at the end of the stream
  [[noreturn]] void broken(const std::string& why);
  std::string read_line();  // a line of the head or of chunk framing, without CRLF
  // Passes n bytes of body on (to `to`, when given), reading as needed.
  void pass_body(std::uint64_t n, const std::function<void(const char*, std::size_t)>& to);

  std::string host_, host_header_, shown_;
  int port_;
  int fd_ = -1;
  std::vector<char> buffer_;
  std::size_t begin_ = 0, end_ = 0;  // unread bytes of buffer_
};

}  // namespace mreg
