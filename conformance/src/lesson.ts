/**
 * Where the lesson explains each rule: a README section of native-server (the server by hand),
 * of native-client (the client by hand, for client mode) or of shared (the protocol's
 * reference). Paths are from the repository's root; the package's
 * tests check that each anchor is a heading of its README.
 */
export interface Lesson {
  title: string;
  /** `exercises/part2/12-websocket-native-server/README.md#1-the-handshake` */
  path: string;
}

const NATIVE = 'exercises/part2/12-websocket-native-server/README.md';
const SHARED = 'shared/README.md';
const CLIENT = 'exercises/part2/12-websocket-native-client/README.md';

export const LESSON = {
  handshake: { title: 'native-server: 1. The handshake', path: `${NATIVE}#1-the-handshake` },
  handshakeReference: { title: 'shared: 1. The handshake', path: `${SHARED}#1-the-handshake` },
  frames: { title: 'native-server: 2. Frame headers', path: `${NATIVE}#2-frame-headers` },
  masking: { title: 'native-server: 3. Masking', path: `${NATIVE}#3-masking` },
  fragments: {
    title: 'native-server: 4. Fragments, and control frames between them',
    path: `${NATIVE}#4-fragments-and-control-frames-between-them`,
  },
  utf8: { title: 'native-server: 5. UTF-8', path: `${NATIVE}#5-utf-8` },
  closing: {
    title: 'native-server: 6. Closing, and the close codes',
    path: `${NATIVE}#6-closing-and-the-close-codes`,
  },
  closeCodes: {
    title: 'shared: 6. Closing, and the rules with their close codes',
    path: `${SHARED}#6-closing-and-the-rules-with-their-close-codes`,
  },
  limits: { title: 'shared: 4. Fragments (the size limit)', path: `${SHARED}#4-fragments` },
  clientRequest: {
    title: 'native-client: 1. Open TCP and send the upgrade request',
    path: `${CLIENT}#1-open-tcp-and-send-the-upgrade-request`,
  },
  clientAnswer: {
    title: 'native-client: 2. Read the answer and check it',
    path: `${CLIENT}#2-read-the-answer-and-check-it`,
  },
  clientFramesOut: {
    title: 'native-client: 3. Frames out: the header and the mask',
    path: `${CLIENT}#3-frames-out-the-header-and-the-mask`,
  },
  clientFramesIn: {
    title: 'native-client: 4. Frames in: messages as they come',
    path: `${CLIENT}#4-frames-in-messages-as-they-come`,
  },
  clientUtf8: { title: 'native-client: 5. UTF-8', path: `${CLIENT}#5-utf-8` },
  clientClosing: {
    title: "native-client: 6. Closing, from the client's side",
    path: `${CLIENT}#6-closing-from-the-clients-side`,
  },
} as const satisfies Record<string, Lesson>;
