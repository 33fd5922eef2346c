import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { DurableQueue, type NewMessage, type QueuedMessage } from './durable-queue.js';

const msg = (topic: string, body = 'x'): NewMessage => ({ topic, retain: false, payload: (seq) => JSON.stringify({ seq, body }) });

describe('DurableQueue', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'uplink-queue-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('hands out increasing sequence numbers and peeks in order', () => {
    const q = new DurableQueue(join(dir, 'q.db'));
    expect(q.appendMany([msg('a'), msg('b'), msg('c')])).toEqual([1, 2, 3]);
    expect(q.peek(10).map((m) => m.topic)).toEqual(['a', 'b', 'c']);
    expect(q.peek(10, 1).map((m) => m.id)).toEqual([2, 3]);
    expect(JSON.parse(q.peek(1)[0]?.payload ?? '{}')).toEqual({ seq: 1, body: 'x' });
    q.close();
  });

  it('keeps messages, sequence and drop count across close and reopen', () => {
    const file = join(dir, 'q.db');
    const q1 = new DurableQueue(file, { maxMessages: 3 });
    for (const t of ['a', 'b', 'c', 'd']) q1.append(msg(t));
    q1.ack(3);
    q1.close();
    const q2 = new DurableQueue(file, { maxMessages: 3 });
    expect(q2.stats()).toEqual({ depth: 2, bytes: expect.any(Number) as number, dropped: 1, lastSeq: 4 });
    expect(q2.peek(10).map((m) => m.id)).toEqual([2, 4]);
    expect(q2.append(msg('e'))).toBe(5);
    q2.close();
  });

  it('a message leaves only when acked', () => {
    const q = new DurableQueue(join(dir, 'q.db'));
    q.append(msg('a'));
    q.append(msg('b'));
    expect(q.peek(10)).toHaveLength(2);
    q.ack(1);
    q.ack(1); // twice: harmless
    q.ack(99); // unknown: harmless
    expect(q.peek(10).map((m) => m.topic)).toEqual(['b']);
    expect(q.stats().depth).toBe(1);
    q.close();
  });

  it('acks runs and gaps in one call, and together with appends, keeping depth and bytes exact', () => {
    const file = join(dir, 'q.db');
    const q = new DurableQueue(file);
    for (let i = 0; i < 10; i++) q.append(msg(`t${i}`));
    q.ackMany([7, 2, 3, 4, 9, 42]);
    expect(q.peek(100).map((m) => m.id)).toEqual([1, 5, 6, 8, 10]);
    expect(q.appendMany([msg('t10')], [1, 5, 6])).toEqual([11]);
    expect(q.peek(100).map((m) => m.id)).toEqual([8, 10, 11]);
    const { depth, bytes } = q.stats();
    q.close();
    const reopened = new DurableQueue(file);
    expect(reopened.stats()).toMatchObject({ depth, bytes, lastSeq: 11 });
    expect(depth).toBe(3);
    reopened.close();
  });

  it('drops the oldest first when the count cap is reached, and counts the drops', () => {
    const q = new DurableQueue(join(dir, 'q.db'), { maxMessages: 5 });
    for (let i = 0; i < 12; i++) q.append(msg(`t${i}`));
    expect(q.peek(100).map((m) => m.topic)).toEqual(['t7', 't8', 't9', 't10', 't11']);
    expect(q.stats().dropped).toBe(7);
    q.close();
  });

  it('drops the oldest first when the byte cap is reached', () => {
    const q = new DurableQueue(join(dir, 'q.db'), { maxBytes: 300 });
    for (let i = 0; i < 10; i++) q.append(msg(`t${i}`, 'y'.repeat(80)));
    const stats = q.stats();
    expect(stats.bytes).toBeLessThanOrEqual(300);
    expect(stats.depth + stats.dropped).toBe(10);
    expect(q.peek(100).at(-1)?.topic).toBe('t9');
    q.close();
  });

  it('peeks from memory exactly what is on disk, through appends, acks, drops and windows', () => {
    // The in-memory tail (queue-tail.ts) must agree with SQLite: compare with a reopened queue,
    // which can only read the disk.
    const file = join(dir, 'q.db');
    const q = new DurableQueue(file, { maxMessages: 40 });
    let rnd = 7;
    const next = (n: number): number => ((rnd = (rnd * 1103515245 + 12345) % 2 ** 31), rnd % n);
    for (let round = 0; round < 200; round++) {
      const appends = Array.from({ length: next(6) }, (_, i) => msg(`r${round}-${i}`));
      const visible = q.peek(1000).map((m) => m.id);
      const acks = visible.filter(() => next(3) === 0);
      q.appendMany(appends, acks);
    }
    const afterSeqs = [0, ...q.peek(1000).map((m) => m.id)];
    const fromMemory = afterSeqs.map((a) => q.peek(7, a));
    q.close();
    const reopened = new DurableQueue(file, { maxMessages: 40 });
    expect(fromMemory).toEqual(afterSeqs.map((a) => reopened.peek(7, a)));
    expect(fromMemory[0]?.length).toBeGreaterThan(0);
    reopened.close();
  });

  it('gives sequence numbers only to sequenced messages: a direct message takes a place in the order, not a seq', () => {
    const q = new DurableQueue(join(dir, 'q.db'));
    const direct: NewMessage = { topic: 'homeassistant/sensor/x/config', retain: true, payload: '{"name":"x"}' };
    expect(q.appendMany([msg('a'), direct, direct, msg('b')])).toEqual([1, 2, 3, 4]);
    expect(q.peek(10).map((m) => (JSON.parse(m.payload) as { seq?: number }).seq)).toEqual([1, undefined, undefined, 2]);
    expect(q.stats().lastSeq).toBe(2);
    q.close();
    const reopened = new DurableQueue(join(dir, 'q.db'));
    expect(reopened.appendMany([msg('c')])).toEqual([5]);
    expect(JSON.parse(reopened.peek(1, 4)[0]?.payload ?? '{}')).toMatchObject({ seq: 3 });
    reopened.close();
  });

  it('remembers the last acknowledged payload of each retained topic, across a reopen; an empty payload forgets it', () => {
    const file = join(dir, 'q.db');
    const q = new DurableQueue(file);
    const state = (topic: string, v: number): NewMessage => ({ topic, retain: true, payload: (seq) => JSON.stringify({ seq, v }) });
    q.appendMany([state('pia/gw/a/state', 1), state('pia/gw/b/state', 1), state('pia/gw/a/state', 2), msg('pia/gw/a/event'), state('other/c/state', 1)]);
    const rows = new Map(q.peek(10).map((m) => [m.id, m]));
    const retained = (...ids: number[]): QueuedMessage[] => ids.map((id) => rows.get(id)).filter((m) => m !== undefined);
    expect(q.delivered('pia/gw/')).toEqual(new Map());
    q.ackMany([1, 2, 4, 5], retained(2, 1, 5)); // the second state of a is not acknowledged yet
    expect(q.delivered('pia/gw/')).toEqual(new Map([['pia/gw/a/state', '{"seq":1,"v":1}'], ['pia/gw/b/state', '{"seq":2,"v":1}']]));
    const [removal] = q.appendMany([{ topic: 'pia/gw/b/state', retain: true, payload: '' }], [3], retained(3));
    q.ackMany([removal ?? 0], q.peek(1, 5));
    q.ackMany([1, 2], retained(1)); // acknowledged twice (a PUBACK after a reconnect): the newer entry stays
    q.close();
    const reopened = new DurableQueue(file);
    expect(reopened.delivered('pia/gw/')).toEqual(new Map([['pia/gw/a/state', '{"seq":3,"v":2}']]));
    expect(reopened.delivered('other/')).toEqual(new Map([['other/c/state', '{"seq":5,"v":1}']]));
    reopened.close();
  });

  it('opens a queue file of the first layout (one seq column): its messages keep their order, seq and id continue', () => {
    const file = join(dir, 'old.db');
    const db = new Database(file);
    db.exec(`
      CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
      CREATE TABLE announced (topic TEXT PRIMARY KEY);
      CREATE TABLE messages (seq INTEGER PRIMARY KEY, topic TEXT NOT NULL, payload TEXT NOT NULL, retain INTEGER NOT NULL, bytes INTEGER NOT NULL);
      INSERT INTO meta (key, value) VALUES ('next_seq', 8), ('dropped', 2);
      INSERT INTO messages VALUES (6, 'pia/gw/d/event', '{"seq":6}', 0, 23), (7, 'pia/gw/d/event', '{"seq":7}', 0, 23);
    `);
    db.close();
    const q = new DurableQueue(file);
    expect(q.stats()).toEqual({ depth: 2, bytes: 46, dropped: 2, lastSeq: 7 });
    expect(q.peek(10).map((m) => m.id)).toEqual([6, 7]);
    expect(q.appendMany([msg('pia/gw/d/event')])).toEqual([8]);
    expect(JSON.parse(q.peek(10, 7)[0]?.payload ?? '{}')).toMatchObject({ seq: 8 });
    q.ackMany([6, 7, 8]);
    expect(q.stats().depth).toBe(0);
    q.close();
  });

  it('names the file and the fix when it cannot open', () => {
    expect(() => new DurableQueue(join(dir, 'missing-dir', 'q.db'))).toThrow(/missing-dir.*writable/);
  });
});
