import { describe, expect, it } from 'vitest';
import { ChatOutput, type ChatEvent } from '../../electron/engine/chat-output';
import { mayBeToolCall, parseToolCalls, toolCallsAsText, toolsForSystemTurn } from '../../electron/engine/tool-calls';

const calls = (text: string) => parseToolCalls(text)?.toolCalls.map((c) => ({ name: c.function.name, args: JSON.parse(c.function.arguments) as unknown }));

describe('parseToolCalls', () => {
  it('reads Phi-4-mini <|tool_call|> blocks, arguments as a JSON string', () => {
    const r = parseToolCalls('<|tool_call|>[{"name": "calculate_circle_area", "arguments": {"radius": 5}}]<|/tool_call|>');
    expect(r?.content).toBeNull();
    expect(r?.toolCalls).toHaveLength(1);
    expect(r?.toolCalls[0]).toMatchObject({ type: 'function', function: { name: 'calculate_circle_area', arguments: '{"radius":5}' } });
    expect(r?.toolCalls[0].id).toMatch(/^call_[0-9a-f]{24}$/);
  });

  it('reads several calls, a single object, an unclosed block and text around them', () => {
    expect(calls('<|tool_call|>[{"name":"a","arguments":{}},{"name":"b","arguments":{"x":1}}]<|/tool_call|>')).toEqual([
      { name: 'a', args: {} },
      { name: 'b', args: { x: 1 } },
    ]);
    expect(calls('<|tool_call|>{"name":"a","arguments":{"q":"z"}}<|/tool_call|>')).toEqual([{ name: 'a', args: { q: 'z' } }]);
    expect(calls('<|tool_call|>[{"name":"a","arguments":{}}]')).toEqual([{ name: 'a', args: {} }]);
    expect(parseToolCalls('Let me check. <|tool_call|>[{"name":"a","arguments":{}}]<|/tool_call|>')?.content).toBe('Let me check.');
  });

  it('reads functools[...] (vLLM phi4_mini_json) and a bare JSON list (special tokens stripped)', () => {
    expect(calls('functools[{"name": "get_weather", "arguments": {"city": "Hanoi"}}]')).toEqual([{ name: 'get_weather', args: { city: 'Hanoi' } }]);
    expect(calls(' [{"name": "get_weather", "arguments": {"city": "Hue"}}] ')).toEqual([{ name: 'get_weather', args: { city: 'Hue' } }]);
  });

  it('keeps string arguments as given and accepts "parameters" for "arguments"', () => {
    expect(parseToolCalls('[{"name":"a","arguments":"{\\"k\\": 1}"}]')?.toolCalls[0].function.arguments).toBe('{"k": 1}');
    expect(calls('[{"name":"a","parameters":{"k":2}}]')).toEqual([{ name: 'a', args: { k: 2 } }]);
    expect(calls('[{"name":"a"}]')).toEqual([{ name: 'a', args: {} }]);
  });

  it('returns null for plain answers and malformed calls', () => {
    expect(parseToolCalls('Hello! I am a tiny demo model.')).toBeNull();
    expect(parseToolCalls('[1, 2, 3]')).toBeNull();
    expect(parseToolCalls('[{"arguments": {}}]')).toBeNull();
    expect(parseToolCalls('<|tool_call|>[{"name": "a", "arguments": {]<|/tool_call|>')).toBeNull();
    expect(parseToolCalls('functools[oops')).toBeNull();
    expect(parseToolCalls('')).toBeNull();
  });
});

describe('tool text for the prompt', () => {
  it('lists OpenAI function definitions as Phi-4-mini expects them in the system turn', () => {
    const text = toolsForSystemTurn([
      { type: 'function', function: { name: 'f', description: 'does f', parameters: { type: 'object', properties: { a: { type: 'number' } } } } },
      { type: 'function', function: { name: 'g' } },
    ]);
    expect(JSON.parse(text)).toEqual([
      { name: 'f', description: 'does f', parameters: { type: 'object', properties: { a: { type: 'number' } } } },
      { name: 'g' },
    ]);
  });

  it('writes an earlier assistant tool call back in the model format, which parses again', () => {
    const text = toolCallsAsText([{ function: { name: 'f', arguments: '{"a":1}' } }, { function: { name: 'g', arguments: 'not json' } }]);
    expect(text).toBe('<|tool_call|>[{"name":"f","arguments":{"a":1}},{"name":"g","arguments":"not json"}]<|/tool_call|>');
    expect(parseToolCalls(text)?.toolCalls.map((c) => c.function)).toEqual([
      { name: 'f', arguments: '{"a":1}' },
      { name: 'g', arguments: 'not json' },
    ]);
  });

  it("parses Phi-4-mini's un-bracketed multi-call form", () => {
    const r = parseToolCalls('<|tool_call|>{"name": "f", "arguments": {"a": 1}}, {"name": "g", "arguments": {}}<|/tool_call|>');
    expect(r?.toolCalls.map((c) => c.function)).toEqual([
      { name: 'f', arguments: '{"a":1}' },
      { name: 'g', arguments: '{}' },
    ]);
    expect(r?.content).toBeNull();
    expect(parseToolCalls('<|tool_call|>{"name": "f", "arguments": {}}, {"name": "g", "arguments": {}}<|/tool_call|>', new Set(['f']))).toBeNull();
  });

  it('tells while streaming whether an output start may still become a tool call', () => {
    for (const s of ['', '  ', '<|tool', '<|tool_call|>[{', 'funct', 'functools[', '[{"na']) expect(mayBeToolCall(s)).toBe(true);
    for (const s of ['Hello', ' The answer', '<|end', 'function']) expect(mayBeToolCall(s)).toBe(false);
  });
});

describe('ChatOutput', () => {
  function route(toolsEnabled: boolean, deltas: string[]) {
    const events: ChatEvent[] = [];
    const out = new ChatOutput(toolsEnabled ? new Set(['calculate_circle_area', 'f']) : undefined, (e) => events.push(e));
    const seenBeforeEnd: ChatEvent[][] = [];
    for (const d of deltas) {
      out.push(d);
      seenBeforeEnd.push([...events]);
    }
    return { final: out.finish(), events, seenBeforeEnd };
  }

  it('streams plain text at once when tools are enabled', () => {
    const r = route(true, ['Hel', 'lo', ' there']);
    expect(r.seenBeforeEnd[1]).toEqual([
      { type: 'content', text: 'Hel' },
      { type: 'content', text: 'lo' },
    ]);
    expect(r.final).toEqual({ content: 'Hello there', toolCalls: [], truncated: false });
  });

  it('buffers a tool call and emits it as one event at the end', () => {
    const r = route(true, ['<|tool_call|>', '[{"name": "calculate_circle_area", ', '"arguments": {"radius": 5}}]', '<|/tool_call|>']);
    expect(r.seenBeforeEnd.at(-1)).toEqual([]);
    expect(r.events).toHaveLength(1);
    expect(r.events[0].type).toBe('tool_calls');
    expect(r.final.content).toBeNull();
    expect(r.final.toolCalls[0].function).toEqual({ name: 'calculate_circle_area', arguments: '{"radius":5}' });
  });

  it('switches to buffering when a marker appears after some text', () => {
    const r = route(true, ['Sure. <|to', 'ol_call|>[{"name":"f","arguments":{}}]<|/tool_call|>']);
    expect(r.seenBeforeEnd[0]).toEqual([{ type: 'content', text: 'Sure. ' }]);
    expect(r.final.toolCalls.map((c) => c.function.name)).toEqual(['f']);
    expect(r.final.content).toBe('Sure. ');
  });

  it('falls back to content when buffered output is not a tool call', () => {
    const r = route(true, ['[1, 2]', ' is a list']);
    expect(r.final).toEqual({ content: '[1, 2] is a list', toolCalls: [], truncated: false });
    expect(r.events).toEqual([{ type: 'content', text: '[1, 2] is a list' }]);
  });

  it('returns a call to a function the request did not declare as text, never as a tool call', () => {
    const text = '<|tool_call|>[{"name": "rm_rf", "arguments": {}}]<|/tool_call|>';
    const r = route(true, [text]);
    expect(r.final).toEqual({ content: text, toolCalls: [], truncated: false });
  });

  it('carries token logprobs on the event that shows their text', () => {
    const events: ChatEvent[] = [];
    const out = new ChatOutput(undefined, (e) => events.push(e));
    const lp = (id: number) => ({ id, logprob: -1, top: [] });
    out.push('', [lp(1)]);
    out.push('Hi', [lp(2)]);
    out.finish();
    expect(events).toEqual([{ type: 'content', text: 'Hi', logprobs: [lp(1), lp(2)] }]);
  });

  it('cut off by max_tokens, a call in progress comes back as that call with its partial arguments, not as marker text', () => {
    const events: ChatEvent[] = [];
    const out = new ChatOutput(new Set(['calculate_circle_area']), (e) => events.push(e));
    for (const d of ['<|tool_call|>[{"name": "calculate_circle_area", ', '"arguments": {"radius": 2']) out.push(d);
    const final = out.finish(true);
    expect(final).toMatchObject({ content: null, truncated: true });
    expect(final.toolCalls).toEqual([expect.objectContaining({ type: 'function', function: { name: 'calculate_circle_area', arguments: '{"radius": 2' } })]);
    expect(events.map((e) => e.type)).toEqual(['tool_calls']);
    // Text before the call stays content; a name not yet complete, or not declared, is text as before.
    const text = (deltas: string[], forced?: string) => {
      const o = new ChatOutput(new Set(['f']), () => {}, forced);
      for (const d of deltas) o.push(d);
      return o.finish(true);
    };
    expect(text(['Let me check. <|tool_call|>[{"name": "f", "argu'])).toMatchObject({ content: 'Let me check. ', truncated: true, toolCalls: [{ function: { name: 'f', arguments: '' } }] });
    // Cut before the name: the function tool_choice forces, else no call and no markup as content.
    expect(text(['<|tool_call|>[{"na'], 'f')).toMatchObject({ content: null, truncated: true, toolCalls: [{ function: { name: 'f', arguments: '' } }] });
    expect(text(['Sure. <|tool_call|>[{"name": "ca'])).toEqual({ content: 'Sure. ', toolCalls: [], truncated: false });
    expect(text(['<|tool_call|>[{"name": "g", "arguments": {'])).toEqual({ content: '', toolCalls: [], truncated: false });
    // Output that may be a list or prose, cut: stays text.
    expect(text(['[1, 2, 3'])).toEqual({ content: '[1, 2, 3', toolCalls: [], truncated: false });
    // Not cut: an unfinished call is not guessed at.
    const whole = new ChatOutput(new Set(['f']), () => {});
    whole.push('<|tool_call|>[{"name": "f", "arguments": {');
    expect(whole.finish()).toMatchObject({ toolCalls: [], truncated: false });
  });

  it('never parses tool calls when the request had no tools', () => {
    const r = route(false, ['[{"name":"f","arguments":{}}]']);
    expect(r.final.toolCalls).toEqual([]);
    expect(r.final.content).toBe('[{"name":"f","arguments":{}}]');
  });
});
