#!/usr/bin/env bash
# check_tidy.sh CLANG_TIDY SOURCE_DIR BUILD_DIR - run the committed .clang-tidy on the C++ source
# files the latest change touches (BASE..HEAD, BASE defaulting to HEAD~1: on a merge, everything
# the merged branch brought), with the build's compile_commands.json. Fails on any warning.
set -euo pipefail
clang_tidy=$1
cd "$2"
build=$3
base=${TIDY_BASE:-HEAD~1}
if ! git rev-parse --verify -q "$base" >/dev/null; then
    echo "clang-tidy: no $base to compare with; nothing to check"
    exit 0
fi
mapfile -t files < <(git diff --name-only --diff-filter=AM "$base" HEAD -- 'src/*.cpp' 'apps/*.cpp' |
    sort)
if ((${#files[@]} == 0)); then
    echo "clang-tidy: the change touches no C++ source file"
    exit 0
fi
printf '%s\n' "${files[@]}" | xargs -P 2 -n 1 "$clang_tidy" -p "$build" --quiet
echo "clang-tidy: ${#files[@]} changed files clean"
