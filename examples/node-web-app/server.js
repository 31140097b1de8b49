// A small HTTP server answering JSON, with no dependencies: what the node-web-app example builds and runs.
const http = require('node:http');
const os = require('node:os');

const port = Number(process.env.PORT || 8080);
const message = process.env.MESSAGE || 'hello from flotilla';
const started = new Date().toISOString();

const server = http.createServer((req, res) => {
  const body = req.url === '/health'
    ? { status: 'ok' }
    : { message, path: req.url, host: os.hostname(), started, version: 1 };
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body) + '\n');
});

server.listen(port, () => console.log(`listening on ${port}`));
// Stop at once on `docker stop` (node as PID 1 ignores SIGTERM otherwise).
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
