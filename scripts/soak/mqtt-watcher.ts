/**
 * The soak's MQTT watcher, a process of its own (docs/soak.md, "MQTT delivered"): subscribes to
 * a gateway's topics on the broker and counts what arrives, so the soak compares it with what
 * the gateway says it published.
 *
 * Usage: `mqtt-watcher.ts URL PREFIX/GATEWAY_ID` — prints one JSON line `{"type":"subscribed"}`
 * at its first SUBACK, then `{"type":"status", …}` every 2 s and once more on SIGTERM (exit 0).
 *
 * Must hold:
 * 1. a persistent session (clean: false, a fixed client ID) at QoS 1, so a broker stopped and
 *    started again keeps the messages the gateway sent it for this watcher while it was away
 *    (Mosquitto persistence; firmware/uplink/README.md "Store and forward");
 * 2. delivery is at least once: messages are counted by their `seq` (one counter per gateway
 *    over `state` and `event`, firmware/uplink/README.md "Topics"), each seq once; a retained
 *    copy or a re-send is a duplicate, counted apart;
 * 3. the gateway's retained `health` (queueDepth, dropped, lastSeq) is kept as last seen.
 */
import mqtt from 'mqtt';

const [url, base] = process.argv.slice(2);
if (url === undefined || base === undefined) {
  process.stderr.write('usage: mqtt-watcher.ts mqtt://[ADDR]:PORT PREFIX/GATEWAY_ID\n');
  process.exit(2);
}

const seqs = new Set<number>();
let messages = 0;
let duplicates = 0;
let minSeq: number | undefined;
let maxSeq: number | undefined;
let connects = 0;
let health: unknown;
let connected = false;

const client = mqtt.connect(url, { clientId: `soak-watcher-${base.replace(/[^A-Za-z0-9]/g, '').slice(-12)}`, clean: false, reconnectPeriod: 300, connectTimeout: 5_000 });
client.on('connect', (ack) => {
  connects++;
  connected = true;
  if (ack.sessionPresent && connects > 1) return; // rule 1: the broker kept the subscription
  client.subscribe([`${base}/+/state`, `${base}/+/event`, `${base}/health`], { qos: 1 }, (err) => {
    if (err) process.stderr.write(`mqtt-watcher: subscribe failed: ${err.message}\n`);
    else if (connects === 1) line({ type: 'subscribed' });
  });
});
client.on('close', () => (connected = false));
client.on('error', () => undefined); // reconnects; the soak reads `connected`
client.on('message', (topic, payload) => {
  messages++;
  let body: unknown;
  try {
    body = JSON.parse(payload.toString('utf8'));
  } catch {
    return;
  }
  if (topic.endsWith('/health')) {
    health = body;
    return;
  }
  const seq = (body as { seq?: unknown }).seq;
  if (typeof seq !== 'number') return;
  if (seqs.has(seq)) {
    duplicates++;
    return;
  }
  seqs.add(seq);
  minSeq = minSeq === undefined ? seq : Math.min(minSeq, seq);
  maxSeq = maxSeq === undefined ? seq : Math.max(maxSeq, seq);
});

function line(o: object): void {
  process.stdout.write(`${JSON.stringify(o)}\n`);
}

function status(): void {
  line({ type: 'status', messages, delivered: seqs.size, duplicates, minSeq: minSeq ?? null, maxSeq: maxSeq ?? null, connected, connects, health: health ?? null });
}

const timer = setInterval(status, 2_000);
process.on('SIGTERM', () => {
  clearInterval(timer);
  status();
  client.end(true, {}, () => process.exit(0));
});
