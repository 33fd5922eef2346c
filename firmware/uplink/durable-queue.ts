/**
 * The uplink's on-disk store-and-forward queue: SQLite in WAL mode with
 * `synchronous = FULL`, so a committed append survives a process crash and a power cut
 * (SQLite docs, "WAL mode": FULL syncs the WAL on every commit).
 *
 * Must hold:
 * - sequence numbers are per gateway, strictly increasing, never reused, also across restarts
 *   (the next one is persisted in the same transaction as the message);
 * - the queue never exceeds its cap (messages and bytes): the OLDEST messages go first and
 *   every drop is counted in a persisted counter (no unbounded buffer);
 * - a message leaves only through `ack(seq)` (its PUBACK) or as a counted drop;
 * - `peek` returns messages in sequence order.
 */
import Database from 'better-sqlite3';
import { QueueTail } from './queue-tail.js';

export interface QueuedMessage {
  readonly seq: number;
  readonly topic: string;
  readonly payload: string;
  readonly retain: boolean;
}

export interface NewMessage {
  readonly topic: string;
  readonly retain: boolean;
  /** Builds the payload once the sequence number is known (so the payload can carry it). */
  readonly payload: (seq: number) => string;
}

export interface DurableQueueOptions {
  /** Most messages held; default 10 000 (Kura's default capacity). */
  readonly maxMessages?: number;
  /** Most payload+topic bytes held; default 16 MiB. */
  readonly maxBytes?: number;
}

export interface QueueStats {
  readonly depth: number;
  readonly bytes: number;
  readonly dropped: number;
  /** The last sequence number handed out (0 before the first). */
  readonly lastSeq: number;
}

export class DurableQueue {
  private readonly db: Database.Database;
  private readonly maxMessages: number;
  private readonly maxBytes: number;
  private nextSeq: number;
  private dropped: number;
  private depth: number;
  private bytes: number;
  /** The newest messages in memory, so the sender need not query what was just written. */
  private readonly tail: QueueTail;
  /** Seqs dropped by the cap in the running transaction (for the tail, once committed). */
  private droppedNow: number[] = [];
  private readonly stmts: {
    insert: Database.Statement;
    setMeta: Database.Statement;
    oldest: Database.Statement;
    del: Database.Statement;
    rangeStats: Database.Statement;
    delRange: Database.Statement;
    peek: Database.Statement;
  };

  constructor(
    readonly file: string,
    options: DurableQueueOptions = {},
  ) {
    this.maxMessages = options.maxMessages ?? 10_000;
    this.maxBytes = options.maxBytes ?? 16 * 1024 * 1024;
    if (this.maxMessages < 1 || this.maxBytes < 1) throw new Error(`uplink queue ${file}: maxMessages and maxBytes must be at least 1`);
    try {
      this.db = new Database(file);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
    } catch (e) {
      throw new Error(`uplink queue ${file}: cannot open the SQLite file (${(e as Error).message}); check the directory exists and is writable`);
    }
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS announced (topic TEXT PRIMARY KEY);
      CREATE TABLE IF NOT EXISTS messages (seq INTEGER PRIMARY KEY, topic TEXT NOT NULL, payload TEXT NOT NULL, retain INTEGER NOT NULL, bytes INTEGER NOT NULL);
      INSERT OR IGNORE INTO meta (key, value) VALUES ('next_seq', 1), ('dropped', 0);
    `);
    const meta = (key: string): number => (this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: number }).value;
    this.nextSeq = meta('next_seq');
    this.dropped = meta('dropped');
    const agg = this.db.prepare('SELECT COUNT(*) AS n, COALESCE(SUM(bytes), 0) AS b FROM messages').get() as { n: number; b: number };
    this.depth = agg.n;
    this.bytes = agg.b;
    this.tail = new QueueTail(this.nextSeq - 1);
    this.stmts = {
      insert: this.db.prepare('INSERT INTO messages (seq, topic, payload, retain, bytes) VALUES (?, ?, ?, ?, ?)'),
      setMeta: this.db.prepare('UPDATE meta SET value = ? WHERE key = ?'),
      oldest: this.db.prepare('SELECT seq, bytes FROM messages ORDER BY seq LIMIT 1'),
      del: this.db.prepare('DELETE FROM messages WHERE seq = ?'),
      rangeStats: this.db.prepare('SELECT COUNT(*) AS n, COALESCE(SUM(bytes), 0) AS b FROM messages WHERE seq BETWEEN ? AND ?'),
      delRange: this.db.prepare('DELETE FROM messages WHERE seq BETWEEN ? AND ?'),
      peek: this.db.prepare('SELECT seq, topic, payload, retain FROM messages WHERE seq > ? ORDER BY seq LIMIT ?'),
    };
  }

  /** Appends one message; returns its sequence number. */
  append(message: NewMessage): number {
    const [seq] = this.appendMany([message]);
    return seq ?? 0;
  }

  /**
   * Appends messages in one transaction (one fsync); returns their sequence numbers in order.
   * `acks` (delivered messages) are removed in the same transaction: one fsync per turn.
   */
  appendMany(messages: readonly NewMessage[], acks: readonly number[] = []): number[] {
    const run = this.db.transaction((list: readonly NewMessage[]) => {
      this.removeAcked(acks);
      const rows: QueuedMessage[] = [];
      for (const m of list) {
        const seq = this.nextSeq++;
        const payload = m.payload(seq);
        const size = Buffer.byteLength(payload) + Buffer.byteLength(m.topic);
        this.stmts.insert.run(seq, m.topic, payload, m.retain ? 1 : 0, size);
        this.depth++;
        this.bytes += size;
        rows.push({ seq, topic: m.topic, payload, retain: m.retain });
        this.enforceCap();
      }
      if (list.length > 0) {
        this.stmts.setMeta.run(this.nextSeq, 'next_seq');
        this.stmts.setMeta.run(this.dropped, 'dropped');
      }
      return rows;
    });
    const before = { nextSeq: this.nextSeq, depth: this.depth, bytes: this.bytes, dropped: this.dropped };
    this.droppedNow = [];
    try {
      const rows = run(messages);
      // committed: now the in-memory tail follows
      this.tail.removed(acks);
      this.tail.appended(rows);
      this.tail.removed(this.droppedNow);
      return rows.map((r) => r.seq);
    } catch (e) {
      Object.assign(this, before); // the transaction rolled back: so do the counters
      throw e;
    }
  }

  /** Up to `limit` messages with seq > `afterSeq`, in order. */
  peek(limit: number, afterSeq = 0): QueuedMessage[] {
    const cached = this.tail.peek(limit, afterSeq);
    if (cached !== undefined) return cached;
    const rows = this.stmts.peek.all(afterSeq, limit) as { seq: number; topic: string; payload: string; retain: number }[];
    return rows.map((r) => ({ seq: r.seq, topic: r.topic, payload: r.payload, retain: r.retain === 1 }));
  }

  /** Removes a delivered message (after its PUBACK). Unknown or already dropped: nothing happens. */
  ack(seq: number): void {
    this.ackMany([seq]);
  }

  /** Removes delivered messages in one transaction (one fsync for a whole turn of PUBACKs). */
  ackMany(seqs: readonly number[]): void {
    if (seqs.length === 0) return;
    this.db.transaction(() => this.removeAcked(seqs))();
    this.tail.removed(seqs);
  }

  /** PUBACKs mostly come in runs of consecutive seqs: one range statement per run. */
  private removeAcked(seqs: readonly number[]): void {
    const sorted = [...seqs].sort((a, b) => a - b);
    for (let i = 0; i < sorted.length; ) {
      const first = sorted[i] ?? 0;
      let last = first;
      while (i + 1 < sorted.length && (sorted[i + 1] ?? 0) <= last + 1) last = sorted[++i] ?? last;
      i++;
      const gone = this.stmts.rangeStats.get(first, last) as { n: number; b: number };
      if (gone.n === 0) continue;
      this.stmts.delRange.run(first, last);
      this.depth -= gone.n;
      this.bytes -= gone.b;
    }
  }

  /** Topics announced with a retained config (Home Assistant discovery), kept so a removed device's config can be deleted after a restart. */
  announced(): string[] {
    return (this.db.prepare('SELECT topic FROM announced ORDER BY topic').all() as { topic: string }[]).map((r) => r.topic);
  }

  setAnnounced(topics: readonly string[]): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM announced').run();
      const ins = this.db.prepare('INSERT OR IGNORE INTO announced (topic) VALUES (?)');
      for (const t of topics) ins.run(t);
    })();
  }

  stats(): QueueStats {
    return { depth: this.depth, bytes: this.bytes, dropped: this.dropped, lastSeq: this.nextSeq - 1 };
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** Inside a transaction: drops the oldest until the cap holds (the newest always stays). */
  private enforceCap(): void {
    while (this.depth > 1 && (this.depth > this.maxMessages || this.bytes > this.maxBytes)) {
      const old = this.stmts.oldest.get() as { seq: number; bytes: number } | undefined;
      if (old === undefined) return;
      this.stmts.del.run(old.seq);
      this.droppedNow.push(old.seq);
      this.depth--;
      this.bytes -= old.bytes;
      this.dropped++;
    }
  }
}
