/** Test helpers of this folder, for tests elsewhere (test code only). */
export { TestBroker, freePort } from './mosquitto.js';
