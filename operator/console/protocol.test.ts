/** The page's messages: each field checked, a refusal naming the field and the fix, never a throw. */
import { describe, expect, it } from 'vitest';
import { parsePageMessage } from './protocol.js';

describe('parsePageMessage', () => {
  it('accepts hello, set and call as the page sends them', () => {
    expect(parsePageMessage('{"type":"hello","token":"abc"}')).toEqual({ ok: true, message: { type: 'hello', token: 'abc' } });
    expect(parsePageMessage(JSON.stringify({ type: 'set', id: 'p1', gateway: '127.0.0.1:4500', device: 'rack-fan', property: 'speed', value: 80 }))).toEqual({
      ok: true,
      message: { type: 'set', id: 'p1', gateway: '127.0.0.1:4500', device: 'rack-fan', property: 'speed', value: 80 },
    });
    expect(parsePageMessage(JSON.stringify({ type: 'call', id: 'p2', gateway: '[::1]:4500', device: 'front-door', action: 'unlock', params: { seconds: 5 } }))).toEqual({
      ok: true,
      message: { type: 'call', id: 'p2', gateway: '[::1]:4500', device: 'front-door', action: 'unlock', params: { seconds: 5 } },
    });
    expect(parsePageMessage(JSON.stringify({ type: 'call', id: 'p3', gateway: 'g:1', device: 'd', action: 'lock' }))).toMatchObject({ ok: true, message: { params: {} } });
  });

  it('refuses what is not a message, naming the problem and the fix', () => {
    expect(parsePageMessage('not json')).toEqual({ ok: false, problem: expect.stringMatching(/not JSON/) });
    expect(parsePageMessage('[1,2]')).toEqual({ ok: false, problem: expect.stringMatching(/not a JSON object/) });
    expect(parsePageMessage('{"type":"explode","id":"x"}')).toEqual({ ok: false, id: 'x', problem: expect.stringMatching(/unknown message type "explode".*"hello", "set" or "call"/) });
    expect(parsePageMessage('{"type":"hello"}')).toMatchObject({ ok: false, problem: expect.stringMatching(/token/) });
  });

  it('refuses each bad field of set and call by name, keeping the id for the result', () => {
    const set = { type: 'set', id: 'a1', gateway: 'g:1', device: 'fan', property: 'speed', value: 1 };
    expect(parsePageMessage(JSON.stringify({ ...set, id: 'bad id!' }))).toMatchObject({ ok: false, problem: expect.stringMatching(/"id"/) });
    expect(parsePageMessage(JSON.stringify({ ...set, device: '' }))).toEqual({ ok: false, id: 'a1', problem: expect.stringMatching(/"device"/) });
    expect(parsePageMessage(JSON.stringify({ ...set, property: 'x'.repeat(200) }))).toMatchObject({ ok: false, problem: expect.stringMatching(/"property"/) });
    expect(parsePageMessage(JSON.stringify({ ...set, value: { nested: 1 } }))).toMatchObject({ ok: false, problem: expect.stringMatching(/"value"/) });
    const call = { type: 'call', id: 'c1', gateway: 'g:1', device: 'door', action: 'unlock' };
    expect(parsePageMessage(JSON.stringify({ ...call, params: [1] }))).toMatchObject({ ok: false, id: 'c1', problem: expect.stringMatching(/"params"/) });
    expect(parsePageMessage(JSON.stringify({ ...call, params: { seconds: [5] } }))).toMatchObject({ ok: false, problem: expect.stringMatching(/"params"/) });
    expect(parsePageMessage(JSON.stringify({ ...call, action: 7 }))).toMatchObject({ ok: false, problem: expect.stringMatching(/"action"/) });
  });
});
