# contention.cmake - the per-epoch contention evidence through the CLI
# (tests/contention/contention_cli.sh): worker -> store -> status, fit,
# report, and train --json.
add_test(NAME test_contention_cli
  COMMAND bash ${CMAKE_SOURCE_DIR}/tests/contention/contention_cli.sh)
set_tests_properties(test_contention_cli PROPERTIES TIMEOUT 300
  ENVIRONMENT "WN_CLI=$<TARGET_FILE:wattnet_cli>")
