/**
 * Child process: the bare HTTP floor. A node:http server that reads each request's body and
 * answers the same small JSON, so its rate is what this machine's HTTP and the load generator
 * allow with no service at all.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from './rpc.js';
import { type CpuMark, cpuMark, cpuSince } from './usage.js';

const BODY = JSON.stringify({ sid: 'AAAAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAA' });
const server = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    response.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(BODY.length) });
    response.end(BODY);
  });
});
server.listen(0, '127.0.0.1');
await once(server, 'listening');

let mark: CpuMark = cpuMark();
serve(
  { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` },
  {
    mark: () => {
      mark = cpuMark();
    },
    take: () => ({ counts: {}, sequence: [], cpu: cpuSince(mark) }),
  },
);
