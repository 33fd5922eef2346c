/**
 * The uplink's on-disk store-and-forward queue: SQLite in WAL mode with
 * `synchronous = FULL`, so a committed append survives a process crash and a power cut
 * (SQLite docs, "WAL mode": FULL syncs the WAL on every commit).
 *
 * Must hold:
 * - every message gets a queue `id`, strictly increasing, never reused: the send order;
 * - only a sequenced message (its payload built from a `seq`: state and event) takes a sequence
 *   number; they are per gateway, strictly increasing, never reused, also across restarts (the
 *   next one is persisted in the same transaction as the message), and without gaps apart from
 *   dropped messages: a direct message (a discovery config, a ThingsBoard device connect) takes none;
 * - the queue never exceeds its cap (messages and bytes): the OLDEST messages go first and
 *   every drop is counted in a persisted counter (no unbounded buffer);
 * - a message leaves only through `ack(id)` (its PUBACK) or as a counted drop;
 * - the last acknowledged payload of every retained topic is kept (`delivered`), in the
 *   transaction that removes it (the caller names the retained messages among its acks, so an
 *   ack of events costs no extra statement): what the broker was last known to hold (an empty
 *   payload deletes a retained message, MQTT 3.1.1 §3.3.1.3, and the entry with it);
 * - `peek` returns messages in id order.
 */
import Database from 'better-sqlite3';
import { QueueTail } from './queue-tail.js';

export interface QueuedMessage {
  readonly id: number;
  readonly topic: string;
  readonly payload: string;
  readonly retain: boolean;
}

export interface NewMessage {
  readonly topic: string;
  readonly retain: boolean;
  /** A function: a sequenced message, its payload built once its sequence number is known. A string: a direct message, no sequence number. */
  readonly payload: string | ((seq: number) => string);
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
  /** The last sequence number handed out to a sequenced message (0 before the first). */
  readonly lastSeq: number;
}

export class DurableQueue {
  private readonly db: Database.Database;
  private readonly maxMessages: number;
  private readonly maxBytes: number;
  private nextSeq: number;
  private nextId: number;
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
    remember: Database.Statement;
    forget: Database.Statement;
    has: Database.Statement;
    delivered: Database.Statement;
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
    migrate(this.db);
    const meta = (key: string): number => (this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: number }).value;
    this.nextSeq = meta('next_seq');
    this.nextId = meta('next_id');
    this.dropped = meta('dropped');
    const agg = this.db.prepare('SELECT COUNT(*) AS n, COALESCE(SUM(bytes), 0) AS b FROM messages').get() as { n: number; b: number };
    this.depth = agg.n;
    this.bytes = agg.b;
    this.tail = new QueueTail(this.nextId - 1);
    this.stmts = {
      insert: this.db.prepare('INSERT INTO messages (id, topic, payload, retain, bytes) VALUES (?, ?, ?, ?, ?)'),
      setMeta: this.db.prepare('UPDATE meta SET value = ? WHERE key = ?'),
      oldest: this.db.prepare('SELECT id, bytes FROM messages ORDER BY id LIMIT 1'),
      del: this.db.prepare('DELETE FROM messages WHERE id = ?'),
      rangeStats: this.db.prepare('SELECT COUNT(*) AS n, COALESCE(SUM(bytes), 0) AS b FROM messages WHERE id BETWEEN ? AND ?'),
      delRange: this.db.prepare('DELETE FROM messages WHERE id BETWEEN ? AND ?'),
      peek: this.db.prepare('SELECT id, topic, payload, retain FROM messages WHERE id > ? ORDER BY id LIMIT ?'),
      remember: this.db.prepare('INSERT OR REPLACE INTO delivered (topic, payload) VALUES (?, ?)'),
      forget: this.db.prepare('DELETE FROM delivered WHERE topic = ?'),
      has: this.db.prepare('SELECT 1 FROM messages WHERE id = ?').pluck(),
      delivered: this.db.prepare('SELECT topic, payload FROM delivered WHERE substr(topic, 1, ?) = ? ORDER BY topic'),
    };
  }

  /** Appends one message; returns its id. */
  append(message: NewMessage): number {
    const [id] = this.appendMany([message]);
    return id ?? 0;
  }

  /**
   * Appends messages in one transaction (one fsync); returns their ids in order.
   * `acks` (ids of delivered messages) are removed in the same transaction: one fsync per turn;
   * `retained`: the retained messages among them, remembered as `delivered`.
   */
  appendMany(messages: readonly NewMessage[], acks: readonly number[] = [], retained: readonly QueuedMessage[] = []): number[] {
    const run = this.db.transaction((list: readonly NewMessage[]) => {
      this.removeAcked(acks, retained);
      const rows: QueuedMessage[] = [];
      for (const m of list) {
        const id = this.nextId++;
        const payload = typeof m.payload === 'string' ? m.payload : m.payload(this.nextSeq++);
        const size = Buffer.byteLength(payload) + Buffer.byteLength(m.topic);
        this.stmts.insert.run(id, m.topic, payload, m.retain ? 1 : 0, size);
        this.depth++;
        this.bytes += size;
        rows.push({ id, topic: m.topic, payload, retain: m.retain });
        this.enforceCap();
      }
      if (list.length > 0) {
        this.stmts.setMeta.run(this.nextSeq, 'next_seq');
        this.stmts.setMeta.run(this.nextId, 'next_id');
        this.stmts.setMeta.run(this.dropped, 'dropped');
      }
      return rows;
    });
    const before = { nextSeq: this.nextSeq, nextId: this.nextId, depth: this.depth, bytes: this.bytes, dropped: this.dropped };
    this.droppedNow = [];
    try {
      const rows = run(messages);
      // committed: now the in-memory tail follows
      this.tail.removed(acks);
      this.tail.appended(rows);
      this.tail.removed(this.droppedNow);
      return rows.map((r) => r.id);
    } catch (e) {
      Object.assign(this, before); // the transaction rolled back: so do the counters
      throw e;
    }
  }

  /** Up to `limit` messages with id > `afterId`, in order. */
  peek(limit: number, afterId = 0): QueuedMessage[] {
    const cached = this.tail.peek(limit, afterId);
    if (cached !== undefined) return cached;
    const rows = this.stmts.peek.all(afterId, limit) as { id: number; topic: string; payload: string; retain: number }[];
    return rows.map((r) => ({ id: r.id, topic: r.topic, payload: r.payload, retain: r.retain === 1 }));
  }

  /** Removes a delivered message (after its PUBACK). Unknown or already dropped: nothing happens. */
  ack(id: number): void {
    this.ackMany([id]);
  }

  /** Removes delivered messages in one transaction (one fsync for a whole turn of PUBACKs); `retained` as in appendMany. */
  ackMany(ids: readonly number[], retained: readonly QueuedMessage[] = []): void {
    if (ids.length === 0) return;
    this.db.transaction(() => this.removeAcked(ids, retained))();
    this.tail.removed(ids);
  }

  /** The last acknowledged payload of each retained topic that starts with `prefix`. */
  delivered(prefix: string): Map<string, string> {
    const rows = this.stmts.delivered.all(prefix.length, prefix) as { topic: string; payload: string }[];
    return new Map(rows.map((r) => [r.topic, r.payload]));
  }

  /** PUBACKs mostly come in runs of consecutive ids: one range statement per run. */
  private removeAcked(ids: readonly number[], retained: readonly QueuedMessage[]): void {
    // in id order: the newest acknowledged payload of a topic replaces the older; an ack of a
    // message no longer queued (acknowledged before) changes nothing
    for (const m of [...retained].sort((a, b) => a.id - b.id)) {
      if (this.stmts.has.get(m.id) === undefined) continue;
      if (m.payload === '') this.stmts.forget.run(m.topic);
      else this.stmts.remember.run(m.topic, m.payload);
    }
    const sorted = [...ids].sort((a, b) => a - b);
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
      const old = this.stmts.oldest.get() as { id: number; bytes: number } | undefined;
      if (old === undefined) return;
      this.stmts.del.run(old.id);
      this.droppedNow.push(old.id);
      this.depth--;
      this.bytes -= old.bytes;
      this.dropped++;
    }
  }
}

/**
 * Creates the tables, or brings a queue file of the first layout (one `seq` column as both the
 * send order and the consumers' sequence number) to this one: the column becomes `id` and the
 * id counter starts where the sequence counter stood, so the queued messages keep their order.
 */
function migrate(db: Database.Database): void {
  const columns = (db.prepare("SELECT name FROM pragma_table_info('messages')").all() as { name: string }[]).map((c) => c.name);
  db.transaction(() => {
    if (columns.includes('seq') && !columns.includes('id')) {
      db.exec('ALTER TABLE messages RENAME COLUMN seq TO id');
      db.exec("INSERT OR IGNORE INTO meta (key, value) SELECT 'next_id', value FROM meta WHERE key = 'next_seq'");
    }
    db.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS announced (topic TEXT PRIMARY KEY);
      CREATE TABLE IF NOT EXISTS delivered (topic TEXT PRIMARY KEY, payload TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS messages (id INTEGER PRIMARY KEY, topic TEXT NOT NULL, payload TEXT NOT NULL, retain INTEGER NOT NULL, bytes INTEGER NOT NULL);
      INSERT OR IGNORE INTO meta (key, value) VALUES ('next_seq', 1), ('next_id', 1), ('dropped', 0);
    `);
  })();
}
