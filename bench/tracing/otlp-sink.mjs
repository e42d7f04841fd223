// An OTLP/HTTP sink for bench/tracing.sh: answers every POST with 200 and an empty protobuf, counting requests and
// bytes (written to the file named by argv[3] on SIGTERM). Listens on 127.0.0.1:argv[2].
import http from 'node:http';
import fs from 'node:fs';

let requests = 0;
let bytes = 0;
const server = http.createServer((req, res) => {
  req.on('data', (chunk) => { bytes += chunk.length; });
  req.on('end', () => {
    requests += 1;
    res.writeHead(200, {'Content-Type': 'application/x-protobuf', 'Content-Length': 0});
    res.end();
  });
});
server.listen(Number(process.argv[2]), '127.0.0.1');
process.on('SIGTERM', () => {
  fs.writeFileSync(process.argv[3], JSON.stringify({requests, bytes}));
  process.exit(0);
});
