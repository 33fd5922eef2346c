/** Test helpers for coap/ and for the gateway's CoAP tests: a fake Device, an in-memory server and client. */
export { FakeDevice, snapshotBytes, type FakeDeviceOptions } from './fake-device.js';
export { CLIENT_ADDRESS, CLIENT_PORT, SECOND_ADDRESS, SERVER_ADDRESS, memorySetup, type MemorySetup } from './memory.js';
