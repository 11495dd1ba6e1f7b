# headers.cmake - every public header compiles on its own: for each
# include/wattnet/*.h, tests/layers/headers_alone.cmake writes a one-line .c that
# includes only that header and runs the C compiler on it with
# -fsyntax-only -Werror (C11, pedantic).  One CTest test, headers_alone;
# tests/layers/headers_alone.cmake also proves it can fail (a planted header that
# uses a type it does not include must be rejected).
add_test(NAME headers_alone
  COMMAND ${CMAKE_COMMAND}
    -DCC=${CMAKE_C_COMPILER}
    -DINCLUDE_DIR=${CMAKE_SOURCE_DIR}/include
    -DWORK_DIR=${CMAKE_BINARY_DIR}/headers_alone
    -P ${CMAKE_SOURCE_DIR}/tests/layers/headers_alone.cmake)
set_tests_properties(headers_alone PROPERTIES TIMEOUT 120)
