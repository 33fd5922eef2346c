/** Cameras: the VC0706 serial JPEG camera client, and the camera as a device. */
export { Vc0706Client, Vc0706Error, VC0706_IMAGE_SIZES, type Vc0706ClientOptions, type Vc0706ImageSize } from './vc0706-client.js';
export { CameraDevice, CAMERA_SIZES, createCamera, type CameraClient, type CameraOptions } from './camera-device.js';
