# Fuzz harnesses (tests/fuzz/fuzz_NAME.c), built two ways:
#   -DWN_FUZZ=ON with clang: libFuzzer binaries fuzz_NAME and the target
#     fuzz_all (scripts/fuzz.sh, `make fuzz`);
#   otherwise: replay_fuzz_NAME, a CTest test that feeds the committed
#     corpus (tests/fuzz/corpus/NAME) and regressions
#     (tests/fuzz/regressions/NAME) to the harness, plain and under ASan.
file(GLOB WN_FUZZ_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_*.c)
list(REMOVE_ITEM WN_FUZZ_SOURCES ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_util.c)
if(WN_FUZZ)
  add_custom_target(fuzz_all)
endif()
foreach(src ${WN_FUZZ_SOURCES})
  get_filename_component(name ${src} NAME_WE)
  string(REGEX REPLACE "^fuzz_" "" short ${name})
  if(WN_FUZZ)
    add_executable(${name} ${src} ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_util.c)
    target_link_options(${name} PRIVATE -fsanitize=fuzzer)
    set(target ${name})
    add_dependencies(fuzz_all ${name})
  else()
    add_executable(replay_${name} ${src} ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_util.c
                                  ${CMAKE_SOURCE_DIR}/tests/fuzz/replay.c)
    set(target replay_${name})
    add_test(NAME replay_${name} COMMAND replay_${name}
             ${CMAKE_SOURCE_DIR}/tests/fuzz/corpus/${short}
             ${CMAKE_SOURCE_DIR}/tests/fuzz/regressions/${short})
    set_tests_properties(replay_${name} PROPERTIES TIMEOUT 300)
  endif()
  target_include_directories(${target} PRIVATE ${CMAKE_SOURCE_DIR}/lib
                                               ${CMAKE_SOURCE_DIR}/tests/fuzz)
  target_link_libraries(${target} PRIVATE wattnet)
endforeach()
