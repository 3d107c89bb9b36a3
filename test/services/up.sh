#!/usr/bin/env bash
# Starts the services the SLM Deck test suites need, on this machine:
#   - a dedicated Docker daemon (own containerd, bridge, socket, data; never the
#     developer's own Docker),
#   - a Docker registry on 127.0.0.1:5000,
#   - small stand-in images pushed to that registry.
# Idempotent: a second run only checks that everything answers (about a second).
#
# Usage: test/services/up.sh [--check]
#   --check   also run a self-test (port publishing, docker stats, stand-in
#             endpoints, node-base with onnxruntime-node).
# Environment:
#   SLM_TEST_STATE   state folder (default /tmp/slm-deck-test)
# Writes $SLM_TEST_STATE/env to be sourced by shells and test runners.
# See docs/test-services.md.
set -euo pipefail

STATE="${SLM_TEST_STATE:-/tmp/slm-deck-test}"
SOCK="$STATE/docker.sock"
DOCKER_URL="unix://$SOCK"
REGISTRY_ADDR="127.0.0.1:5000"
REGISTRY="localhost:5000"
BRIDGE="slmdeck0"
BRIDGE_CIDR="172.31.250.1/24"
ADDRESS_POOL="base=172.30.0.0/16,size=24"
CONTAINERD_NS="slm-deck-test"
MARKER=".slm-deck-test-state"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

CHECK=0
for arg in "$@"; do
  case "$arg" in
    --check) CHECK=1 ;;
    -h | --help) sed -n '2,15p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "up.sh: unknown argument: $arg" >&2; exit 2 ;;
  esac
done

log() { printf '[test-services] %s\n' "$*" >&2; }
die() { printf '[test-services] error: %s\n' "$*" >&2; exit 1; }

# --------------------------------------------------------------------------
# 1. Packages
# --------------------------------------------------------------------------

# command -> Debian package that provides it
REQUIRED_CMDS=(dockerd:docker.io docker:docker.io containerd:containerd runc:runc
  docker-proxy:docker.io docker-registry:docker-registry curl:curl ip:iproute2)

find_chromium() {
  local c
  for c in chromium chromium-browser google-chrome google-chrome-stable; do
    if command -v "$c" >/dev/null 2>&1; then command -v "$c"; return 0; fi
  done
  return 1
}

static_busybox() {
  local b
  for b in /bin/busybox /usr/bin/busybox "$(command -v busybox 2>/dev/null || true)"; do
    [ -n "$b" ] && [ -x "$b" ] || continue
    # a static binary has no interpreter; ldd says "not a dynamic executable"
    if ! ldd "$b" >/dev/null 2>&1; then echo "$b"; return 0; fi
  done
  return 1
}

deb_installed() {
  [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]
}

apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
    log "apt-get update (no package lists yet)"
    apt-get update -qq
  fi
  log "apt-get install $*"
  if ! apt-get install -y -qq --no-install-recommends "$@" >"/tmp/slm-deck-apt.log" 2>&1; then
    log "install failed, running apt-get update and retrying"
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "$@" >"/tmp/slm-deck-apt.log" 2>&1 ||
      { tail -n 30 /tmp/slm-deck-apt.log >&2; die "apt-get install $* failed"; }
  fi
}

ensure_packages() {
  local pkgs=(docker.io docker-registry busybox-static curl iproute2)
  find_chromium >/dev/null || pkgs+=(chromium)
  pkgs+=(docker-compose) # runs a compose export against the test daemon
  pkgs+=(openssh-server) # sshd in front of the test daemon (remote Docker over SSH)
  # Debian kernels enable AppArmor; dockerd then needs apparmor_parser to load
  # its default profile, and docker.io only recommends it.
  if [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null || true)" = "Y" ]; then
    pkgs+=(apparmor)
  fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null && command -v dpkg-query >/dev/null; then
    local missing=() p
    for p in "${pkgs[@]}"; do deb_installed "$p" || missing+=("$p"); done
    if [ "${#missing[@]}" -gt 0 ]; then apt_install "${missing[@]}"; fi
  fi
  # Whatever the system, check what we need is there.
  local need=() pair
  for pair in "${REQUIRED_CMDS[@]}"; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || need+=("${pair#*:} (for ${pair%%:*})")
  done
  static_busybox >/dev/null || need+=("busybox-static (a statically linked busybox)")
  find_chromium >/dev/null || need+=("chromium (for the e2e tests)")
  command -v node >/dev/null || need+=("nodejs (node on PATH)")
  if [ "${#need[@]}" -gt 0 ]; then
    printf '[test-services] missing, please install:\n' >&2
    printf '  - %s\n' "${need[@]}" >&2
    printf '[test-services] on Debian/Ubuntu as root: apt-get install --no-install-recommends docker.io docker-registry busybox-static chromium curl iproute2\n' >&2
    exit 1
  fi
}

# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------

docker_t() { docker -H "$DOCKER_URL" "$@"; }

daemon_answers() { curl -sf --max-time 2 --unix-socket "$SOCK" http://d/_ping >/dev/null 2>&1; }
registry_answers() { curl -sf --max-time 2 -o /dev/null "http://$REGISTRY_ADDR/v2/"; }

# pid_of FILE PATTERN: prints the pid in FILE if that process is alive and its
# command line contains PATTERN (guards against recycled pids).
pid_of() {
  local file=$1 pattern=$2 pid
  [ -s "$file" ] || return 1
  pid=$(tr -dc '0-9' <"$file")
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$pattern" || return 1
  echo "$pid"
}

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
  local timeout=$1 what=$2 i
  shift 2
  for ((i = 0; i < timeout * 5; i++)); do
    "$@" && return 0
    sleep 0.2
  done
  log "timed out after ${timeout}s waiting for $what"
  return 1
}

# Starts a long-lived process detached from this shell: own session, no
# inherited descriptors (the lock on fd 9 must not leak), output to LOG.
spawn() { # spawn LOG CMD... ; sets SPAWNED_PID
  local out=$1
  shift
  [ ! -s "$out" ] || mv -f "$out" "$out.1" # keep one previous log
  setsid "$@" </dev/null >>"$out" 2>&1 9>&- &
  SPAWNED_PID=$!
}

# --------------------------------------------------------------------------
# 2. Dedicated Docker daemon
# --------------------------------------------------------------------------

ensure_bridge() {
  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    ip link add "$BRIDGE" type bridge ||
      die "cannot create bridge $BRIDGE (needs root / CAP_NET_ADMIN and the bridge kernel module)"
  fi
  if ! ip -4 addr show dev "$BRIDGE" | grep -qF "inet $BRIDGE_CIDR"; then
    ip addr add "$BRIDGE_CIDR" dev "$BRIDGE"
  fi
  ip link set "$BRIDGE" up
}

start_containerd() {
  local dir="$STATE/containerd" pid
  if pid=$(pid_of "$STATE/containerd.pid" "$dir/config.toml"); then
    [ -S "$dir/containerd.sock" ] && return 0
  fi
  mkdir -p "$dir/root" "$dir/state" "$dir/opt"
  cat >"$dir/config.toml" <<EOF
# written by test/services/up.sh
version = 2
root = "$dir/root"
state = "$dir/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$dir/containerd.sock"
[ttrpc]
  address = "$dir/containerd.sock.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$dir/opt"
EOF
  spawn "$STATE/containerd.log" containerd --config "$dir/config.toml"
  echo "$SPAWNED_PID" >"$STATE/containerd.pid"
  wait_for 30 "containerd socket" test -S "$dir/containerd.sock" || {
    tail -n 30 "$STATE/containerd.log" >&2
    die "containerd did not start (log: $STATE/containerd.log)"
  }
}

start_dockerd() {
  if daemon_answers; then return 0; fi
  [ "$(id -u)" = 0 ] || die "the test Docker daemon at $SOCK is not running, and starting it needs root (run: sudo $0)"
  local pid
  if pid=$(pid_of "$STATE/dockerd.pid" "$SOCK"); then
    # Running but not answering yet (another up.sh started it a moment ago).
    wait_for 60 "dockerd" daemon_answers && return 0
    die "dockerd (pid $pid) does not answer on $SOCK; see $STATE/dockerd.log or run test/services/down.sh"
  fi
  rm -f "$STATE/dockerd.pid" # stale
  ensure_bridge
  start_containerd
  mkdir -p "$STATE/docker-data" "$STATE/docker-exec"
  # Own config file, so /etc/docker/daemon.json of the developer is not read.
  echo '{}' >"$STATE/daemon.json"
  log "starting dockerd (log: $STATE/dockerd.log)"
  spawn "$STATE/dockerd.log" dockerd \
    --config-file "$STATE/daemon.json" \
    --host "$DOCKER_URL" \
    --data-root "$STATE/docker-data" \
    --exec-root "$STATE/docker-exec" \
    --pidfile "$STATE/dockerd.pid" \
    --containerd "$STATE/containerd/containerd.sock" \
    --containerd-namespace "$CONTAINERD_NS" \
    --containerd-plugins-namespace "$CONTAINERD_NS-plugins" \
    --storage-driver vfs \
    --iptables=false --ip6tables=false --ip-masq=false \
    --bridge "$BRIDGE" \
    --default-address-pool "$ADDRESS_POOL" \
    --userland-proxy=true \
    --shutdown-timeout 5
  if ! wait_for 60 "dockerd" daemon_answers; then
    tail -n 40 "$STATE/dockerd.log" >&2
    die "dockerd did not answer on $SOCK within 60 s (log: $STATE/dockerd.log)"
  fi
  docker_t version --format '{{.Server.Version}}' >/dev/null ||
    die "docker CLI cannot talk to $DOCKER_URL"
}

# --------------------------------------------------------------------------
# 3. Registry
# --------------------------------------------------------------------------

start_registry() {
  if registry_answers; then return 0; fi
  local pid
  if pid=$(pid_of "$STATE/registry.pid" "$STATE/registry.yml"); then
    wait_for 30 "registry" registry_answers && return 0
    die "registry (pid $pid) does not answer on $REGISTRY_ADDR; see $STATE/registry.log"
  fi
  if curl -s --max-time 2 -o /dev/null "http://$REGISTRY_ADDR/"; then
    die "port ${REGISTRY_ADDR##*:} is taken by something that is not a Docker registry"
  fi
  mkdir -p "$STATE/registry"
  cat >"$STATE/registry.yml" <<EOF
# written by test/services/up.sh
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $STATE/registry
  delete:
    enabled: true
http:
  addr: $REGISTRY_ADDR
EOF
  log "starting registry on $REGISTRY_ADDR (log: $STATE/registry.log)"
  spawn "$STATE/registry.log" docker-registry serve "$STATE/registry.yml"
  echo "$SPAWNED_PID" >"$STATE/registry.pid"
  wait_for 30 "registry" registry_answers || {
    tail -n 30 "$STATE/registry.log" >&2
    die "registry did not answer on http://$REGISTRY_ADDR/v2/"
  }
}

# --------------------------------------------------------------------------
# SSH in front of the test daemon: a "remote" Docker host at ssh://USER@127.0.0.1:PORT
# --------------------------------------------------------------------------

SSH_PORT="${SLM_TEST_SSH_PORT:-22022}"
SSH_DIR="$STATE/sshd"
SSH_USER="$(id -un)"

ssh_answers() {
  ssh -i "$SSH_DIR/client_ed25519" -o UserKnownHostsFile="$SSH_DIR/known_hosts" -o StrictHostKeyChecking=yes \
    -o BatchMode=yes -o ConnectTimeout=2 -p "$SSH_PORT" "$SSH_USER@127.0.0.1" docker version --format '{{.Server.Version}}' >/dev/null 2>&1
}

start_sshd() {
  mkdir -p "$SSH_DIR" /run/sshd
  chmod 700 "$SSH_DIR"
  [ -s "$SSH_DIR/host_ed25519_key" ] || ssh-keygen -q -t ed25519 -N '' -C slm-deck-test-host -f "$SSH_DIR/host_ed25519_key"
  [ -s "$SSH_DIR/client_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C slm-deck-test-client -f "$SSH_DIR/client_ed25519"
  # The login gets DOCKER_HOST from its key line, so `docker system dial-stdio` reaches the test daemon.
  printf 'environment="DOCKER_HOST=%s" %s\n' "$DOCKER_URL" "$(cat "$SSH_DIR/client_ed25519.pub")" >"$SSH_DIR/authorized_keys"
  printf '[127.0.0.1]:%s %s\n' "$SSH_PORT" "$(cut -d' ' -f1,2 "$SSH_DIR/host_ed25519_key.pub")" >"$SSH_DIR/known_hosts"
  cat >"$SSH_DIR/sshd_config" <<EOF
# written by test/services/up.sh
Port $SSH_PORT
ListenAddress 127.0.0.1
HostKey $SSH_DIR/host_ed25519_key
PidFile $SSH_DIR/sshd.pid
AuthorizedKeysFile $SSH_DIR/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
PermitUserEnvironment yes
AllowTcpForwarding yes
StrictModes no
UsePAM no
EOF
  if ssh_answers; then return 0; fi
  local pid
  if pid=$(pid_of "$SSH_DIR/sshd.pid" "$SSH_DIR/sshd_config"); then
    kill "$pid" 2>/dev/null || true # a config from an earlier run: start again with this one
  fi
  log "starting sshd on 127.0.0.1:$SSH_PORT (log: $SSH_DIR/sshd.log)"
  spawn "$SSH_DIR/sshd.log" "$(command -v sshd || echo /usr/sbin/sshd)" -D -f "$SSH_DIR/sshd_config" -E "$SSH_DIR/sshd.log"
  wait_for 15 "sshd" ssh_answers || {
    tail -n 30 "$SSH_DIR/sshd.log" >&2
    die "ssh -p $SSH_PORT $SSH_USER@127.0.0.1 docker version failed"
  }
}

# --------------------------------------------------------------------------
# 4. Stand-in images
# --------------------------------------------------------------------------

# name (under $REGISTRY/) : recipe
# node-base comes before the stand-ins built FROM it (vllm, ollama).
IMAGES=(
  "slm-deck/busybox:latest:busybox"
  "slm-deck/node-base:20:nodebase"
  "library/node:20-bookworm-slim:nodealias"
  "vllm/vllm-openai:latest:vllm"
  "vllm/vllm-openai-cpu:latest-x86_64:vllm"
  "ollama/ollama:latest:ollama"
  "open-webui/open-webui:main:openwebui"
  "slm-deck/cpu-burner:latest:cpuburner"
  "ggml-org/llama.cpp:server:llamacpp"
)

BASE_ENV='ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'

rootfs_base() { # rootfs_base DIR: busybox with every applet linked in /bin
  local dir=$1 bb applet
  bb=$(static_busybox)
  mkdir -p "$dir"/{bin,sbin,etc,root,tmp,proc,sys,dev,usr/bin,usr/sbin,usr/local/bin,var/tmp}
  chmod 1777 "$dir/tmp" "$dir/var/tmp"
  chmod 700 "$dir/root"
  cp "$bb" "$dir/bin/busybox"
  for applet in $("$bb" --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$dir/bin/$applet"
  done
  ln -sf /bin/busybox "$dir/usr/bin/env"
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$dir/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$dir/etc/group"
  printf 'hosts: files dns\n' >"$dir/etc/nsswitch.conf"
}

# A stand-in server: ignores its arguments (prints them to the log), serves
# /www with busybox httpd on PORT, exits 0 on SIGTERM/SIGINT.
write_stand_in() { # write_stand_in DIR NAME PORT
  cat >"$1/stand-in" <<EOF
#!/bin/sh
# SLM Deck test stand-in for $2 (test/services/up.sh). Arguments are ignored.
echo "stand-in $2: serving /www on port $3; ignored args: \$*"
httpd -f -p $3 -h /www &
pid=\$!
trap 'kill \$pid 2>/dev/null; exit 0' TERM INT
wait \$pid
EOF
  chmod 755 "$1/stand-in"
}

recipe_busybox() { rootfs_base "$1"; CHANGES=("$BASE_ENV" 'CMD ["sh"]'); }

# Stand-ins that speak the protocols run on node-base: the recipe fills a build context
# (BUILD=1) and `docker build` adds one small layer FROM node-base.
NODE_BASE="$REGISTRY/slm-deck/node-base:20"
FROM_NODE_BASE=(vllm ollama nodealias llamacpp)

# bundle_js ENTRY OUT [ESBUILD ARGS...]: one file made by the repo's esbuild, for node 20.
bundle_js() {
  local entry=$1 out=$2
  shift 2
  [ -x "$REPO_ROOT/node_modules/.bin/esbuild" ] || die "node_modules/.bin/esbuild is missing: run npm install in $REPO_ROOT"
  "$REPO_ROOT/node_modules/.bin/esbuild" "$REPO_ROOT/$entry" --bundle --platform=node --target=node20 \
    --log-level=warning --outfile="$out" "$@"
}

# The engine as the vLLM stand-in runs it: ESM, onnxruntime-node left outside.
bundle_engine() {
  bundle_js electron/engine/main.ts "$1" --format=esm --external:onnxruntime-node \
    --define:__APP_VERSION__='"vllm-stand-in"' \
    --banner:js="import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);"
}

# What a stand-in image is made of besides its recipe: its bundle and files from the repo.
recipe_inputs() { # recipe_inputs RECIPE
  local tmp
  tmp=$(mktemp "$STATE/bundle.XXXXXX")
  case "$1" in
    ollama) bundle_js test/fakes/ollama/stand-in.ts "$tmp" --format=cjs ;;
    vllm | llamacpp)
      if [ "$1" = vllm ]; then bundle_engine "$tmp"; else bundle_llamacpp "$tmp"; fi
      sha256sum "$REPO_ROOT"/resources/models/slm-deck-tiny-demo/* | cut -c1-64
      cat "$REPO_ROOT/node_modules/onnxruntime-node/package.json"
      ;;
  esac
  sha256sum <"$tmp"
  rm -f "$tmp"
}

# vLLM stand-in: SLM Deck's own ONNX engine with the repo's demo model, serving the
# OpenAI API on 8000 under the id vLLM would report (--served-model-name, else --model).
# Other vLLM flags are accepted and ignored.
# engine_runtime DIR: onnxruntime-node (Linux x64 binaries only) in DIR/app/node_modules and the
# demo model in DIR/demo, for stand-ins that run SLM Deck's ONNX engine.
engine_runtime() {
  local dir=$1 ort="$REPO_ROOT/node_modules/onnxruntime-node" f
  mkdir -p "$dir/app/node_modules/onnxruntime-node/bin/napi-v6/linux" "$dir/demo"
  printf '{"name":"slm-deck-stand-in","private":true,"type":"module"}\n' >"$dir/app/package.json"
  # onnxruntime-node without its install script's dependencies and other platforms' binaries
  cp "$ort/package.json" "$dir/app/node_modules/onnxruntime-node/"
  cp -r "$ort/dist" "$dir/app/node_modules/onnxruntime-node/"
  cp -r "$ort/bin/napi-v6/linux/x64" "$dir/app/node_modules/onnxruntime-node/bin/napi-v6/linux/"
  cp -r "$REPO_ROOT/node_modules/onnxruntime-common" "$dir/app/node_modules/"
  find "$dir/app/node_modules" \( -name '*.map' -o -name '*.d.ts' -o -name '*.md' \) -delete
  for f in genai_config.json model.onnx model.onnx.data tokenizer.json tokenizer_config.json; do
    cp "$REPO_ROOT/resources/models/slm-deck-tiny-demo/$f" "$dir/demo/"
  done
}

recipe_vllm() {
  local dir=$1
  engine_runtime "$dir"
  bundle_engine "$dir/app/engine.mjs"
  cat >"$dir/vllm-stand-in" <<'EOF'
#!/bin/sh
# SLM Deck test stand-in for vLLM (test/services/up.sh): the ONNX engine with the tiny demo
# model, under the model id vLLM would serve. Other vLLM flags are ignored.
echo "stand-in vllm: SLM Deck ONNX engine with the demo model; args: $*"
model=microsoft/Phi-4-mini-instruct served= host=0.0.0.0 port=8000 seqs=4
while [ $# -gt 0 ]; do
  case "$1" in
    --*=*) opt=${1%%=*} val=${1#*=}; shift ;;
    --model | --served-model-name | --host | --port | --max-num-seqs) opt=$1 val=${2:-}; shift; [ $# -gt 0 ] && shift ;;
    *) shift; continue ;;
  esac
  case "$opt" in
    --model) model=$val ;;
    --served-model-name) served=$val ;;
    --host) host=$val ;;
    --port) port=$val ;;
    --max-num-seqs) seqs=$val ;;
  esac
done
exec node /app/engine.mjs --model /demo --model-id "${served:-$model}" --host "$host" --port "$port" --concurrency "$seqs"
EOF
  chmod 755 "$dir/vllm-stand-in"
  cat >"$dir/Dockerfile" <<EOF
FROM $NODE_BASE
COPY app/ /app/
COPY demo/ /demo/
COPY vllm-stand-in /usr/local/bin/
EXPOSE 8000
ENTRYPOINT ["/usr/local/bin/vllm-stand-in"]
CMD []
EOF
  BUILD=1
}

# node:20-bookworm-slim, the ONNX engine image's default base (through the mirror):
# node-base under that name, so the app's one-click engine build works offline.
recipe_nodealias() { ALIAS=$NODE_BASE; }

# Ollama stand-in: the protocol fake (test/fakes/ollama/stand-in.ts) on 11434, its models
# kept in the /root/.ollama volume.
recipe_ollama() {
  local dir=$1
  mkdir -p "$dir"
  bundle_js test/fakes/ollama/stand-in.ts "$dir/ollama-stand-in.cjs" --format=cjs
  cat >"$dir/Dockerfile" <<EOF
FROM $NODE_BASE
COPY ollama-stand-in.cjs /app/
ENV OLLAMA_HOST=0.0.0.0:11434
EXPOSE 11434
ENTRYPOINT ["node", "/app/ollama-stand-in.cjs"]
CMD ["serve"]
EOF
  BUILD=1
}

# llama.cpp stand-in: llama-server's command line (-hf, --alias, -c, -np, --port, --metrics...)
# in front of the engine (test/fakes/llama-cpp/stand-in.ts); /health, /v1/models,
# /v1/chat/completions and /metrics with llama.cpp's metric names. Unknown flags are refused.
bundle_llamacpp() {
  bundle_js test/fakes/llama-cpp/stand-in.ts "$1" --format=esm --external:onnxruntime-node \
    --define:__APP_VERSION__='"llama-cpp-stand-in"' \
    --banner:js="import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);"
}

recipe_llamacpp() {
  local dir=$1
  engine_runtime "$dir"
  bundle_llamacpp "$dir/app/stand-in.mjs"
  cat >"$dir/Dockerfile" <<EOF
FROM $NODE_BASE
COPY app/ /app/
COPY demo/ /demo/
ENV SLM_STAND_IN_MODEL_DIR=/demo
EXPOSE 8080
ENTRYPOINT ["node", "/app/stand-in.mjs"]
CMD []
EOF
  BUILD=1
}

recipe_openwebui() {
  rootfs_base "$1"
  mkdir -p "$1/www"
  printf '<!doctype html>\n<html><head><title>Open WebUI</title></head><body><h1>Open WebUI (SLM Deck test stand-in)</h1></body></html>\n' >"$1/www/index.html"
  printf '%s' '{"status":true}' >"$1/www/health"
  write_stand_in "$1" open-webui 8080
  CHANGES=("$BASE_ENV" 'EXPOSE 8080' 'ENTRYPOINT ["/stand-in"]' 'CMD []')
}

recipe_cpuburner() {
  rootfs_base "$1"
  cat >"$1/usr/local/bin/burn" <<'EOF'
#!/bin/sh
# burn [WORKERS]: keep WORKERS cores busy (default 1) until SIGTERM/SIGINT.
n=${1:-1}
pids=
i=0
while [ "$i" -lt "$n" ]; do
  sh -c 'while :; do :; done' &
  pids="$pids $!"
  i=$((i + 1))
done
trap 'kill $pids 2>/dev/null; exit 0' TERM INT
echo "cpu-burner: $n worker(s)"
wait
EOF
  chmod 755 "$1/usr/local/bin/burn"
  CHANGES=("$BASE_ENV" 'CMD ["burn", "1"]')
}

# Shared libraries (ldd) of the host node and of onnxruntime-node's binaries,
# except those that live in node_modules (the engine image copies those).
node_libs() {
  local f
  {
    ldd "$(command -v node)"
    for f in "$REPO_ROOT"/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/*; do
      case "$f" in *.node | *.so*) ldd "$f" 2>/dev/null || true ;; esac
    done
  } | awk '/=> \// {print $3} /^[[:space:]]*\/[^ ]+ \(/ {print $1}' |
    grep -v '/node_modules/' | sort -u
}

recipe_nodebase() {
  local dir=$1 node lib
  rootfs_base "$dir"
  node=$(readlink -f "$(command -v node)")
  cp "$node" "$dir/usr/local/bin/node"
  if ldd "$(command -v node)" | grep -q 'not found'; then die "host node has unresolved libraries"; fi
  while read -r lib; do
    mkdir -p "$dir$(dirname "$lib")"
    cp -L "$lib" "$dir$lib"
  done < <(node_libs)
  mkdir -p "$dir/app"
  CHANGES=("$BASE_ENV" 'ENV HOME=/root' 'WORKDIR /' 'CMD ["node"]'
    "LABEL dev.slm-deck.node-version=$(node --version)")
}

recipe_hash() { # changes when a recipe, busybox, node or a stand-in bundle changes
  {
    declare -f rootfs_base write_stand_in node_libs "recipe_$1"
    echo "$BASE_ENV"
    if [ "$1" = nodebase ]; then node --version; node_libs; fi
    if [[ " ${FROM_NODE_BASE[*]} " == *" $1 "* ]]; then recipe_hash nodebase; recipe_inputs "$1"; fi
  } | sha256sum | cut -c1-16
}

registry_has() { # registry_has NAME TAG
  curl -sf --max-time 5 -o /dev/null -I \
    -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
    "http://$REGISTRY_ADDR/v2/$1/manifests/$2"
}

build_image() { # build_image REF RECIPE
  local ref=$1 recipe=$2 dir
  dir=$(mktemp -d "$STATE/build.XXXXXX")
  CHANGES=()
  BUILD=0
  ALIAS=
  "recipe_$recipe" "$dir/rootfs"
  if [ -n "$ALIAS" ]; then
    docker_t tag "$ALIAS" "$ref"
    rm -rf "$dir"
    return 0
  fi
  if [ "$BUILD" = 1 ]; then
    echo "LABEL dev.slm-deck.test-image=$recipe" >>"$dir/rootfs/Dockerfile"
    DOCKER_BUILDKIT=0 docker_t build -q -t "$ref" "$dir/rootfs" >"$STATE/build.log" 2>&1 || {
      tail -n 20 "$STATE/build.log" >&2
      die "docker build $ref failed"
    }
    rm -rf "$dir"
    return 0
  fi
  local args=() c
  for c in "${CHANGES[@]}" "LABEL dev.slm-deck.test-image=$recipe"; do args+=(--change "$c"); done
  tar --numeric-owner --owner=0 --group=0 -C "$dir/rootfs" -c . |
    docker_t import "${args[@]}" - "$ref" >/dev/null
  rm -rf "$dir"
}

verify_image() { # quick smoke test before pushing
  local ref=$1 recipe=$2 out
  case "$recipe" in
    nodebase)
      out=$(docker_t run --rm "$ref" node -e 'console.log(1+1)' 2>&1) || true
      [ "$out" = 2 ] || die "$ref: 'node -e console.log(1+1)' printed: $out"
      ;;
    busybox)
      out=$(docker_t run --rm "$ref" echo ok 2>&1) || true
      [ "$out" = ok ] || die "$ref: 'echo ok' printed: $out"
      ;;
  esac
}

ensure_images() {
  local entry ref name tag recipe hash stamp local_refs built=0 pulled=0
  mkdir -p "$STATE/stamps"
  local_refs=$(docker_t images --format '{{.Repository}}:{{.Tag}}')
  for entry in "${IMAGES[@]}"; do
    recipe=${entry##*:}
    entry=${entry%:*}
    name=${entry%:*}
    tag=${entry##*:}
    ref="$REGISTRY/$name:$tag"
    hash=$(recipe_hash "$recipe")
    stamp="$STATE/stamps/$(echo "$name-$tag" | tr '/:' '__')"
    if registry_has "$name" "$tag" && [ "$(cat "$stamp" 2>/dev/null || true)" = "$hash" ]; then
      if ! grep -qxF "$ref" <<<"$local_refs"; then
        docker_t pull -q "$ref" >/dev/null
        pulled=$((pulled + 1))
      fi
      continue
    fi
    log "building $ref"
    build_image "$ref" "$recipe"
    verify_image "$ref" "$recipe"
    docker_t push "$ref" >"$STATE/push.log" 2>&1 || {
      tail -n 20 "$STATE/push.log" >&2
      die "docker push $ref failed"
    }
    echo "$hash" >"$stamp"
    built=$((built + 1))
  done
  if [ "$built" != 0 ]; then
    log "built and pushed $built image(s)"
    docker_t image prune -f >/dev/null # drop images replaced by a rebuild
  fi
  [ "$pulled" = 0 ] || log "pulled $pulled image(s) back from the registry"
  local catalog
  catalog=$(curl -sf "http://$REGISTRY_ADDR/v2/_catalog?n=1000")
  for entry in "${IMAGES[@]}"; do
    name=${entry%:*}
    name=${name%:*}
    grep -qF "\"$name\"" <<<"$catalog" || die "$name missing from registry catalog: $catalog"
  done
}

# --------------------------------------------------------------------------
# Self-test (--check)
# --------------------------------------------------------------------------

self_test() {
  local name="slm-deck-selftest-$$" port=18081 out
  cleanup_selftest() { docker_t rm -f "$name" "$name-burn" >/dev/null 2>&1 || true; }
  trap cleanup_selftest EXIT
  log "check: port publishing -p 127.0.0.1:$port:8080 to open-webui stand-in"
  docker_t run -d --name "$name" -p "127.0.0.1:$port:8080" "$REGISTRY/open-webui/open-webui:main" >/dev/null
  wait_for 15 "published port" curl -sf -o /dev/null "http://127.0.0.1:$port/" ||
    die "cannot reach container through 127.0.0.1:$port"
  curl -sf "http://127.0.0.1:$port/" | grep -q 'Open WebUI' || die "unexpected page on :$port"
  docker_t rm -f "$name" >/dev/null

  log "check: vllm stand-in serves the --model id, answers a chat, ignores other flags"
  docker_t run -d --name "$name" -p "127.0.0.1:$port:8000" "$REGISTRY/vllm/vllm-openai:latest" \
    --model microsoft/Phi-4-mini-instruct --max-model-len 4096 --trust-remote-code >/dev/null
  wait_for 30 "vllm stand-in" curl -sf -o /dev/null "http://127.0.0.1:$port/health" || die "vllm /health"
  out=$(curl -sf "http://127.0.0.1:$port/v1/models")
  grep -q '"id":"microsoft/Phi-4-mini-instruct"' <<<"$out" || die "vllm /v1/models: $out"
  out=$(curl -sf "http://127.0.0.1:$port/v1/chat/completions" -H 'Content-Type: application/json' \
    -d '{"model":"microsoft/Phi-4-mini-instruct","messages":[{"role":"user","content":"Hi"}],"max_tokens":4}')
  grep -q '"finish_reason"' <<<"$out" || die "vllm chat: $out"
  local t0=$SECONDS
  docker_t stop "$name" >/dev/null
  [ $((SECONDS - t0)) -lt 5 ] || die "vllm stand-in did not stop promptly on SIGTERM"
  docker_t rm -f "$name" >/dev/null

  log "check: ollama stand-in pulls, lists and chats"
  docker_t run -d --name "$name" -p "127.0.0.1:$port:11434" "$REGISTRY/ollama/ollama:latest" >/dev/null
  wait_for 15 "ollama stand-in" curl -sf -o /dev/null "http://127.0.0.1:$port/api/version" || die "ollama /api/version"
  [ "$(curl -sf "http://127.0.0.1:$port/api/tags")" = '{"models":[]}' ] || die "ollama /api/tags"
  curl -sf "http://127.0.0.1:$port/api/pull" -d '{"model":"phi4-mini"}' | tail -n 1 | grep -q '"success"' || die "ollama /api/pull"
  curl -sf "http://127.0.0.1:$port/api/tags" | grep -q 'phi4-mini:latest' || die "ollama /api/tags after pull"
  out=$(curl -sf "http://127.0.0.1:$port/api/chat" -d '{"model":"phi4-mini","messages":[{"role":"user","content":"Hi"}],"stream":false}')
  grep -q '"done":true' <<<"$out" || die "ollama /api/chat: $out"
  t0=$SECONDS
  docker_t stop "$name" >/dev/null
  [ $((SECONDS - t0)) -lt 5 ] || die "ollama stand-in did not stop promptly on SIGTERM"
  docker_t rm -f "$name" >/dev/null

  log "check: docker stats on cpu-burner"
  docker_t run -d --name "$name-burn" "$REGISTRY/slm-deck/cpu-burner:latest" >/dev/null
  sleep 2
  out=$(docker_t stats --no-stream --format '{{.Name}} {{.CPUPerc}} {{.MemUsage}}' "$name-burn")
  log "  $out"
  grep -qE "^$name-burn [1-9][0-9.]*%" <<<"$out" || die "docker stats shows no CPU use: $out"
  docker_t rm -f "$name-burn" >/dev/null

  log "check: node-base runs node"
  [ "$(docker_t run --rm "$REGISTRY/slm-deck/node-base:20" node -e 'console.log(1+1)')" = 2 ] || die "node-base"
  if [ -d "$REPO_ROOT/node_modules/onnxruntime-node" ]; then
    log "check: node-base loads onnxruntime-node from the repo's node_modules"
    out=$(docker_t run --rm -v "$REPO_ROOT/node_modules:/app/node_modules:ro" -w /app \
      "$REGISTRY/slm-deck/node-base:20" node -e \
      "const ort=require('onnxruntime-node'); console.log(typeof ort.InferenceSession.create)" 2>&1) || true
    [ "$out" = function ] || die "onnxruntime-node does not load in node-base: $out"
  fi
  trap - EXIT
  log "check: all good"
}

# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------

T0=$EPOCHREALTIME
ensure_packages
mkdir -p "$STATE" 2>/dev/null || true
[ -d "$STATE" ] && [ -w "$STATE" ] ||
  die "cannot write to $STATE (started by another user?): run as root, or set SLM_TEST_STATE to a folder of yours"
touch "$STATE/$MARKER"
exec 9>"$STATE/up.lock"
flock -w 600 9 || die "another up.sh holds $STATE/up.lock"

start_dockerd
start_registry
ensure_images
start_sshd

cat >"$STATE/env.tmp" <<EOF
# written by test/services/up.sh; source it to use the test services
export DOCKER_HOST=$DOCKER_URL
export SLM_TEST_DOCKER_HOST=$DOCKER_URL
export SLM_TEST_REGISTRY=$REGISTRY
export SLM_TEST_STATE=$STATE
export SLM_TEST_CHROMIUM=$(find_chromium)
export SLM_TEST_SSH_DOCKER_HOST=ssh://$SSH_USER@127.0.0.1:$SSH_PORT
export SLM_TEST_SSH_KEY=$SSH_DIR/client_ed25519
export SLM_TEST_SSH_KNOWN_HOSTS=$SSH_DIR/known_hosts
EOF
mv "$STATE/env.tmp" "$STATE/env"

[ "$CHECK" = 0 ] || self_test

printf 'test services up in %.1fs: docker %s (%s), registry %s, %d images; env: source %s\n' \
  "$(awk -v a="$T0" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }')" \
  "$(docker_t version --format '{{.Server.Version}}' 2>/dev/null)" "$DOCKER_URL" \
  "$REGISTRY" "${#IMAGES[@]}" "$STATE/env"
