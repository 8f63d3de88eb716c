// The plain `ws` echo server, the baseline of every ratio in `pnpm bench`: the few lines of ws's
// README, with nothing of ours added (no heartbeat, no size limit of our own, no backpressure).
// The benchmark runs it twice: with WS_NO_BUFFER_UTIL=1 (ws as installed by `npm install ws`,
// masking in JavaScript) and without (ws with `bufferutil`, its optional C add-on, which is what
// users install for speed). The start line says which one runs.
import { createRequire } from 'node:module';
import { WebSocketServer } from 'ws';

const wss = new WebSocketServer({ port: Number(process.env.PORT ?? 8080), host: '127.0.0.1' });
wss.on('connection', (ws) => {
  ws.on('error', console.error);
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
});

wss.on('listening', () => {
  const address = wss.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  console.log(`ws-echo listening on ws://127.0.0.1:${port} (bufferutil: ${bufferUtilState()})`);
});
process.on('SIGTERM', () => process.exit(0));

/**
 * Whether ws masks with bufferutil's native code: ws looks for the package next to itself, and
 * skips it when WS_NO_BUFFER_UTIL is set. bufferutil falls back to JavaScript when its compiled
 * add-on does not load; then its functions are not native.
 */
function bufferUtilState(): string {
  if (process.env.WS_NO_BUFFER_UTIL) return 'off';
  try {
    const fromWs = createRequire(createRequire(import.meta.url).resolve('ws'));
    const { mask } = fromWs('bufferutil') as { mask: () => void };
    return String(mask).includes('[native code]') ? 'native add-on loaded' : 'JavaScript fallback';
  } catch {
    return 'absent';
  }
}
