/** Test helpers of `piactl`: a gateway on the in-memory network with phase 3, fake devices and the gateway's policy. */
export { CAMERA_ADDRESS, FAN_ADDRESS, GATEWAY, GATEWAY_TEXT, JpegCamera, jsonOf, OPERATOR_ADDRESS, memoryGateway, piaOnlyAccess, testJpeg, type MemoryGateway, type RunOptions, type RunResult, type Running } from './memory-gateway.js';
export { PIACTL, runPiactlProcess, startPiactl, stopAll, type PiactlProcess } from './processes.js';
