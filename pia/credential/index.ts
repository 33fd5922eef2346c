/** The node credential file (ID, kind, label, key, trusted server): written by pia-trust, read by nodes. */
export * from './credential.js';
