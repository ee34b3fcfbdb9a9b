#!/usr/bin/env bash
# Make a working Pulumi toolchain available without internet access.
#
#   export PATH="$(bash toolchain/ensure-pulumi.sh):$PATH"
#
# The npm "pulumi" package and the engine's plugin auto-install download
# binaries at run time, which fails on these machines (only package registries
# are reachable). So everything is built from Go modules served by the Go
# module proxy:
#   * pulumi CLI               github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
#   * pulumi-language-nodejs   github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs
#   * pulumi-resource-{docker,tls,random}: the provider modules are not served,
#     so each is rebuilt from pulumi-terraform-bridge + the upstream Terraform
#     provider module with the small wrapper in toolchain/providers/.
# Versions: toolchain/versions.env (must match package.json).
#
# Binaries are cached outside the repo, keyed by version:
#   ${SCAIBU_TOOLS_DIR:-$HOME/.cache/scaibu-observability/tools}/pulumi-<v>/bin
#   ${SCAIBU_TOOLS_DIR:-...}/plugins/<name>-<v>/pulumi-resource-<name>
# and the plugins are installed into the Pulumi plugin cache ($PULUMI_HOME).
# Re-running is cheap: anything already present is reused.
#
# Progress goes to stderr; stdout carries exactly one line: the bin dir to
# prepend to PATH.
#
# Environment:
#   SCAIBU_TOOLS_DIR        cache root (default ~/.cache/scaibu-observability/tools)
#   SCAIBU_FORCE_BUILD=1    ignore a pulumi CLI already on PATH; build/reuse ours
set -euo pipefail

# shellcheck source=toolchain/lib.sh
LOG_TAG=ensure-pulumi source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
here="$TOOLCHAIN_DIR" tools="$TOOLS" t_start=$SECONDS

export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK=true
go_env
# One builder at a time per cache dir (parallel test runs share the cache).
lock ensure-pulumi

# --- package.json consistency --------------------------------------------------
# The plugin versions must equal the npm package versions pinned in package.json.
repo_root="$REPO_ROOT"
if [[ -f "$repo_root/package.json" ]] && command -v node >/dev/null 2>&1; then
  mismatch="$(node -e '
    const deps = require(process.argv[1]).dependencies || {};
    const want = {"@pulumi/docker": process.argv[2], "@pulumi/tls": process.argv[3], "@pulumi/random": process.argv[4]};
    for (const [p, v] of Object.entries(want)) {
      if (deps[p] && deps[p].replace(/^[\^~=]/, "") !== v) console.log(`${p}: package.json has ${deps[p]}, versions.env has ${v}`);
    }' "$repo_root/package.json" "$PULUMI_DOCKER_VERSION" "$PULUMI_TLS_VERSION" "$PULUMI_RANDOM_VERSION")"
  [[ -z "$mismatch" ]] || die "toolchain/versions.env does not match package.json: $mismatch"
fi

# --- helpers -------------------------------------------------------------------

# go_build <workdir> <package> <output> <ldflags> <what>
go_build() {
  local dir="$1" pkg="$2" out="$3" ldflags="$4" what="$5"
  local logfile
  logfile="$tools/logs/$(basename "$out")-$(date +%Y%m%d%H%M%S).log"
  log "building $what (go build $pkg)..."
  (cd "$dir" && run_logged "$logfile" "build of $what" \
    go build -p 2 -ldflags "-s -w $ldflags" -o "$out.tmp" "$pkg")
  mv -f "$out.tmp" "$out"
}

# tidy_start <workdir> <what>: resolve the wrapper module's dependency graph (go.sum) in the
# background; tidy_wait <workdir> waits for it. Every piece's tidy starts before the first build:
# a tidy is module downloads (a quarter of a core busy: 94 s of wall time, 23 s of CPU, for the
# CLI's), 584 s of a cold run when they ran one after another between the builds, so they run
# side by side and under the builds. The module cache is safe for concurrent go commands.
declare -A tidy_pid=()
tidy_start() {
  local dir="$1" what="$2"
  log "resolving modules for $what (go mod tidy, in the background)..."
  (cd "$dir" && run_logged "$tools/logs/tidy-$(basename "$dir").log" "go mod tidy for $what" go mod tidy) &
  tidy_pid[$dir]=$!
}
# A failed build stops the script: its tidies still running stop with it.
trap 'for p in "${tidy_pid[@]}"; do pkill -P "$p" 2>/dev/null; kill "$p" 2>/dev/null; done; true' EXIT
tidy_wait() {
  local dir="$1"
  wait "${tidy_pid[$dir]}" || die "resolving the modules of $(basename "$dir") failed (above)"
  unset "tidy_pid[$dir]"
}

# --- CLI + language host -------------------------------------------------------

cli_works() {
  local p
  p="$(command -v pulumi 2>/dev/null)" || return 1
  timeout 60 pulumi version >/dev/null 2>&1 || return 1
  command -v pulumi-language-nodejs >/dev/null 2>&1 || [[ -x "$(dirname "$p")/pulumi-language-nodejs" ]]
}

cli_work="$tools/build/pulumi-cli-$PULUMI_CLI_VERSION"
prepare_cli() {
  local v="$PULUMI_CLI_VERSION" work="$cli_work"
  mkdir -p "$work"
  cat >"$work/go.mod" <<EOF
module scaibu.local/build/pulumi-cli

go 1.25

require (
	github.com/pulumi/pulumi/pkg/v3 v$v
	github.com/pulumi/pulumi/sdk/v3 v$v
)

// pkg/v3's own go.mod replaces sdk/v3 with ../sdk (ignored outside its repo:
// the require above pins the same release) and restates this fork:
replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e
EOF
  printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"\n' >"$work/tools.go"
  tidy_start "$work" "github.com/pulumi/pulumi/pkg/v3@v$v"
}
build_cli() {
  local v="$PULUMI_CLI_VERSION" bindir="$1" work="$cli_work"
  mkdir -p "$bindir"
  tidy_wait "$work"
  go_build "$work" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi "$bindir/pulumi" \
    "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$v" \
    "pulumi CLI (github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@v$v)"
}

langhost_work="$tools/build/pulumi-language-nodejs-$PULUMI_NODEJS_HOST_SDK_VERSION"
prepare_langhost() {
  local v="$PULUMI_NODEJS_HOST_SDK_VERSION" work="$langhost_work"
  mkdir -p "$work"
  cat >"$work/go.mod" <<EOF
module scaibu.local/build/pulumi-language-nodejs

go 1.21

require github.com/pulumi/pulumi/sdk/v3 v$v
EOF
  printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs"\n' >"$work/tools.go"
  tidy_start "$work" "github.com/pulumi/pulumi/sdk/v3@v$v"
}
build_langhost() {
  local v="$PULUMI_NODEJS_HOST_SDK_VERSION" bindir="$1" work="$langhost_work"
  mkdir -p "$bindir"
  tidy_wait "$work"
  go_build "$work" github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs \
    "$bindir/pulumi-language-nodejs" \
    "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$v" \
    "Node.js language host (github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs@v$v)"
}

# --- provider plugins ------------------------------------------------------------

plugin_installed() { # <name> <version>: in the plugin cache `pulumi plugin ls` reads
  [[ -x "${PULUMI_HOME:-${HOME:-}/.pulumi}/plugins/resource-$1-v$2/pulumi-resource-$1" ]]
}
plugin_out() { printf '%s\n' "$tools/plugins/$1-$2/pulumi-resource-$1"; } # <name> <version>

# prepare_provider / build_provider <name> <version> <upstream module@version> <upstream module path as imported>
# provider_key <name> <version> <upstream module@version>: sha256 of everything tfgen's output
# depends on: the versions it is built from and the wrapper and patch sources (not the kept schema).
provider_key() {
  local name="$1" v="$2" up="$3"
  {
    printf '%s\n' "$name" "$v" "$BRIDGE_VERSION" "$BRIDGE_PULUMI_VERSION" "$up" "$TF_PLUGIN_SDK_V2_FORK"
    (cd "$here" && find "providers/$name" patches -type f ! -path "providers/$name/schema/*" | LC_ALL=C sort | xargs sha256sum)
  } | sha256sum | cut -d' ' -f1
}

prepare_provider() {
  local name="$1" v="$2" up="$3" imported="$4"
  local up_mod="${up%@*}" up_ver="${up#*@}"
  local src="$here/providers/$name"
  local work="$tools/build/pulumi-resource-$name-$v"
  local what="pulumi-resource-$name v$v (bridge $BRIDGE_VERSION + $up)"
  local out
  out="$(plugin_out "$name" "$v")"
  rm -rf "$work"
  mkdir -p "$work" "$(dirname "$out")"
  cp -R "$src/." "$work/"
  rm -rf "$work/schema"
  # The wrapper module lives "inside" the upstream module's import path so that
  # it may import the upstream's internal/provider package.
  local up_require="$imported $up_ver" up_replace=""
  if [[ "$imported" != "$up_mod" ]]; then
    # The upstream's go.mod declares a different module path than the one it
    # is published under (e.g. kreuzwerker's declares terraform-providers/...).
    up_require="$imported v0.0.0"
    up_replace="$imported => $up_mod $up_ver"
  fi
  cat >"$work/go.mod" <<EOF
module $imported/scaibushim

go 1.25

require (
	github.com/pulumi/pulumi-terraform-bridge/v3 $BRIDGE_VERSION
	github.com/pulumi/pulumi/pkg/v3 $BRIDGE_PULUMI_VERSION
	github.com/pulumi/pulumi/sdk/v3 $BRIDGE_PULUMI_VERSION
	$up_require
)

replace (
	github.com/hashicorp/terraform-plugin-sdk/v2 => ./third_party/terraform-plugin-sdk-v2
	$up_replace
)
EOF
  # Pulumi's fork of terraform-plugin-sdk/v2 predates terraform-plugin-go
  # v0.31 (required by the upstream providers): use a copy from the module
  # cache with the missing interface method added (patches/terraform-plugin-sdk-v2).
  local fork_dir
  fork_dir="$(cd "$tools" && go mod download -json "$TF_PLUGIN_SDK_V2_FORK" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [[ -n "$fork_dir" && -d "$fork_dir" ]] || die "could not download $TF_PLUGIN_SDK_V2_FORK from the Go module proxy"
  mkdir -p "$work/third_party"
  cp -R "$fork_dir" "$work/third_party/terraform-plugin-sdk-v2"
  chmod -R u+w "$work/third_party"
  cp -R "$here/patches/terraform-plugin-sdk-v2/." "$work/third_party/terraform-plugin-sdk-v2/"
  # placeholders, replaced by the tfgen output below
  echo '{}' >"$work/cmd/provider/schema.json"
  echo '{}' >"$work/cmd/provider/bridge-metadata.json"
  tidy_start "$work" "$what"
}

build_provider() {
  local name="$1" v="$2" up="$3"
  local src="$here/providers/$name"
  local work="$tools/build/pulumi-resource-$name-$v"
  local what="pulumi-resource-$name v$v (bridge $BRIDGE_VERSION + $up)"
  local out
  out="$(plugin_out "$name" "$v")"
  tidy_wait "$work"
  # The schema and bridge metadata the provider embeds are what tfgen writes for these exact
  # inputs; toolchain/providers/<name>/schema keeps them with the key of those inputs, so a cold
  # run does not build tfgen (Pulumi's code generators for every language on top of what the
  # plugin needs: about 2 min of a cold run here, toolchain/README.md). A key that no longer
  # matches (a version or the wrapper changed) builds tfgen as before; SCAIBU_TFGEN=1 always
  # does, and writes the files back to commit.
  local kept="$src/schema" key
  key="$(provider_key "$name" "$v" "$up")"
  if [[ "${SCAIBU_TFGEN:-}" != 1 && -f "$kept/key" && "$(cat "$kept/key")" == "$key" ]]; then
    cp "$kept/schema.json" "$kept/bridge-metadata.json" "$work/cmd/provider/"
    log "schema for $name: the one tfgen wrote for these inputs (toolchain/providers/$name/schema, key ${key:0:12}), tfgen not built"
  else
    [[ -f "$kept/key" ]] && log "schema for $name: toolchain/providers/$name/schema is for other inputs; building tfgen (SCAIBU_TFGEN=1 refreshes it)"
    go_build "$work" ./cmd/tfgen "$work/pulumi-tfgen-$name" "-X main.version=$v" "pulumi-tfgen-$name v$v (schema generator)"
    log "generating schema for $name..."
    (cd "$work" && run_logged "$tools/logs/tfgen-$name-$v.log" "schema generation for $what" \
      env PULUMI_SKIP_MISSING_MAPPING_ERROR=true PULUMI_SKIP_EXTRA_MAPPING_ERROR=true \
      "./pulumi-tfgen-$name" schema --skip-docs --out "$work/cmd/provider")
    if [[ "${SCAIBU_TFGEN:-}" == 1 ]]; then
      mkdir -p "$kept"
      cp "$work/cmd/provider/schema.json" "$work/cmd/provider/bridge-metadata.json" "$kept/"
      printf '%s\n' "$key" >"$kept/key"
      log "schema for $name written to toolchain/providers/$name/schema (key ${key:0:12}): commit it"
    fi
  fi
  local sdk="$repo_root/node_modules/@pulumi/$name" check_log="$tools/logs/schema-check-$name-$v.log"
  if [[ -d "$sdk" ]] && command -v node >/dev/null 2>&1; then
    if node "$here/check-schema.js" "$work/cmd/provider/schema.json" "$sdk" >"$check_log" 2>&1; then
      log "  schema of $name matches the npm SDK in $sdk"
    else
      log "WARNING: the $name plugin schema differs from the npm SDK in $sdk (inputs may be ignored):"
      head -n 20 "$check_log" >&2
    fi
  fi
  go_build "$work" ./cmd/provider "$out" "-X main.version=$v" "$what"
  cp "$work/cmd/provider/schema.json" "$(dirname "$out")/schema.json"
  rm -rf "$work" # sources are regenerated on a rebuild; the Go build cache keeps it fast
}

ensure_provider() { # <name> <version> <upstream module@version> <imported path>
  local name="$1" v="$2"
  if plugin_installed "$name" "$v"; then
    log "plugin resource $name v$v: already installed"
    return
  fi
  local out
  out="$(plugin_out "$name" "$v")"
  if [[ -x "$out" ]]; then
    log "plugin resource $name v$v: cached in $(dirname "$out")"
  else
    build_provider "$@"
  fi
  log "installing plugin resource $name v$v"
  run_logged "$tools/logs/plugin-install-$name-$v.log" "pulumi plugin install resource $name $v" \
    pulumi plugin install resource "$name" "$v" --file "$out"
}

# --- what to build, then build it ---------------------------------------------------------------

providers=(
  "random $PULUMI_RANDOM_VERSION $UPSTREAM_RANDOM github.com/terraform-providers/terraform-provider-random"
  "tls $PULUMI_TLS_VERSION $UPSTREAM_TLS github.com/hashicorp/terraform-provider-tls"
  "docker $PULUMI_DOCKER_VERSION $UPSTREAM_DOCKER github.com/terraform-providers/terraform-provider-docker"
)
build_cli_here=0 build_langhost_here=0
if [[ "${SCAIBU_FORCE_BUILD:-}" != 1 ]] && cli_works; then
  bindir="$(dirname "$(command -v pulumi)")"
  log "using pulumi already on PATH: $bindir/pulumi ($(pulumi version 2>/dev/null))"
else
  bindir="$tools/pulumi-$PULUMI_CLI_VERSION/bin"
  [[ -x "$bindir/pulumi" ]] || build_cli_here=1
  [[ -x "$bindir/pulumi-language-nodejs" ]] || build_langhost_here=1
fi
# Every module resolution starts now; the builds follow one at a time (each uses both cores).
[[ $build_cli_here == 0 ]] || prepare_cli
[[ $build_langhost_here == 0 ]] || prepare_langhost
for p in "${providers[@]}"; do
  read -r name v up imported <<<"$p"
  plugin_installed "$name" "$v" || [[ -x "$(plugin_out "$name" "$v")" ]] || prepare_provider "$name" "$v" "$up" "$imported"
done

if [[ $build_cli_here == 1 ]]; then build_cli "$bindir"; elif [[ "$bindir" == "$tools/"* ]]; then
  log "pulumi v$PULUMI_CLI_VERSION: cached in $bindir"
fi
if [[ $build_langhost_here == 1 ]]; then build_langhost "$bindir"; elif [[ "$bindir" == "$tools/"* ]]; then
  log "pulumi-language-nodejs (sdk v$PULUMI_NODEJS_HOST_SDK_VERSION): cached in $bindir"
fi
export PATH="$bindir:$PATH"
pulumi version >/dev/null 2>&1 || die "the pulumi CLI in $bindir does not run"

for p in "${providers[@]}"; do
  read -r name v up imported <<<"$p"
  ensure_provider "$name" "$v" "$up"
done

# Two Node plugins that Pulumi's release ships as small shell scripts in sdk/nodejs/dist of
# github.com/pulumi/pulumi/sdk/v3; the CLI runs them from PATH, so they go next to it:
#   pulumi-resource-pulumi-nodejs  the provider of dynamic resources: the network guards were
#                                  dynamic resources before providers/plugin, and a stack
#                                  deployed then needs it once to delete them
#   pulumi-analyzer-policy         the analyzer of Node policy packs (policy/)
# Each runs a module of the @pulumi/pulumi that node finds from the current directory.
node_plugin_script() { # <file name> <module under @pulumi/pulumi/cmd>
  local file="$bindir/$1"
  [[ -x "$file" ]] && return
  cat >"$file" <<SCRIPT
#!/bin/sh
SCRIPT_PATH=\$(node -e "console.log(require.resolve('@pulumi/pulumi/cmd/$2'))")
if [ ! -z "\$SCRIPT_PATH" ]; then
    node "\$SCRIPT_PATH" "\$@"
fi
SCRIPT
  chmod +x "$file"
  log "$1: written to $bindir"
}
node_plugin_script pulumi-resource-pulumi-nodejs dynamic-provider
node_plugin_script pulumi-analyzer-policy run-policy-pack

log "toolchain ready in $((SECONDS - t_start))s (cache $(du -sh "$tools" 2>/dev/null | cut -f1) in $tools)"
printf '%s\n' "$bindir"
