# cuda.cmake - the optional GPU engine (lib/nn/gpu_cuda.cu).
#
# Built only when WN_WITH_CUDA is ON and CMake finds nvcc and the CUDA
# toolkit with cuBLASLt; otherwise the CPU engine is built alone and
# `--device cuda` answers "built without CUDA".  Sets WN_CUDA_SOURCES and
# defines wn_cuda_configure(target), which adds WN_HAVE_CUDA=1 and links
# CUDA::cudart and CUDA::cublasLt (plain shared libraries: no dlopen).
# Architectures: CMAKE_CUDA_ARCHITECTURES, by default 75 and 90 (sm_70,
# the V100, is gone from nvcc 13; a 12.x toolkit adds it, see docs/gpu.md).
set(WN_CUDA_SOURCES "")
set(WN_HAVE_CUDA 0)
if(WN_WITH_CUDA)
  if(NOT CMAKE_CUDA_COMPILER AND NOT DEFINED ENV{CUDACXX}
     AND EXISTS /usr/local/cuda/bin/nvcc)
    set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc)
  endif()
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
      execute_process(COMMAND ${CMAKE_CUDA_COMPILER} --list-gpu-arch
                      OUTPUT_VARIABLE wn_archs ERROR_QUIET)
      if(wn_archs MATCHES "compute_70")
        set(CMAKE_CUDA_ARCHITECTURES 70 90)
      else()
        set(CMAKE_CUDA_ARCHITECTURES 75 90)
      endif()
    endif()
    enable_language(CUDA)
    # Keep gcc as the linker of the CLI, tests and benchmarks (the CUDA
    # objects need no device link), so the sanitizer link flags still work.
    set(CMAKE_CUDA_LINKER_PREFERENCE_PROPAGATES 0)
    set(CMAKE_CUDA_RUNTIME_LIBRARY Shared)
    find_package(CUDAToolkit)
  endif()
  if(CMAKE_CUDA_COMPILER AND CUDAToolkit_FOUND AND TARGET CUDA::cublasLt)
    set(WN_HAVE_CUDA 1)
    file(GLOB WN_CUDA_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/lib/nn/*.cu)
    set(CMAKE_CUDA_STANDARD 17)
    set(CMAKE_CUDA_STANDARD_REQUIRED ON)
    message(STATUS "wattnet: CUDA engine (cuBLASLt)     [x] (nvcc "
                   "${CMAKE_CUDA_COMPILER_VERSION}, sm ${CMAKE_CUDA_ARCHITECTURES})")
  else()
    message(STATUS "wattnet: CUDA engine (cuBLASLt)     [ ] (no nvcc or CUDA toolkit)")
  endif()
else()
  message(STATUS "wattnet: CUDA engine (cuBLASLt)     [ ] (WN_WITH_CUDA=OFF)")
endif()

function(wn_cuda_configure target)
  if(NOT WN_HAVE_CUDA)
    return()
  endif()
  target_compile_definitions(${target} PUBLIC WN_HAVE_CUDA=1)
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:CUDA>:--Werror=all-warnings -Xcompiler=-Wall,-Wextra>)
  # The executables stay C-linked (gcc): cudart is a plain shared library
  # and no relocatable device code is used, so no device link step.
  set_target_properties(${target} PROPERTIES CUDA_SEPARABLE_COMPILATION OFF
                        CUDA_RUNTIME_LIBRARY Shared)
  target_link_libraries(${target} PUBLIC CUDA::cudart CUDA::cublasLt)
endfunction()
