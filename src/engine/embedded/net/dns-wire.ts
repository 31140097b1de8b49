/** Just enough of the DNS wire format (RFC 1035) to answer A queries and relay everything else untouched. */

export const TYPE_A = 1;
export const TYPE_AAAA = 28;
export const CLASS_IN = 1;

export const RCODE = { noError: 0, formErr: 1, servFail: 2, nxDomain: 3, notImp: 4, refused: 5 } as const;

export interface Question {
  id: number;
  /** Opcode (0 = standard query). */
  opcode: number;
  recursionDesired: boolean;
  /** Lower case, no trailing dot. */
  name: string;
  type: number;
  qclass: number;
  /** Offset just past the (first) question: header + question are echoed in the answer. */
  end: number;
}

/** Parses a query's header and first question; undefined when it is not a well-formed query. */
export function parseQuery(msg: Buffer): Question | undefined {
  if (msg.length < 12) return undefined;
  const flags = msg.readUInt16BE(2);
  if (flags & 0x8000) return undefined; // a response, not a query
  if (msg.readUInt16BE(4) < 1) return undefined;
  const labels: string[] = [];
  let offset = 12;
  for (;;) {
    if (offset >= msg.length) return undefined;
    const length = msg[offset]!;
    if (length === 0) {
      offset++;
      break;
    }
    if (length > 63 || offset + 1 + length > msg.length) return undefined; // compression pointers never start a query name
    labels.push(msg.toString('latin1', offset + 1, offset + 1 + length));
    offset += 1 + length;
  }
  if (offset + 4 > msg.length) return undefined;
  return {
    id: msg.readUInt16BE(0),
    opcode: (flags >> 11) & 0xf,
    recursionDesired: (flags & 0x0100) !== 0,
    name: labels.join('.').toLowerCase(),
    type: msg.readUInt16BE(offset),
    qclass: msg.readUInt16BE(offset + 2),
    end: offset + 4,
  };
}

/** An answer to `query`: its question echoed, then one A record per address (name compressed to the question's). */
export function buildResponse(query: Buffer, q: Question, rcode: number, addresses: string[] = [], ttl = 600): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(q.id, 0);
  // QR, the query's opcode, AA (we are authoritative for member names), RD echoed, RA set.
  header.writeUInt16BE(0x8000 | (q.opcode << 11) | 0x0400 | (q.recursionDesired ? 0x0100 : 0) | 0x0080 | (rcode & 0xf), 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(addresses.length, 6);
  const answers = addresses.map((address) => {
    const rr = Buffer.alloc(16);
    rr.writeUInt16BE(0xc00c, 0); // pointer to the name at offset 12
    rr.writeUInt16BE(TYPE_A, 2);
    rr.writeUInt16BE(CLASS_IN, 4);
    rr.writeUInt32BE(ttl, 6);
    rr.writeUInt16BE(4, 10);
    address.split('.').forEach((part, i) => rr.writeUInt8(Number(part), 12 + i));
    return rr;
  });
  return Buffer.concat([header, query.subarray(12, q.end), ...answers]);
}

/** A minimal error answer for a message too broken to parse a question from (keeps the id when there is one). */
export function buildFormatError(query: Buffer): Buffer {
  const header = Buffer.alloc(12);
  if (query.length >= 2) header.writeUInt16BE(query.readUInt16BE(0), 0);
  header.writeUInt16BE(0x8000 | RCODE.formErr, 2);
  return header;
}

/** A query for `name` (used by tests and health probes). */
export function buildQuery(id: number, name: string, type = TYPE_A): Buffer {
  const parts = name.split('.').filter(Boolean).map((label) => Buffer.concat([Buffer.from([label.length]), Buffer.from(label, 'latin1')]));
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x0100, 2);
  header.writeUInt16BE(1, 4);
  const tail = Buffer.alloc(5);
  tail.writeUInt16BE(type, 1);
  tail.writeUInt16BE(CLASS_IN, 3);
  return Buffer.concat([header, ...parts, tail]);
}

/** The A addresses of an answer, in order. */
export function parseAnswerAddresses(msg: Buffer): { rcode: number; addresses: string[] } {
  const rcode = msg.readUInt16BE(2) & 0xf;
  const q = parseQuery(Buffer.concat([msg.subarray(0, 2), Buffer.from([0, 0]), msg.subarray(4)]));
  const addresses: string[] = [];
  if (!q) return { rcode, addresses };
  let offset = q.end;
  for (let i = 0; i < msg.readUInt16BE(6) && offset < msg.length; i++) {
    // Skip the owner name (a pointer or labels).
    while (offset < msg.length) {
      const len = msg[offset]!;
      if (len === 0) { offset++; break; }
      if ((len & 0xc0) === 0xc0) { offset += 2; break; }
      offset += 1 + len;
    }
    const type = msg.readUInt16BE(offset);
    const rdLength = msg.readUInt16BE(offset + 8);
    if (type === TYPE_A && rdLength === 4) addresses.push([...msg.subarray(offset + 10, offset + 14)].join('.'));
    offset += 10 + rdLength;
  }
  return { rcode, addresses };
}
