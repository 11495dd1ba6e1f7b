# headers_alone.cmake - script run by the headers_alone test (cmake -P):
# compiles each include/wattnet/*.h alone (see tests/headers.cmake; it
# lives below tests/ so that CMakeLists.txt does not include it).
# Inputs: CC (the C compiler), INCLUDE_DIR, WORK_DIR.
cmake_minimum_required(VERSION 3.20)
set(flags -std=c11 -pedantic -Wall -Wextra -Werror -fsyntax-only)
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR}/planted/wattnet)

# Compile one .c that includes <wattnet/NAME> with include dirs DIRS;
# set OK in the caller to TRUE when it compiled.
function(compile_alone name dirs)
  string(REPLACE "." "_" stem ${name})
  set(src ${WORK_DIR}/alone_${stem}.c)
  file(WRITE ${src} "#include <wattnet/${name}>\n")
  set(incs "")
  foreach(d ${dirs})
    list(APPEND incs -I${d})
  endforeach()
  execute_process(COMMAND ${CC} ${flags} ${incs} ${src}
                  RESULT_VARIABLE res ERROR_VARIABLE err OUTPUT_VARIABLE out)
  if(res EQUAL 0)
    set(OK TRUE PARENT_SCOPE)
  else()
    set(OK FALSE PARENT_SCOPE)
    set(ERR "${out}${err}" PARENT_SCOPE)
  endif()
endfunction()

# Self-test: a planted header that uses wn_store without including
# store.h must fail, or this check proves nothing.
file(WRITE ${WORK_DIR}/planted/wattnet/planted_bad.h
     "#ifndef PLANTED_BAD_H\n#define PLANTED_BAD_H\n"
     "int wn_planted(wn_store *s);\n#endif\n")
compile_alone(planted_bad.h "${WORK_DIR}/planted")
if(OK)
  message(FATAL_ERROR "headers_alone: the planted bad header compiled; "
                      "the check cannot fail")
endif()

file(GLOB headers RELATIVE ${INCLUDE_DIR}/wattnet ${INCLUDE_DIR}/wattnet/*.h)
list(LENGTH headers n)
if(n EQUAL 0)
  message(FATAL_ERROR "headers_alone: no headers in ${INCLUDE_DIR}/wattnet")
endif()
set(failed "")
foreach(h ${headers})
  compile_alone(${h} "${INCLUDE_DIR}")
  if(OK)
    message(STATUS "ok   wattnet/${h}")
  else()
    message(STATUS "FAIL wattnet/${h}:\n${ERR}")
    list(APPEND failed ${h})
  endif()
endforeach()
if(failed)
  message(FATAL_ERROR "headers_alone: these headers do not compile alone: ${failed}")
endif()
message(STATUS "headers_alone: all ${n} headers compile alone")
