# Installs pixelcache into a scratch prefix, then builds and runs a consumer
# with find_package(pixelcache) and with pkg-config.
# Variables: SOURCE_DIR BUILD_DIR WORK_DIR GENERATOR TEST_IMAGE WITH_TORCH
set(prefix ${WORK_DIR}/prefix)
file(REMOVE_RECURSE ${WORK_DIR})

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  set(LAST_OUTPUT "${out}" PARENT_SCOPE)
endfunction()

run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})

# find_package
run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/package/consumer -B ${WORK_DIR}/cmake -G ${GENERATOR}
    -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_BUILD_TYPE=Release)
run(${CMAKE_COMMAND} --build ${WORK_DIR}/cmake)
run(${CMAKE_COMMAND} -E env LD_LIBRARY_PATH=${prefix}/lib ${WORK_DIR}/cmake/consumer ${TEST_IMAGE})
if(NOT LAST_OUTPUT MATCHES "^ed65aa01c3f6aae80ccb80578f5bcd11 451x300")
  message(FATAL_ERROR "find_package consumer printed: ${LAST_OUTPUT}")
endif()

# pkg-config
run(${CMAKE_COMMAND} -E env PKG_CONFIG_PATH=${prefix}/lib/pkgconfig pkg-config --cflags --libs pixelcache)
string(STRIP "${LAST_OUTPUT}" flags)
separate_arguments(flags UNIX_COMMAND "${flags}")
run(c++ -std=c++20 ${SOURCE_DIR}/tests/package/consumer/main.cpp -o ${WORK_DIR}/pc_consumer ${flags})
run(${CMAKE_COMMAND} -E env LD_LIBRARY_PATH=${prefix}/lib ${WORK_DIR}/pc_consumer ${TEST_IMAGE})
if(NOT LAST_OUTPUT MATCHES "^ed65aa01c3f6aae80ccb80578f5bcd11 451x300")
  message(FATAL_ERROR "pkg-config consumer printed: ${LAST_OUTPUT}")
endif()
# find_package(pixelcache COMPONENTS torch), when the component was built
if(WITH_TORCH)
  run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/package/torch_consumer -B ${WORK_DIR}/torch -G ${GENERATOR}
      -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_BUILD_TYPE=Release)
  run(${CMAKE_COMMAND} --build ${WORK_DIR}/torch)
  run(${CMAKE_COMMAND} -E env LD_LIBRARY_PATH=${prefix}/lib ${WORK_DIR}/torch/torch_consumer ${TEST_IMAGE})
  if(NOT LAST_OUTPUT MATCHES "^ed65aa01c3f6aae80ccb80578f5bcd11 \\[1, 3, 300, 451\\]")
    message(FATAL_ERROR "torch consumer printed: ${LAST_OUTPUT}")
  endif()
endif()
message(STATUS "package consumers OK")
