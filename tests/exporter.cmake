# exporter.cmake - the exporter's script tests (tests/exporter/): promtool
# and a real Prometheus server scraping `wattnet exporter` (skipped, exit
# 77, only without the prometheus binaries), and the wrk soak (10,000
# scrapes, RSS growth < 1 MiB, every scrape valid).  Both run the simulated
# powercap tree of the C tests (powercap_sim, tests/python.cmake).
if(MHD_FOUND)   # powercap_sim: tests/python.cmake (resolved at generate time)
  set(WN_EXPORTER_ENV "WN_CLI=$<TARGET_FILE:wattnet_cli>;WN_POWERCAP_SIM=$<TARGET_FILE:powercap_sim>")
  add_test(NAME test_exporter_prometheus
    COMMAND bash ${CMAKE_SOURCE_DIR}/tests/exporter/prometheus_test.sh)
  set_tests_properties(test_exporter_prometheus PROPERTIES TIMEOUT 120
    SKIP_RETURN_CODE 77 ENVIRONMENT "${WN_EXPORTER_ENV}")
  if(NOT WN_SANITIZE)   # RSS under ASan's quarantine says nothing
    add_test(NAME test_exporter_soak
      COMMAND bash ${CMAKE_SOURCE_DIR}/tests/exporter/soak.sh 10000)
    set_tests_properties(test_exporter_soak PROPERTIES TIMEOUT 300
      SKIP_RETURN_CODE 77 ENVIRONMENT "${WN_EXPORTER_ENV}")
  endif()
endif()
