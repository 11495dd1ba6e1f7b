# python.cmake - the Python binding's tests (tests/python/, unittest, run
# with Debian's python3): the simulated powercap tree as a program
# (powercap_sim), the binding against the build's libwattnet.so, and the
# install path (make install into a DESTDIR, pip install ./python offline
# into a venv, the 1-second busy-loop acceptance script).
find_program(WN_PYTHON3 python3 PATHS /usr/bin NO_DEFAULT_PATH)
if(NOT WN_PYTHON3)
  find_program(WN_PYTHON3 python3)
endif()

add_executable(powercap_sim ${CMAKE_SOURCE_DIR}/tests/fixtures/python/powercap_sim.c)
target_include_directories(powercap_sim PRIVATE ${CMAKE_SOURCE_DIR}/tests
                                                ${CMAKE_SOURCE_DIR}/include)
target_link_libraries(powercap_sim PRIVATE Threads::Threads m)
set_target_properties(powercap_sim PROPERTIES
  RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/fixtures)

# Under ASan the shared library needs the sanitizer runtimes loaded first;
# Python itself leaks by design, so leak checks stay off there.
set(WN_PY_ENV "")
if(WN_SANITIZE)
  execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=libasan.so
                  OUTPUT_VARIABLE WN_ASAN_SO OUTPUT_STRIP_TRAILING_WHITESPACE)
  execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=libubsan.so
                  OUTPUT_VARIABLE WN_UBSAN_SO OUTPUT_STRIP_TRAILING_WHITESPACE)
  list(APPEND WN_PY_ENV "LD_PRELOAD=${WN_ASAN_SO}:${WN_UBSAN_SO}"
                        "ASAN_OPTIONS=detect_leaks=0")
endif()

if(WN_PYTHON3)
  add_test(NAME test_python_binding
    COMMAND ${WN_PYTHON3} -m unittest -v test_binding
    WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}/tests/python)
  set_tests_properties(test_python_binding PROPERTIES TIMEOUT 300
    ENVIRONMENT "WATTNET_LIB=$<TARGET_FILE:wattnet_shared>;WN_POWERCAP_SIM=$<TARGET_FILE:powercap_sim>;PYTHONPATH=${CMAKE_SOURCE_DIR}/python:${CMAKE_SOURCE_DIR}/tests/python;PYTHONDONTWRITEBYTECODE=1;${WN_PY_ENV}")
  add_dependencies(powercap_sim wattnet_shared)
else()
  message(WARNING "wattnet: python3 not found: the Python binding's tests are not registered")
endif()

if(WN_PYTHON3 AND NOT WN_SANITIZE)
  # The install path (not under ASan: an installed library is the plain one).
  add_test(NAME test_python_install
    COMMAND bash ${CMAKE_SOURCE_DIR}/tests/python/install_test.sh
            ${CMAKE_BINARY_DIR} ${CMAKE_SOURCE_DIR})
  set_tests_properties(test_python_install PROPERTIES TIMEOUT 300
    ENVIRONMENT "WN_POWERCAP_SIM=$<TARGET_FILE:powercap_sim>;WN_PYTHON3=${WN_PYTHON3};PYTHONDONTWRITEBYTECODE=1")
endif()
