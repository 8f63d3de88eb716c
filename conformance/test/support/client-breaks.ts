/**
 * The mistakes the reference client (reference-client.ts) can be told to make, one at a time,
 * with `--break NAME`: each one a rule of RFC 6455, or of the contract `--client` checks, that a
 * learner's client could break.
 */
export const CLIENT_BREAKS = {
  'fixed-key': 'sends the same Sec-WebSocket-Key on every connection',
  'no-port-in-host': 'leaves the port out of the Host header',
  'send-before-101': 'sends a text message right after its request, before the 101 has come',
  'accept-any-accept': 'does not check Sec-WebSocket-Accept',
  'accept-any-status': 'takes any status with the right headers, not only 101',
  unmasked: 'sends its frames unmasked',
  'fixed-mask': 'masks every frame with the same key',
  'long-length-form': 'writes every length in the 64-bit form',
  'accept-masked': 'reads masked frames from the server',
  'ignore-rsv': 'ignores the RSV bits',
  'no-pong': 'never answers a ping',
  'orphan-continuation': 'reads a continuation frame with no message started as a message',
  'no-utf8-check': 'prints text without checking its UTF-8',
  'no-close-reply':
    "closes TCP when the server's close frame comes, without a close frame in reply",
  'echo-any-close-code': 'echoes any close code, even 1005 and 1006',
  'exit-0-on-error': 'exits with status 0 whatever happened',
} as const;

export type ClientBreak = keyof typeof CLIENT_BREAKS;
