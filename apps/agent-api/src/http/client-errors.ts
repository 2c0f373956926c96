import { ErrorCode, type ErrorBody } from '@voxbridge/contracts';
import { randomUUID } from 'node:crypto';
import { maxHeaderSize, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/** Node's parser: the request line and headers together passed `maxHeaderSize` (16 KB by default). */
const HEADER_OVERFLOW = 'HPE_HEADER_OVERFLOW';

/** A response of an earlier request on this keep-alive socket that has started: no room for ours. */
function answering(socket: Duplex): boolean {
  const current = (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage;
  return current?.headersSent === true;
}

function answer(status: 400 | 431, reason: string, body: ErrorBody): string {
  const text = JSON.stringify(body);
  return `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`;
}

/**
 * Requests Node's HTTP parser refuses before any route sees them (a URL and headers over the
 * header limit, a malformed request line) get the API's error shape instead of Node's bare
 * `431` / `400` without a body, so even these name the problem. Sockets already answering, or
 * closed by the client, are destroyed as Node would.
 */
export function answerClientErrors(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (error.code === 'ECONNRESET' || !socket.writable || answering(socket)) {
      socket.destroy();
      return;
    }
    const request_id = randomUUID();
    socket.end(
      error.code === HEADER_OVERFLOW
        ? answer(431, 'Request Header Fields Too Large', {
            error: { code: ErrorCode.PayloadTooLarge, message: `the URL and headers are larger than ${maxHeaderSize} bytes`, request_id },
          })
        : answer(400, 'Bad Request', { error: { code: ErrorCode.ValidationFailed, message: 'malformed HTTP request', request_id } }),
    );
  });
}
