#!/usr/bin/env bash
# Installs the PIA gateway on a Raspberry Pi 4 or 5 running Raspberry Pi OS bookworm
# (docs/install.md, "Installing with the installer").
#
# What must hold:
# 1. it refuses, naming the reason and the fix, a board that is not a Pi 4/5 or an OS that is
#    not bookworm, before changing anything;
# 2. idempotent: a second run changes nothing (each step checks first; config.txt gets only the
#    lines not already there);
# 3. --dry-run prints every change and makes none; --root DIR acts on the files under DIR
#    instead of /, and prints (does not run) the commands that need the real system: useradd,
#    groupadd, apt-get, npm install -g, systemctl, pia-gateway check (run_system below);
# 4. no secret passes through it: the credential is made elsewhere (pia-trust node add, or
#    pia-provision burn) and never read here.
#
# Flow: 1 board and OS · 2 boot config (I2C, PWM, UART; serial console off) · 3 groups and the
# pia-gateway user · 4 Node and build tools · 5 the package (kept for a rollback) · 6 /etc/pia-gateway ·
# 7 the systemd units · 8 pia-gateway check --hardware · 9 what is next.
set -euo pipefail

USAGE="usage: install-pi.sh [--dry-run] [--root DIR] [--trust-server] [--force-board] [TARBALL]
  TARBALL          the package (npm pack's pia-gateway-X.Y.Z.tgz); without it, from the npm registry
  --dry-run        print every change, make none
  --root DIR       act on DIR instead of / (for tests and images); commands that need the
                   real system (useradd, npm install -g, systemctl …) are printed, not run
  --trust-server   also install and enable pia-trust.service (a trusted server on this Pi)
  --force-board    accept a board that is not a Raspberry Pi 4 or 5 (at your own risk)
exit codes: 0 ok · 2 bad arguments · 3 unsupported board or OS · 4 a step failed"

# Native addons whose install scripts npm may run (package.json "allowScripts"; kept in step by
# scripts/packaging/installer.process.test.ts).
ALLOW_SCRIPTS="@serialport/bindings-cpp,better-sqlite3,epoll,i2c-bus"
PREFIX=/usr/local
NODE_MIN_MAJOR=20
NODE_MIN_MINOR=19

DRY_RUN=0 ROOT="" TRUST=0 FORCE_BOARD=0 TARBALL=""
CHANGES=0 PRINTED=0
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PKG_DIR=$(cd "$HERE/.." && pwd)

fail() { echo "install-pi.sh: $1" >&2; exit "${2:-4}"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) DRY_RUN=1 ;;
    --root)
      [ $# -ge 2 ] || fail "--root needs a folder (--root DIR)" 2
      [ -d "$2" ] || fail "--root $2: no such folder; give an existing folder that stands for /" 2
      ROOT=$(cd "$2" && pwd); shift ;;
    --trust-server) TRUST=1 ;;
    --force-board) FORCE_BOARD=1 ;;
    -h|--help) echo "$USAGE"; exit 0 ;;
    -*) fail "unknown option '$1'; see the usage:
$USAGE" 2 ;;
    *)
      [ -z "$TARBALL" ] || fail "two packages given ('$TARBALL', '$1'); give one TARBALL" 2
      [ -f "$1" ] || fail "package '$1' does not exist; give the path of npm pack's .tgz, or nothing to install from the registry" 2
      TARBALL=$(cd "$(dirname "$1")" && pwd)/$(basename "$1") ;;
  esac
  shift
done

# The path of a system file under the root we act on.
at() { echo "${ROOT}$1"; }

# What is printed for each step: "ok" (already so), "change" (made now), "would change" (dry-run).
ok() { echo "  ok      $1"; }
change() {
  CHANGES=$((CHANGES + 1))
  if [ "$DRY_RUN" = 1 ]; then echo "  would   $1"; else echo "  change  $1"; fi
}

# Runs a command that needs the real system, or prints it (--root, --dry-run): a printed command
# changes nothing, so it is counted apart (PRINTED), not as a change.
run_system() {
  if [ -n "$ROOT" ] || [ "$DRY_RUN" = 1 ]; then
    PRINTED=$((PRINTED + 1))
    echo "  print   $*"
    return 0
  fi
  CHANGES=$((CHANGES + 1))
  echo "  run     $*"
  "$@" || fail "'$*' failed (exit $?); fix what it printed above and run install-pi.sh again"
}

# Writes FILE (mode MODE) with the content of SRC when it differs.
install_file() {
  local src=$1 dest=$2 mode=$3
  if [ -f "$(at "$dest")" ] && cmp -s "$src" "$(at "$dest")"; then ok "$dest"; return; fi
  change "$dest (mode $mode)"
  [ "$DRY_RUN" = 1 ] && return
  mkdir -p "$(dirname "$(at "$dest")")"
  install -m "$mode" "$src" "$(at "$dest")"
}

# Checks 1: the board and the OS, before any change.
check_board_and_os() {
  local model_file model codename
  model_file=$(at /proc/device-tree/model)
  model=$([ -r "$model_file" ] && tr -d '\0' < "$model_file" || echo "")
  case "$model" in
    *"Raspberry Pi 5"*|*"Compute Module 5"*) BOARD=5 ;;
    *"Raspberry Pi 4"*|*"Compute Module 4"*) BOARD=4 ;;
    *)
      [ "$FORCE_BOARD" = 1 ] || fail "this is not a Raspberry Pi 4 or 5 (/proc/device-tree/model: '${model:-missing}'); the installer sets up a Pi's boot config, groups and devices. On another Linux machine install the package by hand (docs/install.md, \"Other machines\"), or pass --force-board" 3
      BOARD=4 ;;
  esac
  codename=$( ( . "$(at /etc/os-release)" 2>/dev/null && echo "${VERSION_CODENAME:-}" ) || echo "")
  [ "$codename" = bookworm ] || fail "this is not Raspberry Pi OS bookworm (/etc/os-release VERSION_CODENAME: '${codename:-missing}'); flash Raspberry Pi OS (64-bit) bookworm, or install by hand (docs/install.md)" 3
  echo "board: ${model} · OS: bookworm${ROOT:+ · root: $ROOT}$([ "$DRY_RUN" = 1 ] && echo ' · dry run')"
}

# Step 2: config.txt gets I2C, the PWM overlay (GPIO 18/19: the fan and the dimmer of
# firmware/config/examples) and the UART on GPIO 14/15; the serial console leaves the UART.
boot_config() {
  local config=/boot/firmware/config.txt cmdline=/boot/firmware/cmdline.txt line missing=()
  local wanted=("dtparam=i2c_arm=on" "dtoverlay=pwm-2chan")
  if [ "$BOARD" = 5 ]; then wanted+=("dtparam=uart0=on"); else wanted+=("enable_uart=1"); fi
  [ -f "$(at "$config")" ] || fail "$config does not exist; is the boot partition mounted at /boot/firmware (bookworm's place)?"
  for line in "${wanted[@]}"; do
    if grep -qxF "$line" "$(at "$config")"; then ok "$config: $line"; else missing+=("$line"); fi
  done
  if [ ${#missing[@]} -gt 0 ]; then
    change "$config: add ${missing[*]} (reboot to apply)"
    REBOOT=1
    [ "$DRY_RUN" = 1 ] || {
      printf '\n[all]\n# pia-gateway (scripts/install-pi.sh): I2C, PWM on GPIO 18/19, UART on GPIO 14/15\n'
      printf '%s\n' "${missing[@]}"
    } >> "$(at "$config")"
  fi
  if [ -f "$(at "$cmdline")" ] && grep -qE '(^| )console=(serial0|ttyAMA0|ttyS0),[0-9]+' "$(at "$cmdline")"; then
    change "$cmdline: remove the serial console (the UART serves a device) (reboot to apply)"
    REBOOT=1
    [ "$DRY_RUN" = 1 ] || sed -i -E 's/(^| )console=(serial0|ttyAMA0|ttyS0),[0-9]+( |$)/\1/' "$(at "$cmdline")"
  else
    ok "$cmdline: no serial console"
  fi
}

has_group() { grep -q "^$1:" "$(at /etc/group)" 2>/dev/null; }
has_user() { grep -q "^$1:" "$(at /etc/passwd)" 2>/dev/null; }
in_group() { grep -qE "^$1:[^:]*:[^:]*:(.*,)?$2(,|$)" "$(at /etc/group)" 2>/dev/null; }

# Step 3: the device groups (Raspberry Pi OS has them: gpio 997, i2c 998, dialout 20) and the user.
users_and_groups() {
  local g
  for g in gpio i2c dialout; do
    if has_group "$g"; then ok "group $g"; else run_system groupadd --system "$g"; fi
  done
  if has_user pia-gateway; then
    ok "user pia-gateway"
    for g in gpio i2c dialout; do
      if in_group "$g" pia-gateway; then ok "pia-gateway in $g"; else run_system usermod --append --groups "$g" pia-gateway; fi
    done
  else
    run_system useradd --system --user-group --no-create-home --home-dir /var/lib/pia-gateway --shell /usr/sbin/nologin --groups gpio,i2c,dialout pia-gateway
  fi
}

# Step 4: Node ≥ 20.19 (bookworm's nodejs is 18: NodeSource's 20.x) and the addons' compilers.
node_and_tools() {
  local pkg missing=()
  for pkg in python3 make g++; do
    if [ -n "$ROOT" ]; then
      grep -q "^Package: $pkg$" "$(at /var/lib/dpkg/status)" 2>/dev/null && ok "package $pkg" || missing+=("$pkg")
    else
      dpkg -s "$pkg" >/dev/null 2>&1 && ok "package $pkg" || missing+=("$pkg")
    fi
  done
  [ ${#missing[@]} -eq 0 ] || run_system apt-get install -y "${missing[@]}"
  if [ -n "$ROOT" ]; then ok "node: not checked under --root (needs Node >= $NODE_MIN_MAJOR.$NODE_MIN_MINOR on the Pi)"; return; fi
  local version
  version=$(node -p 'process.versions.node' 2>/dev/null || echo "")
  [ -n "$version" ] || fail "node is not installed; install Node 20 (docs/install.md, \"Node.js\": NodeSource's node_20.x for bookworm), then run install-pi.sh again"
  local major=${version%%.*} rest=${version#*.}
  local minor=${rest%%.*}
  if [ "$major" -lt "$NODE_MIN_MAJOR" ] || { [ "$major" -eq "$NODE_MIN_MAJOR" ] && [ "$minor" -lt "$NODE_MIN_MINOR" ]; }; then
    fail "node $version is too old (the gateway needs >= $NODE_MIN_MAJOR.$NODE_MIN_MINOR); install Node 20 (docs/install.md, \"Node.js\"), then run install-pi.sh again"
  fi
  ok "node $version"
}

# Step 5: the package into /usr/local (the units' ExecStart), the tarball kept for a rollback.
package() {
  local installed wanted
  installed=$(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$(at $PREFIX/lib/node_modules/pia-gateway/package.json)" 2>/dev/null || true)
  if [ -z "$TARBALL" ]; then
    run_system npm install -g --prefix "$PREFIX" --omit=dev --no-fund --no-audit "--allow-scripts=$ALLOW_SCRIPTS" pia-gateway
    return
  fi
  wanted=$( (tar -xOzf "$TARBALL" package/package.json 2>/dev/null || true) | sed -n 's/^  "version": "\(.*\)",$/\1/p')
  [ -n "$wanted" ] || fail "$TARBALL is not an npm package of pia-gateway (no package/package.json with a version); give npm pack's .tgz" 2
  install_file "$TARBALL" "/var/cache/pia-gateway/$(basename "$TARBALL")" 0644
  if [ "$installed" = "$wanted" ]; then ok "pia-gateway $wanted installed"; return; fi
  run_system npm install -g --prefix "$PREFIX" --omit=dev --no-fund --no-audit "--allow-scripts=$ALLOW_SCRIPTS" "/var/cache/pia-gateway/$(basename "$TARBALL")"
}

# Step 6: /etc/pia-gateway (root:pia-gateway 0750): the example beside, never over, gateway.yaml.
config_dir() {
  local dir=/etc/pia-gateway
  if [ -d "$(at $dir)" ]; then ok "$dir"; else
    change "$dir (mode 0750)"
    [ "$DRY_RUN" = 1 ] || install -d -m 0750 "$(at $dir)"
  fi
  if [ -d "$(at $dir)" ] && [ "$(stat -c %G "$(at $dir)")" = pia-gateway ]; then ok "$dir group pia-gateway"; else run_system chgrp pia-gateway "$dir"; fi
  install_file "$PKG_DIR/firmware/config/examples/demo-building.yaml" "$dir/gateway.example.yaml" 0640
}

# Step 7: the units, enabled (started once gateway.yaml and the identity are in place).
units() {
  install_file "$PKG_DIR/firmware/systemd/pia-gateway.service" /etc/systemd/system/pia-gateway.service 0644
  [ "$TRUST" = 0 ] || install_file "$PKG_DIR/trust-server/systemd/pia-trust.service" /etc/systemd/system/pia-trust.service 0644
  if [ "$CHANGES_BEFORE_UNITS" != "$CHANGES" ]; then run_system systemctl daemon-reload; fi
  if [ -L "$(at /etc/systemd/system/multi-user.target.wants/pia-gateway.service)" ]; then ok "pia-gateway enabled"; else run_system systemctl enable pia-gateway; fi
  if [ "$TRUST" = 1 ]; then
    if [ -L "$(at /etc/systemd/system/multi-user.target.wants/pia-trust.service)" ]; then ok "pia-trust enabled"; else run_system systemctl enable --now pia-trust; fi
  fi
}

# Step 8: the hardware check, once there is a gateway.yaml.
hardware_check() {
  if [ ! -f "$(at /etc/pia-gateway/gateway.yaml)" ]; then ok "pia-gateway check: no /etc/pia-gateway/gateway.yaml yet (next steps)"; return; fi
  if [ -n "$ROOT" ] || [ "$DRY_RUN" = 1 ]; then run_system "$PREFIX/bin/pia-gateway" check --config /etc/pia-gateway/gateway.yaml --hardware; return; fi
  "$PREFIX/bin/pia-gateway" check --config /etc/pia-gateway/gateway.yaml --hardware || echo "  (pia-gateway check found problems above: fix gateway.yaml or the wiring, then run it again)"
}

REBOOT=0
check_board_and_os
echo "1. boot config";          boot_config
echo "2. groups and user";      users_and_groups
echo "3. node and build tools"; node_and_tools
echo "4. package";              package
echo "5. /etc/pia-gateway";     config_dir
echo "6. systemd units";        CHANGES_BEFORE_UNITS=$CHANGES; units
echo "7. hardware check";       hardware_check

echo
if [ "$DRY_RUN" = 1 ]; then echo "dry run: $CHANGES changes and $PRINTED commands printed, nothing changed."
elif [ "$CHANGES" = 0 ]; then echo "nothing changed: already installed${ROOT:+ under $ROOT} ($PRINTED commands printed for the real system)."
else echo "$CHANGES changes made${ROOT:+ under $ROOT} ($PRINTED commands printed for the real system)."; fi
cat <<EOF

next (docs/install.md):
$([ "$REBOOT" = 1 ] && echo "  - reboot, so the boot config takes effect (I2C, PWM, UART): sudo reboot")
  - identity: burn the board at the station (pia-provision burn, provisioning/README.md:
    gateway.secureElement), or copy its credential (pia-trust node add --kind gateway --out FILE)
    to /etc/pia-gateway/credential.json (owner pia-gateway, mode 0600: gateway.credential)
  - configuration: write /etc/pia-gateway/gateway.yaml (gateway.example.yaml beside it;
    sudo -u pia-gateway pia-gateway discover lists the I2C parts found), then
    pia-gateway check --config /etc/pia-gateway/gateway.yaml --hardware
  - first start: sudo systemctl start pia-gateway; journalctl -u pia-gateway -f;
    curl -s http://127.0.0.1:9464/healthz
EOF
