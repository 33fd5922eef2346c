/** A DatagramTransport wrapper for programs that turn OS send refusals into exit codes (pia ping, piactl). */
import type { DatagramTransport, Endpoint } from './transport.js';

/** A send the OS refused (the node carries on; a program may turn the first one into its exit code). */
export interface SendFailure {
  readonly code: string;
  readonly to: Endpoint;
  readonly message: string;
}

/** The transport as is, plus a report of every send the OS refused (with its errno code). */
export function watchSends(inner: DatagramTransport, report: (f: SendFailure) => void): DatagramTransport {
  return {
    get local() {
      return inner.local;
    },
    onDatagram: (listener) => inner.onDatagram(listener),
    close: () => inner.close(),
    ...(inner.localAddressFor === undefined ? {} : { localAddressFor: inner.localAddressFor.bind(inner) }),
    ...(inner.onUnreachable === undefined ? {} : { onUnreachable: inner.onUnreachable.bind(inner) }),
    // The inner send's own promise, observed on the side: no async wrapper per datagram.
    send(bytes, to) {
      const sending = inner.send(bytes, to);
      sending.catch((e: unknown) => {
        const err = e as NodeJS.ErrnoException;
        report({ code: err.code ?? 'EIO', to, message: err.message });
      });
      return sending;
    },
  };
}
