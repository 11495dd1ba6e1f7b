# exporter.cmake - the optional libmicrohttpd dependency of `wattnet
# exporter` (lib/exporter/).  Without it the command says it is not built.
option(WN_WITH_MHD "Prometheus exporter (libmicrohttpd)" ON)
if(WN_WITH_MHD)
  pkg_check_modules(MHD IMPORTED_TARGET libmicrohttpd)
endif()
if(MHD_FOUND)
  target_link_libraries(wattnet PUBLIC PkgConfig::MHD)
  target_compile_definitions(wattnet PUBLIC WN_HAVE_MHD=1)
  message(STATUS "wattnet: Prometheus exporter (libmicrohttpd) [x]")
else()
  message(STATUS "wattnet: Prometheus exporter (libmicrohttpd) [ ] (off or libmicrohttpd-dev missing)")
endif()
