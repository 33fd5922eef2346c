/**
 * Runs a whole exchange with pinned random draws and collects what went on the wire and what
 * was derived. `generate-transcript.ts` writes the result to transcript.json (a regression
 * vector); the test replays it and checks it against an independent computation.
 */
import { ManualClock } from '../../../common/index.js';
import type { SuiteId } from '../../suites-ids.js';
import { Initiator } from '../initiator.js';
import { Responder } from '../responder.js';
import { hex, runPair, seededRandom, unhex, I_ADDR, R_ADDR } from '../test-support/index.js';

export interface TranscriptInputs {
  readonly name: string;
  readonly initiatorSuites: readonly SuiteId[];
  readonly responderSuites: readonly SuiteId[];
  /** 0 makes the responder demand a cookie first. */
  readonly cookieThreshold: number;
  readonly spiI: string;
  readonly ni: string;
  readonly initiatorPrivate: string;
  /** Present when cookieThreshold is 0: the responder's first cookie secret (version 0). */
  readonly cookieSecret?: string;
  readonly spiR: string;
  readonly nr: string;
  readonly responderPrivate: string;
}

export interface TranscriptRun {
  /** Every datagram, in the order sent: INIT, [COOKIE, INIT with cookie,] RESP, CONFIRM. */
  readonly wire: { readonly message: string; readonly bytes: string }[];
  readonly suite: number;
  readonly transcript: string;
  readonly i2r: string;
  readonly r2i: string;
}

export async function runTranscript(v: TranscriptInputs): Promise<TranscriptRun> {
  const clock = new ManualClock();
  const iRandom = seededRandom(`${v.name}/initiator jitter`);
  iRandom.queue(unhex(v.spiI), unhex(v.ni), unhex(v.initiatorPrivate));
  const rRandom = seededRandom(`${v.name}/responder`);
  if (v.cookieSecret !== undefined) rRandom.queue(unhex(v.cookieSecret));
  rRandom.queue(unhex(v.spiR), unhex(v.nr), unhex(v.responderPrivate));
  const initiator = new Initiator({ clock, peer: R_ADDR, random: iRandom, suites: v.initiatorSuites });
  const responder = new Responder({ clock, random: rRandom, suites: v.responderSuites, cookieThreshold: v.cookieThreshold });
  const log = await runPair(clock, initiator, responder, { iAddr: I_ADDR, rAddr: R_ADDR });
  const keys = initiator.keys;
  if (keys === undefined) throw new Error(`transcript vector "${v.name}": the exchange did not complete`);
  return {
    wire: log.wire.map((d) => ({ message: d.message, bytes: hex(d.bytes) })),
    suite: keys.suite,
    transcript: hex(keys.transcript),
    i2r: hex(keys.i2r.bytes),
    r2i: hex(keys.r2i.bytes),
  };
}

/** The pinned inputs: fixed bytes, readable patterns, nothing secret. */
export const TRANSCRIPT_INPUTS: readonly TranscriptInputs[] = [
  {
    name: 'AES-256-GCM, no cookie',
    initiatorSuites: [1, 2],
    responderSuites: [1, 2],
    cookieThreshold: 16,
    spiI: 'c0de0001',
    ni: '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f',
    initiatorPrivate: '77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a',
    spiR: '5e4f0002',
    nr: 'f0f1f2f3f4f5f6f7f8f9fafbfcfdfeffe0e1e2e3e4e5e6e7e8e9eaebecedeeef',
    responderPrivate: '5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb',
  },
  {
    name: 'ChaCha20-Poly1305 after a cookie round',
    initiatorSuites: [2, 1],
    responderSuites: [1, 2],
    cookieThreshold: 0,
    spiI: '0000a5a5',
    ni: 'a0'.repeat(31) + '01',
    initiatorPrivate: '4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d',
    cookieSecret: 'c0'.repeat(32),
    spiR: 'fffffff0',
    nr: 'b0'.repeat(31) + '02',
    responderPrivate: 'a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4',
  },
];
