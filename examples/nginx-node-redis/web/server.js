'use strict';
// Counts visits in redis and says which server answered. Standard library only.
const http = require('http');
const os = require('os');
const { RedisClient } = require('./redis-client.js');

const port = Number(process.env.PORT || 5000);
const redis = new RedisClient(process.env.REDIS_HOST || 'redis', Number(process.env.REDIS_PORT || 6379));

const server = http.createServer(async (req, res) => {
  try {
    if (req.url === '/health') {
      const pong = await redis.command('PING');
      res.writeHead(pong === 'PONG' ? 200 : 503, { 'content-type': 'text/plain' });
      res.end(`${pong}\n`);
      return;
    }
    const visits = await redis.command('INCR', 'visits');
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`${os.hostname()}: Number of visits is: ${visits}\n`);
  } catch (error) {
    res.writeHead(503, { 'content-type': 'text/plain' });
    res.end(`redis unavailable: ${error.message}\n`);
  }
});

server.listen(port, () => console.log(`web server ${os.hostname()} listening on ${port}`));
// stop promptly on `docker stop` (node as PID 1 ignores SIGTERM unless handled)
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
