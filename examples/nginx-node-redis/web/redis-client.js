'use strict';
// A minimal redis client over the RESP protocol with Node's `net` only (the image has no npm).
// One connection, commands pipelined in order; reconnects on the next command after an error.
const net = require('net');

function encode(args) {
  let out = `*${args.length}\r\n`;
  for (const arg of args) {
    const text = String(arg);
    out += `$${Buffer.byteLength(text)}\r\n${text}\r\n`;
  }
  return out;
}

// Parses one reply at `offset`; returns [value, nextOffset], or undefined when the buffer is incomplete.
function parse(buffer, offset) {
  const end = buffer.indexOf('\r\n', offset);
  if (end < 0) return undefined;
  const type = String.fromCharCode(buffer[offset]);
  const line = buffer.toString('utf8', offset + 1, end);
  const next = end + 2;
  switch (type) {
    case '+': return [line, next];
    case '-': return [new Error(line), next];
    case ':': return [Number(line), next];
    case '$': {
      const length = Number(line);
      if (length < 0) return [null, next];
      if (buffer.length < next + length + 2) return undefined;
      return [buffer.toString('utf8', next, next + length), next + length + 2];
    }
    case '*': {
      const count = Number(line);
      const items = [];
      let at = next;
      for (let i = 0; i < count; i++) {
        const item = parse(buffer, at);
        if (!item) return undefined;
        items.push(item[0]);
        at = item[1];
      }
      return [items, at];
    }
    default:
      return [new Error(`unexpected reply type ${type}`), buffer.length];
  }
}

class RedisClient {
  constructor(host, port) {
    this.host = host;
    this.port = port;
    this.socket = undefined;
    this.pending = [];
    this.buffer = Buffer.alloc(0);
  }

  connect() {
    const socket = net.createConnection({ host: this.host, port: this.port });
    socket.setNoDelay(true);
    socket.on('data', (chunk) => this.onData(chunk));
    const fail = (error) => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      this.buffer = Buffer.alloc(0);
      for (const { reject } of this.pending.splice(0)) reject(error || new Error('redis connection closed'));
    };
    socket.on('error', fail);
    socket.on('close', () => fail());
    this.socket = socket;
  }

  onData(chunk) {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    let offset = 0;
    for (;;) {
      const reply = parse(this.buffer, offset);
      if (!reply) break;
      offset = reply[1];
      const waiter = this.pending.shift();
      if (!waiter) continue;
      if (reply[0] instanceof Error) waiter.reject(reply[0]);
      else waiter.resolve(reply[0]);
    }
    this.buffer = this.buffer.subarray(offset);
  }

  command(...args) {
    if (!this.socket) this.connect();
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.socket.write(encode(args));
    });
  }
}

module.exports = { RedisClient, encode, parse };
