import { describe, expect, it } from 'vitest';
import { htmlSummary } from '../../electron/core/chat/protocols/http';
import { benchOutcome } from '../../electron/shared/contract/bench';
import type { ChatBackend } from '../../electron/shared/contract/chat';
import { distinctServers } from '../../renderer/src/features/benchmark/distinct-servers';

describe('benchmark wording', () => {
  it('a completed run with a failed backend is partial', () => {
    expect(benchOutcome('completed', [{ status: 'ok' }, { status: 'failed' }])).toBe('partial');
    expect(benchOutcome('completed', [{ status: 'ok' }])).toBe('completed');
    expect(benchOutcome('cancelled', [{ status: 'failed' }])).toBe('cancelled');
  });

  it('an HTML error page is summarised by its title, never pasted', () => {
    const page = '<!DOCTYPE html>\n<html><head><title>502 Bad\n  Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr>nginx</body></html>';
    expect(htmlSummary(page)).toBe('an HTML error page ("502 Bad Gateway")');
    expect(htmlSummary('<html><body><h1>404 <b>Not</b> Found</h1></body></html>')).toBe('an HTML error page ("404 Not Found")');
    expect(htmlSummary('<html><body>oops</body></html>')).toBe('an HTML error page');
    expect(htmlSummary('{"error":"model not found"}')).toBeUndefined();
    expect(htmlSummary('Bad <gateway>')).toBeUndefined();
  });

  it('the same server reached two ways is offered once, as its deployment', () => {
    const b = (id: string, source: string, baseUrl: string, kind: ChatBackend['kind'] = 'ollama') => ({ id, label: id, baseUrl, kind, source, removable: false }) as ChatBackend;
    const list = [b('ollama', 'settings', 'http://localhost:11434'), b('docker:ollama', 'docker', 'http://127.0.0.1:11434/'), b('custom:a', 'custom', 'http://127.0.0.1:8000/v1', 'openai')];
    expect(distinctServers(list).map((x) => x.id)).toEqual(['docker:ollama', 'custom:a']);
  });
});
