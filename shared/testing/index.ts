/**
 * `shared/testing`: two tools for tests of hand-written peers, used by shared's own tests and by
 * the native exercises' tests - frames with any header, broken ones included, and `ws`'s own
 * frame reader and writer to compare with.
 */
export { type RawFrameFields, rawClosePayload, rawFrame } from './raw-frame.ts';
export { Receiver, Sender } from './ws-internals.ts';
