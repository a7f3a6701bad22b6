# Empties the compile cache the tests use (cmake -DDIR=<dir> -P fresh_compile_cache.cmake): run
# first in every ctest run, so no test can pass on native code an earlier build left behind.
# The directory is private (0700), as the compile driver requires whatever the umask.
if(NOT DIR)
  message(FATAL_ERROR "fresh_compile_cache.cmake: pass -DDIR=<cache directory>")
endif()
file(REMOVE_RECURSE "${DIR}")
file(MAKE_DIRECTORY "${DIR}")
file(CHMOD "${DIR}" PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE)
