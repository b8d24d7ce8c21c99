#!/usr/bin/env bash
# check_format.sh CLANG_FORMAT SOURCE_DIR - fail when a C++ file differs from .clang-format style.
set -euo pipefail
clang_format=$1
cd "$2"
mapfile -t files < <(find src apps tests bench -name '*.cpp' -o -name '*.hpp' 2>/dev/null | sort)
"$clang_format" --dry-run -Werror "${files[@]}"
echo "clang-format: ${#files[@]} files clean"
