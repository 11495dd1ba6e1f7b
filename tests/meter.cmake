# meter.cmake - fixtures of the meter tests: a fake libnvidia-ml.so in two
# variants (with and without the total-energy counter), whose paths reach
# the tests as WN_FAKE_NVML_ENERGY / WN_FAKE_NVML_POWER.
foreach(variant energy power)
  add_library(fake_nvml_${variant} SHARED
              ${CMAKE_SOURCE_DIR}/tests/fixtures/meter/fake_nvml.c)
  set_target_properties(fake_nvml_${variant} PROPERTIES
    OUTPUT_NAME fake-nvml-${variant}
    LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/fixtures)
endforeach()
target_compile_definitions(fake_nvml_energy PRIVATE FAKE_NVML_ENERGY=1)

foreach(t test_meter_nvml test_meter_cli test_meter_implausible test_gpu_meter)
  if(TARGET ${t})
    target_compile_definitions(${t} PRIVATE
      WN_FAKE_NVML_ENERGY="$<TARGET_FILE:fake_nvml_energy>"
      WN_FAKE_NVML_POWER="$<TARGET_FILE:fake_nvml_power>")
    add_dependencies(${t} fake_nvml_energy fake_nvml_power)
  endif()
endforeach()
