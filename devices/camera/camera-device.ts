/**
 * The VC0706 serial JPEG camera as a `Device` (docs/hardware.md#vc0706):
 * a `snapshot` blob (image/jpeg) with a size choice, one capture at a time.
 *
 * Snapshot (`fetch('snapshot', { size? })`):
 *  1. a capture already in progress → DeviceError busy (the line carries one frame at a time,
 *     and a 640×480 frame takes seconds at 38400 baud: queueing would only pile up waits);
 *  2. when the size asked differs from the one in force, the camera is set to it and reset
 *     (the size takes effect at reset: vc0706-client.ts); it stays at that size;
 *  3. the client freezes, reads and checks the JPEG (FF D8 … FF D9), then resumes video;
 *  4. success → health ok, lastSnapshotBytes and lastSnapshotAt (the wall-clock time the frame
 *     arrived, ISO 8601: a `timestamp`, not a measurement); failure → health and DeviceError failed.
 * Poll (every `pollIntervalMs`, backing off while failing; queued behind a capture), read
 * the stored size back; when it is not the one wanted (a camera that lost power, or was
 * reset to its default), set it again. This is also how health recovers with no snapshots.
 * There are no outputs: start and stop only start and stop the poll (stop awaits a capture).
 */
import { Mutex, wallTime, type Clock } from '../../common/index.js';
import type { SerialLine } from '../../drivers/index.js';
import { DeviceBase } from '../model/base.js';
import { errorMessage } from '../model/health.js';
import { DeviceError, type Device, type Value } from '../model/types.js';
import { VC0706_IMAGE_SIZES, Vc0706Client, type Vc0706ImageSize } from './vc0706-client.js';

/** What the device needs of a camera client (`Vc0706Client` has it). */
export interface CameraClient {
  snapshot(): Promise<Buffer>;
  setImageSize(size: Vc0706ImageSize): Promise<void>;
  imageSize(): Promise<Vc0706ImageSize>;
}

export interface CameraOptions {
  /** Device name, e.g. "lobby-camera". */
  readonly name: string;
  readonly clock: Clock;
  /** The camera's serial line (a `Vc0706Client` is made on it), or `client` instead. */
  readonly line?: SerialLine;
  readonly client?: CameraClient;
  /** The size to keep; default whatever the camera has at start. */
  readonly resolution?: Vc0706ImageSize;
  /** Default 30 000 ms. */
  readonly pollIntervalMs?: number;
  /** Default 300 000 ms. */
  readonly maxPollIntervalMs?: number;
  readonly random?: () => number;
  readonly part?: string;
}

export const CAMERA_SIZES = Object.keys(VC0706_IMAGE_SIZES) as Vc0706ImageSize[];

export class CameraDevice extends DeviceBase {
  private readonly client: CameraClient;
  private readonly poller;
  private wanted: Vc0706ImageSize | undefined;
  private capture: Promise<unknown> | undefined;
  /** Camera operations (captures and polls) one after the other. */
  private readonly ops = new Mutex();

  constructor(o: CameraOptions) {
    const client = o.client ?? (o.line === undefined ? undefined : new Vc0706Client(o.line, { clock: o.clock }));
    if (client === undefined) throw new Error(`camera "${o.name}": give its serial line (or a client) in its options`);
    super({
      clock: o.clock,
      description: {
        name: o.name,
        kind: 'camera',
        part: o.part ?? `VC0706 serial JPEG camera${o.line === undefined ? '' : ` on ${o.line.path}`}`,
        properties: [
          { name: 'resolution', type: 'string', values: CAMERA_SIZES, writable: true, observable: true, rt: 'pia.camera.resolution', description: 'image size of the next snapshot (width x height); null until read from the camera' },
          { name: 'lastSnapshotBytes', type: 'number', min: 0, unit: 'By', writable: false, observable: true, rt: 'pia.camera.bytes', description: 'size of the last snapshot taken, null before the first' },
          { name: 'lastSnapshotAt', type: 'string', kind: 'timestamp', writable: false, observable: true, rt: 'pia.camera.time', description: 'when the last snapshot arrived: wall-clock ISO 8601 UTC time; null before the first' },
        ],
        actions: [],
        blobs: [
          {
            name: 'snapshot',
            contentFormat: 22,
            params: [{ name: 'size', type: 'string', values: CAMERA_SIZES, required: false, description: 'image size; default the current resolution' }],
            rt: 'pia.camera.snapshot',
            description: 'one JPEG frame (image/jpeg); one capture at a time',
          },
        ],
      },
    });
    this.client = client;
    this.wanted = o.resolution;
    this.poller = this.createPoller(() => this.poll(), {
      intervalMs: o.pollIntervalMs ?? 30_000,
      maxIntervalMs: o.maxPollIntervalMs ?? 300_000,
      ...(o.random === undefined ? {} : { random: o.random }),
    });
  }

  start(): Promise<void> {
    this.poller.start();
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    await this.poller.stop();
    await this.capture?.catch(() => undefined);
  }

  protected override async write(property: string, value: Value): Promise<Value> {
    if (property !== 'resolution') throw new DeviceError('invalid', `${this.name}: property "${property}" is read-only`);
    const size = value as Vc0706ImageSize;
    await this.exclusive('setting the resolution', () => this.ensureSize(size));
    this.wanted = size;
    return size;
  }

  protected override async produce(blob: string, params: Readonly<Record<string, Value>>): Promise<Uint8Array> {
    if (blob !== 'snapshot') throw new DeviceError('not-found', `${this.name}: no blob "${blob}"; it has: snapshot`);
    const size = params.size as Vc0706ImageSize | undefined;
    return this.exclusive('taking a snapshot', async () => {
      if (size !== undefined) {
        await this.ensureSize(size);
        this.wanted = size;
      }
      const jpeg = await this.client.snapshot();
      this.update({ lastSnapshotBytes: jpeg.length, lastSnapshotAt: wallTime(this.clock) }); // taken as the frame arrived
      return new Uint8Array(jpeg.buffer, jpeg.byteOffset, jpeg.length);
    });
  }

  /** Runs one camera operation at a time; a second one meanwhile is busy. Outcomes feed health. */
  private async exclusive<T>(what: string, work: () => Promise<T>): Promise<T> {
    if (this.capture !== undefined) {
      throw new DeviceError('busy', `${this.name}: the camera is busy with another capture (a 640x480 frame takes a few seconds)`);
    }
    const run = this.ops.run(work);
    this.capture = run;
    try {
      const result = await run;
      this.healthTracker.ok();
      return result;
    } catch (err) {
      this.healthTracker.fail(err);
      throw new DeviceError('failed', `${this.name}: ${what} failed: ${errorMessage(err)}`);
    } finally {
      this.capture = undefined;
    }
  }

  private async ensureSize(size: Vc0706ImageSize): Promise<void> {
    if (this.value('resolution') === size) return;
    await this.client.setImageSize(size);
    this.update({ resolution: size });
  }

  private poll(): Promise<void> {
    return this.ops.run(async () => {
      const stored = await this.client.imageSize();
      this.update({ resolution: stored });
      const wanted = this.wanted;
      if (wanted !== undefined && stored !== wanted) {
        await this.client.setImageSize(wanted);
        this.update({ resolution: wanted });
      }
    });
  }
}

/** A VC0706 camera as a `Device`. */
export function createCamera(options: CameraOptions): Device {
  return new CameraDevice(options);
}
