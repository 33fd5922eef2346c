/** Virtual VC0706 serial JPEG camera and the scene it sees. */
export { Vc0706Camera, type Vc0706Options, type Vc0706Event } from './vc0706.js';
export { TestScene, renderTestScene, type FrameSource } from './test-scene.js';
export {
  BAUD_BY_DIVIDER,
  BOOT_TEXT,
  CAMERA_MARK,
  Command as Vc0706Command,
  CommandAssembler as Vc0706CommandAssembler,
  FbufControl,
  HOST_MARK,
  IMAGE_SIZES,
  imageSizeByCode,
  Status as Vc0706Status,
  VERSION_TEXT,
  reply as vc0706Reply,
  type HostCommand as Vc0706HostCommand,
  type ImageSize,
} from './vc0706-protocol.js';
