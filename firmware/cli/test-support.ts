/**
 * Test helpers for the pia-gateway process tests (not exported from index.ts): the demo
 * building's gateway.yaml rewritten for a test folder — loopback addressing, free ports, the
 * credential and stateDir inside the folder.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freeTcpPort, freeUdpPorts } from '../../common/test-support/index.js';

const DEMO = fileURLToPath(new URL('../config/examples/demo-building.yaml', import.meta.url));

export interface TestGatewayConfig {
  /** `dir`/gateway.yaml; its credential is `dir`/credential.json, its stateDir `dir`/state. */
  readonly file: string;
  readonly piaPort: number;
  /** The first of the ten devices' CoAP ports. */
  readonly coapBase: number;
  readonly adminPort: number;
}

export async function writeTestGatewayConfig(dir: string): Promise<TestGatewayConfig> {
  const coapBase = await freeUdpPorts(10);
  const piaPort = await freeUdpPorts(1);
  const adminPort = await freeTcpPort();
  const file = join(dir, 'gateway.yaml');
  writeFileSync(
    file,
    readFileSync(DEMO, 'utf8')
      .replace('credential: demo-state/credential.json', 'credential: credential.json')
      .replace('addressing: auto', 'addressing: loopback')
      .replace('piaPort: 4500', `piaPort: ${piaPort}`)
      .replace('coapPort: 5683', `coapPort: ${coapBase}`)
      .replace('adminListen: 127.0.0.1:9464', `adminListen: 127.0.0.1:${adminPort}`)
      .replace('stateDir: demo-state', 'stateDir: state'),
  );
  return { file, piaPort, coapBase, adminPort };
}
