/**
 * The gateway's PIA identity at start: who it is, its trusted server, and its node key
 * (from the secure element pia-provision burnt, or from a credential file).
 *
 *   gateway.secureElement   the ATECC608 pia-provision burnt: ID, kind, label and trusted server
 *                           from the identity record in its data slot; the key stays in its
 *                           secret slot and phase 3 asks the chip for HMACs (docs/protocol.md
 *                           §9.1), so the long-term key never enters the gateway's memory;
 *   gateway.credential      else the credential file from `pia-trust node add` (pia/credential).
 *
 * Flow of the secure element:
 *  1. its bus through the gateway's hardware seam (the bus the thermometers share: I2cBus
 *     implementations serialize transactions per bus, and the Atecc608 client holds its own
 *     mutex across a command's wake … idle, so the two never interleave);
 *  2. probe: the part answers the wake and its Info revision is an ATECC608's;
 *  3. inspect: config and data zones locked with PIA's layout and a record in the id slot
 *     (blank or partial → the pia-provision command that finishes the board);
 *  4. the record's kind is "gateway", and gateway.id (when set) is its ID.
 * Every failure is a GatewayStartError naming the chip, the problem and the fix.
 */
import { Atecc608, Atecc608Error } from '../../drivers/atecc608/index.js';
import { I2cError } from '../../drivers/i2c/index.js';
import type { Clock } from '../../common/index.js';
import { loadIdentity, type LoadedIdentity } from '../../pia/credential/index.js';
import { nodeIdFromText, nodeIdToText } from '../../pia/phase3/index.js';
import { Atecc608IdentityStore, type BoardIdentity } from '../../identity/index.js';
import type { GatewayConfig, SecureElementSettings } from '../config/index.js';
import type { GatewayHardware } from './hardware.js';

export class GatewayStartError extends Error {
  override readonly name = 'GatewayStartError';
}

export interface GatewayIdentityOptions {
  readonly config: GatewayConfig;
  readonly hardware: GatewayHardware;
  readonly clock: Clock;
  /** An identity given directly (tests, tools): used as it is, checked like the others. */
  readonly given?: LoadedIdentity;
  readonly log?: { info(message: string): void };
}

/** The gateway's identity: given, from the secure element, or from the credential file. */
export async function loadGatewayIdentity(o: GatewayIdentityOptions): Promise<LoadedIdentity> {
  const g = o.config.gateway;
  const file = o.config.source.file;
  if (o.given !== undefined) return checked(o.given, o.config, 'the identity given');
  if (g.secureElement !== undefined) return checked(await fromSecureElement(g.secureElement, o), o.config, `the identity record in the ATECC608 at ${at(g.secureElement)}`);
  let c: LoadedIdentity;
  try {
    c = loadIdentity(g.credential);
  } catch (e) {
    throw new GatewayStartError(`${text(e)} (gateway.credential in ${file})`);
  }
  return checked(c, o.config, `the credential file ${g.credential}`);
}

function checked(c: LoadedIdentity, config: GatewayConfig, source: string): LoadedIdentity {
  const g = config.gateway;
  const id = nodeIdToText(c.identity.id);
  if (c.kind !== 'gateway') {
    const fix =
      g.secureElement === undefined
        ? "give the gateway's own credential ('pia-trust node add --kind gateway --out FILE')"
        : `a burnt ATECC608 never changes: fit a chip provisioned with 'pia-provision burn --board ${boardSpec(g.secureElement)} --kind gateway …', or point gateway.secureElement at it`;
    throw new GatewayStartError(`${source} belongs to a node of kind "${c.kind}" (${id}, "${c.label}"), not a gateway; ${fix}`);
  }
  if (g.id !== undefined && g.id !== id) {
    throw new GatewayStartError(`${config.source.file}: gateway.id ${g.id} is not the ID in ${source} (${id}); remove gateway.id or give this gateway's ${g.secureElement === undefined ? 'credential' : 'board'}`);
  }
  return c;
}

async function fromSecureElement(se: SecureElementSettings, o: GatewayIdentityOptions): Promise<LoadedIdentity> {
  const file = o.config.source.file;
  let store: Atecc608IdentityStore;
  try {
    const bus = await o.hardware.i2cBus(se.bus);
    store = new Atecc608IdentityStore(new Atecc608(bus, { clock: o.clock, address: se.address }), { keySlot: se.keySlot, idSlot: se.idSlot });
  } catch (e) {
    const cause = rootCause(e);
    throw new GatewayStartError(cause instanceof I2cError ? explain(e, se, file) : `gateway.secureElement in ${file}: ${text(e)}`);
  }
  let identity: BoardIdentity;
  let serial: string | undefined;
  try {
    serial = (await store.probe()).serial;
    const state = await store.inspect();
    if (state.status !== 'provisioned') {
      const detail = state.status === 'blank' ? 'blank: config zone unlocked, nothing burnt' : `partial: ${state.detail}`;
      throw new GatewayStartError(
        `the ATECC608 at ${at(se)} is not provisioned (${detail}); provision this board with 'pia-provision burn --board ${boardSpec(se)} --kind gateway --label NAME --station FILE' first`,
      );
    }
    identity = state.identity;
  } catch (e) {
    throw e instanceof GatewayStartError ? e : new GatewayStartError(explain(e, se, file));
  }
  const key = store.nodeKey();
  o.log?.info(`identity: node ${identity.id} ("${identity.label}") from the ATECC608 at ${at(se)}${serial === undefined ? '' : ` (serial ${serial})`}; node key in slot ${se.keySlot}, never readable`);
  return {
    identity: { id: nodeIdFromText(identity.id), key },
    trustServer: { address: identity.server.address, port: identity.server.port },
    trustServers: [{ address: identity.server.address, port: identity.server.port }], // a chip's record names one endpoint
    serverId: identity.server.id,
    kind: identity.kind,
    label: identity.label,
  };
}

/** A chip or bus failure, said with what to check in gateway.yaml or on the board. */
function explain(e: unknown, se: SecureElementSettings, file: string): string {
  const cause = rootCause(e);
  if (cause instanceof Atecc608Error && cause.kind === 'no-response') {
    return `nothing at ${at(se)} answers as an ATECC608: check the board (seated, powered) and the address in gateway.secureElement (${file}); 'pia-gateway discover --bus ${se.bus}' lists what answers`;
  }
  if (cause instanceof Atecc608Error && cause.kind === 'wrong-chip') return `${cause.message}; check the address in gateway.secureElement (${file})`;
  if (cause instanceof I2cError && cause.kind === 'no-bus') return `${cause.message}; or fix gateway.secureElement.bus in ${file}`;
  return text(e);
}

function rootCause(e: unknown): unknown {
  let c = e;
  for (let i = 0; i < 5 && c instanceof Error && !(c instanceof Atecc608Error) && !(c instanceof I2cError) && c.cause !== undefined; i++) c = c.cause;
  return c;
}

const hex = (n: number): string => `0x${n.toString(16).padStart(2, '0')}`;
const at = (se: SecureElementSettings): string => `i2c-${se.bus} ${hex(se.address)}`;
/** pia-provision's --board for this chip ("atecc608=i2c-1:0x60", the slots when not the defaults). */
function boardSpec(se: SecureElementSettings): string {
  return `atecc608=i2c-${se.bus}:${hex(se.address)}${se.keySlot === 0 ? '' : `,slot=${se.keySlot}`}${se.idSlot === 8 ? '' : `,idslot=${se.idSlot}`}`;
}
const text = (e: unknown): string => (e instanceof Error ? e.message : String(e));
