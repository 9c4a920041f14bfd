// The extension links Debian's shared libgit2, without the -Wl,--wrap of the executables
// (core/src/git.cpp, cmake/static_libraries.cmake): libgit2 then calls its own transport
// set-ups, and the core's __wrap_* functions, the only callers of these, are never called.
// These definitions only satisfy the loader; each fails should it ever be reached.
extern "C" {
int __real_git_mbedtls_stream_global_init() { return -1; }
int __real_git_mbedtls_stream_new(void**, const char*, const char*) { return -1; }
int __real_git_mbedtls_stream_wrap(void**, void*, const char*) { return -1; }
int __real_git_mbedtls__set_cert_location(const char*, const char*) { return -1; }
int __real_git_transport_ssh_global_init() { return -1; }
int __real_git_smart_subtransport_ssh(void**, void*, void*) { return -1; }
int __real_git_transport_ssh_with_paths(void**, void*, void*) { return -1; }
}
