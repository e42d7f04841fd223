// The fake realtime provider for the relay benchmark: a WebSocket echo server on 127.0.0.1.
// Every message is sent back as it came (text stays text, binary stays binary). On a path containing /stall it
// completes the handshake and then reads nothing more: a provider that stopped reading.
//   node fake-provider.mjs <port>
import { WebSocketServer } from 'ws';

const port = Number(process.argv[2]);
const server = new WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate: false, maxPayload: 16 << 20 });
server.on('connection', (socket, request) => {
  if (request.url.includes('/stall')) {
    socket._socket.pause();
    return;
  }
  socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
  socket.on('error', () => {});
});
server.on('listening', () => console.log(`fake provider listening on ${port}`));
