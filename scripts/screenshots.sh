#!/usr/bin/env bash
# screenshots.sh - regenerate the README's pictures from the bundled lab: docs/img/text-report.png
# (`mailcheck check` in a colour terminal) and docs/img/web-checker.png (the web checker in
# headless chromium, after submitting the form). Needs what scripts/test.sh installs.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
(cd tests/browser && [ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund --loglevel=error)
cmake --preset release >/dev/null
cmake --build --preset release >/dev/null
bin=$PWD/build/release/apps/mailcheck/mailcheck

export MAILCHECK_LAB_NS=mailcheck-shots MAILCHECK_LAB_DIR=$PWD/build/release/lab-shots
work=$(mktemp -d)
trap 'lab/lab.sh stop >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
lab/lab.sh start >/dev/null
# shellcheck disable=SC1091
. "$MAILCHECK_LAB_DIR/env"
lab_args=(--resolver "$LAB_RESOLVER" --trust-anchor "$LAB_TRUST_ANCHOR" --ca-file "$LAB_CA")

text_domain=sts-mx-mismatch.co.nz
lab/lab.sh exec "$bin" check "$text_domain" "${lab_args[@]}" --color always >"$work/report.txt" || true
head -44 "$work/report.txt" >"$work/head.txt"
(cd tests/browser && node terminal_shot.mjs --in "$work/head.txt" --out "$OLDPWD/docs/img/text-report.png" \
  --title "\$ mailcheck check $text_domain")

lab/lab.sh exec "$bin" serve --listen 127.0.0.1:8025 --allow-private "${lab_args[@]}" \
  --access-log off 2>"$work/serve.log" &
serve_pid=$!
for _ in $(seq 50); do grep -q listening "$work/serve.log" && break; sleep 0.1; done
lab/lab.sh exec node tests/browser/check_page.mjs --url http://127.0.0.1:8025 \
  --domain showcase.co.nz --screenshot docs/img/web-checker.png >/dev/null
kill -TERM "$serve_pid"
wait "$serve_pid" || true
echo "screenshots: docs/img/text-report.png docs/img/web-checker.png"
