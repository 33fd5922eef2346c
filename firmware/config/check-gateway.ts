/**
 * Semantic checks of the gateway section, past what the schema can say: the prefix is a
 * usable /64, endpoints are address literals with ports, the ports do not collide (in
 * loopback addressing the devices take coapPort … coapPort + n − 1), the ID is not the
 * all-zero "any node" ID (docs/protocol.md §9.1).
 */
import { PrefixError, parsePrefix64 } from '../addressing/index.js';
import { isLoopback, parseHostPort } from './host-port.js';
import type { Reporter } from './reporter.js';

type Json = Record<string, unknown>;
const NIL_UUID = '00000000-0000-0000-0000-000000000000';

export function checkGatewaySection(gateway: Json, deviceCount: number, report: Reporter): void {
  const at = (k: string): readonly string[] => ['gateway', k];
  if (typeof gateway.id === 'string' && gateway.id === NIL_UUID) {
    report({ path: at('id'), message: 'the all-zero UUID means "any node", not a gateway', fix: "write the gateway's own ID (the \"id\" in its credential file), or leave id out to take it from there" });
  }
  if (typeof gateway.prefix === 'string') {
    try {
      parsePrefix64(gateway.prefix);
    } catch (e) {
      if (!(e instanceof PrefixError)) throw e;
      report({ path: at('prefix'), message: e.problem, fix: e.fix });
    }
  }
  if (typeof gateway.trustServer === 'string') {
    endpoint(gateway.trustServer, 4500, at('trustServer'), 'write the trusted server as "[2001:db8::10]:4500" (in quotes), or leave it out to use the credential\'s', report);
  }
  const admin = typeof gateway.adminListen === 'string' ? endpoint(gateway.adminListen, undefined, at('adminListen'), 'write it as 127.0.0.1:9464 or "[::1]:9464"', report) : undefined;
  if (admin !== undefined && !isLoopback(admin.address)) {
    report({
      severity: 'warning',
      path: at('adminListen'),
      message: `health and metrics are served on ${gateway.adminListen as string}, reachable from the network`,
      fix: 'keep 127.0.0.1:9464 unless a firewall or a scraper on another host needs it',
    });
  }
  const pia = typeof gateway.piaPort === 'number' ? gateway.piaPort : 4500;
  const coap = typeof gateway.coapPort === 'number' ? gateway.coapPort : 5683;
  const addressing = typeof gateway.addressing === 'string' ? gateway.addressing : 'auto';
  if (pia === coap) {
    report({ path: at(gateway.coapPort === undefined ? 'piaPort' : 'coapPort'), message: `PIA and CoAP both on UDP port ${pia}`, fix: 'give them different ports (defaults: piaPort 4500, coapPort 5683)' });
  } else if ((addressing === 'loopback' || addressing === 'auto') && deviceCount > 0) {
    const last = coap + deviceCount - 1;
    if (last > 0xffff) {
      report({ path: at('coapPort'), message: `loopback addressing gives the ${deviceCount} devices ports ${coap}–${last}, past 65535`, fix: `set coapPort to at most ${0x10000 - deviceCount}` });
    } else if (pia > coap && pia <= last) {
      report({
        path: at(gateway.piaPort !== undefined || gateway.coapPort === undefined ? 'piaPort' : 'coapPort'),
        message: `loopback addressing gives the ${deviceCount} devices ports ${coap}–${last} on [::1], which includes the PIA port ${pia}`,
        fix: `move piaPort out of ${coap}–${last}, or coapPort above ${pia}`,
      });
    }
  }
}

function endpoint(text: string, defaultPort: number | undefined, path: readonly string[], fix: string, report: Reporter): { address: string; port: number } | undefined {
  try {
    return parseHostPort(text, defaultPort);
  } catch (e) {
    report({ path, message: (e as Error).message, fix });
    return undefined;
  }
}
