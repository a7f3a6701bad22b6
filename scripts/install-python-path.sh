#!/usr/bin/env bash
# Makes Debian's /usr/bin/python3 find the package built in <build dir>/python from any directory,
# with no environment variables: a .pth file naming that directory in the interpreter's
# site-packages (as root) or the user's site-packages (otherwise).
set -euo pipefail
build_dir=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
site_dir=$(/usr/bin/python3 - <<'PY'
import os, site
print(site.getsitepackages()[0] if os.geteuid() == 0 else site.getusersitepackages())
PY
)
mkdir -p "$site_dir"
echo "$build_dir/python" > "$site_dir/hypatia.pth"
echo "python: /usr/bin/python3 imports hypatia from $build_dir/python ($site_dir/hypatia.pth)"
