# slurm.cmake - `wattnet slurm` on a real one-node Slurm cluster started by
# the test (tests/slurm/slurm_test.sh): exit 77 (skipped, with the reason)
# only without slurm-wlm/munge, root or the test PostgreSQL.
add_test(NAME test_slurm_cluster
  COMMAND bash ${CMAKE_SOURCE_DIR}/tests/slurm/slurm_test.sh)
set_tests_properties(test_slurm_cluster PROPERTIES TIMEOUT 600
  SKIP_RETURN_CODE 77 RUN_SERIAL TRUE
  ENVIRONMENT "WN_CLI=$<TARGET_FILE:wattnet_cli>")
