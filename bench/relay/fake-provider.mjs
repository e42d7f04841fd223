// The fake realtime provider for the relay benchmark: a WebSocket echo server on 127.0.0.1.
// Every message is sent back as it came (text stays text, binary stays binary). On a path containing /stall it
// completes the handshake and then reads nothing more: a provider that stopped reading.
// On Google's Live API path (…BidiGenerateContent) it speaks that protocol as Google's server does, in binary frames
// of JSON: the first message (the setup) is answered with {"setupComplete":{}}; every later message carrying a
// `"data":"…"` string (realtimeInput audio) comes back as model content holding the same data,
// {"serverContent":{"modelTurn":{"parts":[{"inlineData":{"data":"…","mimeType":"audio/pcm;rate=24000"}}]}}}, built
// from the message's bytes without parsing them (the provider must cost little per frame: it shares the machine).
//   node fake-provider.mjs <port>
import { WebSocketServer } from 'ws';

const port = Number(process.argv[2]);
const LIVE_PATH = 'BidiGenerateContent';
const SETUP_COMPLETE = Buffer.from('{"setupComplete":{}}');
const DATA = Buffer.from('"data":"');
// The echo's head ends where the data starts, so a client finds its clock at a fixed offset (load.mjs).
const CONTENT_HEAD = Buffer.from('{"serverContent":{"modelTurn":{"parts":[{"inlineData":{"data":"');
const CONTENT_TAIL = Buffer.from('","mimeType":"audio/pcm;rate=24000"}}]}}}');

// A Live session: the setup answered, then each data-carrying message sent back as the model's content.
function live(socket) {
  let setUp = false;
  socket.on('message', (data) => {
    const message = Buffer.isBuffer(data) ? data : Buffer.concat(data);
    if (!setUp) {
      setUp = true;
      socket.send(SETUP_COMPLETE, { binary: true });
      return;
    }
    const from = message.indexOf(DATA);
    if (from < 0) return;
    const start = from + DATA.length;
    const end = message.indexOf(0x22, start);
    if (end < 0) return;
    socket.send(Buffer.concat([CONTENT_HEAD, message.subarray(start, end), CONTENT_TAIL]), { binary: true });
  });
}

const server = new WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate: false, maxPayload: 16 << 20 });
server.on('connection', (socket, request) => {
  socket.on('error', () => {});
  if (request.url.includes('/stall')) {
    socket._socket.pause();
    return;
  }
  if (request.url.includes(LIVE_PATH)) {
    live(socket);
    return;
  }
  socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
});
server.on('listening', () => console.log(`fake provider listening on ${port}`));
