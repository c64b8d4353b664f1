# Defines pixelcache::opencv (OpenCV core + imgproc) from Debian's
# libopencv-core-dev / libopencv-imgproc-dev, which ship no CMake package of
# their own (that comes only with the full libopencv-dev).
if(TARGET pixelcache::opencv)
  return()
endif()
find_path(PIXELCACHE_OPENCV_INCLUDE opencv2/core.hpp PATH_SUFFIXES opencv4 REQUIRED)
find_path(PIXELCACHE_OPENCV_CONFIG_INCLUDE opencv2/cvconfig.h
  PATHS /usr/include/${CMAKE_LIBRARY_ARCHITECTURE} PATH_SUFFIXES opencv4)
find_library(PIXELCACHE_OPENCV_CORE opencv_core REQUIRED)
find_library(PIXELCACHE_OPENCV_IMGPROC opencv_imgproc REQUIRED)
add_library(pixelcache::opencv INTERFACE IMPORTED)
set(_pxc_cv_inc ${PIXELCACHE_OPENCV_INCLUDE})
if(PIXELCACHE_OPENCV_CONFIG_INCLUDE)
  list(APPEND _pxc_cv_inc ${PIXELCACHE_OPENCV_CONFIG_INCLUDE})
endif()
set_target_properties(pixelcache::opencv PROPERTIES
  INTERFACE_INCLUDE_DIRECTORIES "${_pxc_cv_inc}"
  INTERFACE_LINK_LIBRARIES "${PIXELCACHE_OPENCV_IMGPROC};${PIXELCACHE_OPENCV_CORE}")
