/**
 * Reading and answering JSON on MyNet Manager's listener.
 *
 * Must hold: a body is read only up to its limit (Content-Length checked first, then the bytes
 * as they arrive) → 413; a body is never echoed in an error (it may carry a password).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The body as parsed JSON (any value); `example` shows what to send. */
export async function readJsonBody(req: IncomingMessage, max: number, example: string): Promise<unknown> {
  const tooBig = new HttpError(413, `the body is over ${max} bytes; send one JSON object such as ${example}`);
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > max) {
    req.resume();
    throw tooBig;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) throw tooBig;
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') throw new HttpError(400, `the body is empty; send a JSON object such as ${example}`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, `the body is not valid JSON; send a JSON object such as ${example}`);
  }
}

export function sendJson(res: ServerResponse, status: number, body: Readonly<Record<string, unknown>>): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
