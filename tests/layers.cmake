# layers.cmake - the include and call rules of docs/architecture.md:
# tests/check_layers.py first plants violations in a scratch copy of the
# tree and checks each is reported (the check can fail), then checks the
# real tree against tests/layers/allowlist.txt (known violations, emptied
# once the issue-8 branches are merged).
find_package(Python3 REQUIRED COMPONENTS Interpreter)
add_test(NAME check_layers
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/tests/check_layers.py
          --self-test --root ${CMAKE_SOURCE_DIR})
set_tests_properties(check_layers PROPERTIES TIMEOUT 120)
