/**
 * Device addressing (README.md here): a stable IPv6 address per device, RFC 7217 style, and
 * making those addresses usable on the host (add-addresses, anyip-route, loopback, auto).
 */
export { parsePrefix64, PrefixError, PREFIX_LENGTH, PREFIX_BYTES, type Prefix64 } from './prefix.js';
export {
  deriveDeviceAddresses,
  interfaceIdFor,
  iidHashInput,
  isReservedInterfaceId,
  sha256,
  IID_DOMAIN,
  IID_BYTES,
  MAX_DAD_COUNTER,
  type DeriveOptions,
  type DeviceAddress,
  type IidHash,
  type IidInput,
} from './iid.js';
export {
  setupDeviceAddresses,
  AddressingError,
  ADDRESSING_MODES,
  type AddressingLog,
  type AddressingMode,
  type AddressingSetup,
  type DeviceEndpoint,
  type EffectiveAddressingMode,
  type SetupOptions,
} from './setup.js';
export { systemCommandRunner, commandText, type CommandResult, type CommandRunner } from './commands.js';
export { hasNetAdmin, processHasNetAdmin, CAP_NET_ADMIN } from './privileges.js';
