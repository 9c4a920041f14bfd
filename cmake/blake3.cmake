# BLAKE3, the `blake3:` model digest (docs/cli.md): the upstream C implementation with its SIMD
# kernels, compiled from the sources Debian ships in librust-blake3-dev (Debian packages no C
# library of it). On this project's machines it hashes at about 7 GB/s on one core against
# SHA-256's 1.7 GB/s with the SHA extensions, so verifying a download keeps up with copying it.
file(GLOB MREG_BLAKE3_DIRS /usr/share/cargo/registry/blake3-*/c)
list(SORT MREG_BLAKE3_DIRS COMPARE NATURAL ORDER DESCENDING)
list(GET MREG_BLAKE3_DIRS 0 MREG_BLAKE3_DIR)
if(NOT MREG_BLAKE3_DIR OR NOT EXISTS ${MREG_BLAKE3_DIR}/blake3.h)
  message(FATAL_ERROR "BLAKE3's C sources not found under /usr/share/cargo/registry: "
                      "install librust-blake3-dev (scripts/deps does)")
endif()
message(STATUS "BLAKE3 from ${MREG_BLAKE3_DIR}")
enable_language(C)
set(MREG_BLAKE3_SOURCES ${MREG_BLAKE3_DIR}/blake3.c ${MREG_BLAKE3_DIR}/blake3_dispatch.c
                        ${MREG_BLAKE3_DIR}/blake3_portable.c)
set(MREG_BLAKE3_DEFINITIONS "")
if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64" AND NOT MREG_BUILD_FUZZ)
  # The assembly kernels; blake3_dispatch.c picks one by the CPU's features at run time.
  enable_language(ASM)
  foreach(kernel sse2 sse41 avx2 avx512)
    list(APPEND MREG_BLAKE3_SOURCES ${MREG_BLAKE3_DIR}/blake3_${kernel}_x86-64_unix.S)
  endforeach()
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "aarch64|arm64")
  list(APPEND MREG_BLAKE3_SOURCES ${MREG_BLAKE3_DIR}/blake3_neon.c)
  set(MREG_BLAKE3_DEFINITIONS BLAKE3_USE_NEON=1)
else()
  # Portable C only (and in the fuzz build, where the sanitizers see every line).
  set(MREG_BLAKE3_DEFINITIONS BLAKE3_NO_SSE2 BLAKE3_NO_SSE41 BLAKE3_NO_AVX2 BLAKE3_NO_AVX512)
endif()
add_library(mreg_blake3 STATIC ${MREG_BLAKE3_SOURCES})
# Not this project's code: its own warnings are upstream's to fix.
set_source_files_properties(${MREG_BLAKE3_SOURCES} PROPERTIES COMPILE_OPTIONS "-w")
set_target_properties(mreg_blake3 PROPERTIES UNITY_BUILD OFF POSITION_INDEPENDENT_CODE ON C_STANDARD 99)
target_compile_definitions(mreg_blake3 PRIVATE ${MREG_BLAKE3_DEFINITIONS})
target_include_directories(mreg_blake3 SYSTEM PUBLIC ${MREG_BLAKE3_DIR})
