# shared.cmake - libwattnet.so (versioned soname) built from the static
# library's objects, and `make install`: the shared library, the public
# headers and a pkg-config file (wattnet.pc).  The CLI and the tests keep
# linking the static library.
include(GNUInstallDirs)

# The shared library is the static archive linked whole: one compile of
# lib/ (the static objects are position independent, see CMakeLists.txt).
add_library(wattnet_shared SHARED ${CMAKE_SOURCE_DIR}/cmake/shared_stub.c)
target_link_libraries(wattnet_shared PRIVATE
  "$<LINK_LIBRARY:WHOLE_ARCHIVE,wattnet>")
set_target_properties(wattnet_shared PROPERTIES
  OUTPUT_NAME wattnet
  VERSION ${PROJECT_VERSION}
  SOVERSION ${PROJECT_VERSION_MAJOR})

install(TARGETS wattnet_shared
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY ${CMAKE_SOURCE_DIR}/include/wattnet
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h")

set(WN_PC_REQUIRES_PRIVATE "sqlite3 zlib gsl hwloc libcjson")
if(PQ_FOUND)
  string(APPEND WN_PC_REQUIRES_PRIVATE " libpq")
endif()
if(CURL_FOUND)
  string(APPEND WN_PC_REQUIRES_PRIVATE " libcurl")
endif()
if(MHD_FOUND)
  string(APPEND WN_PC_REQUIRES_PRIVATE " libmicrohttpd")
endif()
configure_file(${CMAKE_SOURCE_DIR}/cmake/wattnet.pc.in
               ${CMAKE_BINARY_DIR}/wattnet.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/wattnet.pc
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
