# Every mreg command is a process of its own, and the dynamic loader's work at each start grows
# with every shared library and every symbol looked up in one: linked as shared libraries, the
# 28 libraries under libgit2, yaml-cpp, OpenSSL and cpp-httplib cost a fresh `mreg --version`
# six times a whole `git --version` (bench/startup-results.md). So these are linked from the
# static archives Debian ships:
#   mreg_git2      libgit2 with mbedTLS, libssh2, http_parser and PCRE2; its GSS-API calls go
#                  to core/src/gssapi_on_demand.cpp, which loads libgssapi_krb5 (shared only)
#                  when an https remote first asks for Kerberos; its TLS and ssh set-ups are
#                  wrapped (core/src/git.cpp) so that each runs only before its first use.
#   mreg_yaml      yaml-cpp.
#   mreg_crypto    OpenSSL's libcrypto and zlib (through mreg_git2), which libgit2, libssh2 and the core use:
#                  static in an executable with the property MREG_STATIC_RUNTIME (mreg itself,
#                  which also gets libstdc++ and libgcc statically), shared in the others. Those
#                  load cpp-httplib's library, which brings the shared libcrypto and zlib along:
#                  two copies of one library in a process would bind some calls to each.
#
# A shared object that links the core (the Python extension, python/) cannot take these archives:
# Debian compiles them as position-dependent code for executables. Such a target sets the property
# MREG_SHARED_LIBRARIES and gets Debian's shared libgit2 and yaml-cpp instead, without the wraps.
pkg_check_modules(LIBGIT2 REQUIRED libgit2)
set(mreg_shared_libraries "$<BOOL:$<TARGET_PROPERTY:MREG_SHARED_LIBRARIES>>")
set(mreg_static_libraries "$<NOT:${mreg_shared_libraries}>")

function(mreg_static_archive var name)
  find_library(${var} NAMES lib${name}.a REQUIRED)
endfunction()

set(MREG_GIT2_ARCHIVES "")
foreach(name git2 mbedtls mbedx509 mbedcrypto http_parser ssh2 pcre2-8)
  mreg_static_archive(MREG_ARCHIVE_${name} ${name})
  list(APPEND MREG_GIT2_ARCHIVES ${MREG_ARCHIVE_${name}})
endforeach()
mreg_static_archive(MREG_ARCHIVE_yaml_cpp yaml-cpp)
mreg_static_archive(MREG_ARCHIVE_crypto crypto)
mreg_static_archive(MREG_ARCHIVE_z z)

set(mreg_static_runtime "$<BOOL:$<TARGET_PROPERTY:MREG_STATIC_RUNTIME>>")
add_library(mreg_crypto INTERFACE)
target_link_libraries(mreg_crypto INTERFACE
  "$<IF:${mreg_static_runtime},${MREG_ARCHIVE_crypto},OpenSSL::Crypto>"
  "$<IF:${mreg_static_runtime},${MREG_ARCHIVE_z},ZLIB::ZLIB>"
  ${CMAKE_DL_LIBS} Threads::Threads)
target_link_options(mreg_crypto INTERFACE "$<${mreg_static_runtime}:-static-libstdc++;-static-libgcc>")

# Archives are searched once, in order: the definitions they need come after them.
add_library(mreg_gssapi STATIC ${PROJECT_SOURCE_DIR}/core/src/gssapi_on_demand.cpp)
add_library(mreg_git2 INTERFACE)
target_include_directories(mreg_git2 INTERFACE ${LIBGIT2_INCLUDE_DIRS})
foreach(archive ${MREG_GIT2_ARCHIVES})
  target_link_libraries(mreg_git2 INTERFACE "$<${mreg_static_libraries}:${archive}>")
endforeach()
target_link_libraries(mreg_git2 INTERFACE "$<${mreg_shared_libraries}:${LIBGIT2_LINK_LIBRARIES}>"
  "$<${mreg_static_libraries}:mreg_gssapi>" mreg_crypto rt)
foreach(entry git_mbedtls_stream_global_init git_mbedtls_stream_new git_mbedtls_stream_wrap
              git_mbedtls__set_cert_location git_transport_ssh_global_init git_smart_subtransport_ssh
              git_transport_ssh_with_paths)
  target_link_options(mreg_git2 INTERFACE "$<${mreg_static_libraries}:-Wl,--wrap=${entry}>")
endforeach()

add_library(mreg_yaml INTERFACE)
get_target_property(MREG_YAML_INCLUDES yaml-cpp INTERFACE_INCLUDE_DIRECTORIES)
if(MREG_YAML_INCLUDES)
  target_include_directories(mreg_yaml INTERFACE ${MREG_YAML_INCLUDES})
endif()
find_library(MREG_SHARED_yaml_cpp NAMES libyaml-cpp.so REQUIRED)
target_link_libraries(mreg_yaml INTERFACE
  "$<IF:${mreg_shared_libraries},${MREG_SHARED_yaml_cpp},${MREG_ARCHIVE_yaml_cpp}>")
