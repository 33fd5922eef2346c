/**
 * Runs once before the test suite: fails early, with the command that installs it, when a
 * tool the tests drive is missing. No test is skipped for a missing tool.
 */
import { execFileSync } from 'node:child_process';

const REQUIRED: ReadonlyArray<{ command: string; debianPackage: string }> = [
  { command: 'socat', debianPackage: 'socat' },
  { command: 'python3', debianPackage: 'python3' }, // common/systemd's stand-in for the service manager's notify socket
  { command: 'mbpoll', debianPackage: 'mbpoll' },
  { command: 'coap-client-notls', debianPackage: 'libcoap3-bin' },
  { command: 'coap-server-notls', debianPackage: 'libcoap3-bin' },
  { command: 'ip', debianPackage: 'iproute2' }, // pia/cli's two-namespace test (ip netns, veth)
  { command: 'tshark', debianPackage: 'tshark' }, // pia/node's key log check: Wireshark decrypts a capture
  { command: '/usr/sbin/nft', debianPackage: 'nftables' }, // scripts/lab's attack stage: the on-path host's rules (not on a user's PATH)
  { command: '/usr/sbin/mosquitto', debianPackage: 'mosquitto' }, // firmware/uplink: a real broker (not on a user's PATH)
  { command: 'openssl', debianPackage: 'openssl' }, // firmware/uplink: the TLS test's CA and server certificate
  { command: '/usr/bin/chromium', debianPackage: 'chromium' }, // *.chromium.test.ts: MyNet Manager and the console in a real browser
  { command: 'systemd-analyze', debianPackage: 'systemd' }, // scripts/packaging: the systemd units verified and scored
  { command: 'systemd-notify', debianPackage: 'systemd' }, // common/systemd: notifications go through it (Node has no unix datagram sockets)
  { command: '/usr/lib/postgresql/*/bin/initdb', debianPackage: 'postgresql' }, // *.postgres.test.ts: a throw-away cluster (common/test-support/postgres.ts)
];

export default function setup(): void {
  const missing = REQUIRED.filter(({ command }) => {
    try {
      execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length > 0) {
    const pkgs = [...new Set(missing.map((m) => m.debianPackage))].join(' ');
    throw new Error(
      `tests need ${missing.map((m) => m.command).join(', ')}: install with 'apt-get update && apt-get install -y ${pkgs}' (or run 'npm test' as root, which does it)`,
    );
  }
}
