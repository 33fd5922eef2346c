/** Test-only helpers for real-time serial tests: socat pty pairs, pia-sim and mbpoll processes, a host port. */
export * from './processes.js';
export * from './host-port.js';
