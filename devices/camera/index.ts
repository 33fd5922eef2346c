/** Cameras: the VC0706 serial JPEG camera client. */
export { Vc0706Client, Vc0706Error, type Vc0706ClientOptions } from './vc0706-client.js';
