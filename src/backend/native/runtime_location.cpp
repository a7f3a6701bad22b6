#include "backend/native/runtime_location.hpp"

#include <dlfcn.h>
#include <link.h>

#include <system_error>

#include "hypatia/error.hpp"
#include "hypatia_runtime.h"

#if !defined(HYPATIA_RUNTIME_INCLUDE_DIR) || !defined(HYPATIA_RUNTIME_LIBRARY) || \
    !defined(HYPATIA_RUNTIME_LIBRARY_NAME) || !defined(HYPATIA_RUNTIME_INCLUDE_FROM_LIBDIR)
#error "the runtime's build-tree paths and install layout must be defined (CMakeLists.txt)"
#endif

namespace hypatia::native {
namespace fs = std::filesystem;
namespace {

// The path the dynamic loader loaded the runtime library from; empty when it is not loaded.
fs::path loaded_runtime_library() {
  // A reference to a runtime function keeps the runtime library among the program's dependencies
  // (a linker with --as-needed drops a library nothing calls), so that it is loaded.
  static void* volatile runtime_function = reinterpret_cast<void*>(&hr_lgamma);
  (void)runtime_function;
  void* handle = ::dlopen(HYPATIA_RUNTIME_LIBRARY_NAME, RTLD_NOW | RTLD_NOLOAD);
  if (handle == nullptr) return {};
  fs::path path;
  link_map* map = nullptr;
  if (::dlinfo(handle, RTLD_DI_LINKMAP, &map) == 0 && map != nullptr && map->l_name != nullptr) {
    path = map->l_name;
  }
  ::dlclose(handle);
  std::error_code error;
  fs::path canonical = fs::canonical(path, error);
  return error ? path : canonical;
}

RuntimeLocation find_runtime() {
  const fs::path build_library = HYPATIA_RUNTIME_LIBRARY;
  fs::path library = loaded_runtime_library();
  std::error_code error;
  if (library.empty() || fs::equivalent(library, build_library, error)) {
    return {build_library, HYPATIA_RUNTIME_INCLUDE_DIR};
  }
  const fs::path include_dir =
      (library.parent_path() / HYPATIA_RUNTIME_INCLUDE_FROM_LIBDIR).lexically_normal();
  if (!fs::exists(include_dir / "hypatia_runtime.h")) {
    throw Error("native: the runtime headers are missing: expected hypatia_runtime.h in " +
                include_dir.string() + " (next to the loaded runtime library " + library.string() +
                "); reinstall Hypatia");
  }
  return {library, include_dir};
}

}  // namespace

const RuntimeLocation& runtime_location() {
  static const RuntimeLocation location = find_runtime();
  return location;
}

}  // namespace hypatia::native
