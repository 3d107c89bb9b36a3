import { describe, expect, it } from 'vitest';
import { daemonMessage, toDeckError } from '../../electron/core/docker/errors';

const httpError = (statusCode: number, message: string, json?: unknown) => Object.assign(new Error(message), { statusCode, json });

describe('Docker errors for people', () => {
  it('keeps the daemon’s own words, without dockerode’s wrapper', () => {
    expect(daemonMessage(httpError(404, '(HTTP code 404) unexpected - manifest for x:1 not found: manifest unknown '))).toBe('manifest for x:1 not found: manifest unknown');
    expect(daemonMessage(httpError(404, '(HTTP code 404) no such container - No such container: abc ', { message: 'No such container: abc' }))).toBe('No such container: abc');
  });

  it('maps connection failures, missing objects and conflicts to codes with hints', () => {
    const lost = toDeckError(Object.assign(new Error('connect ECONNREFUSED /var/run/docker.sock'), { code: 'ECONNREFUSED' }), 'list deployments');
    expect(lost).toMatchObject({ code: 'docker_unavailable', message: 'Lost the connection to Docker while trying to list deployments (ECONNREFUSED).' });
    expect(toDeckError(httpError(404, 'x', { message: 'No such container: y' }), 'stop y')).toMatchObject({ code: 'not_found', message: 'Could not stop y: No such container: y' });
    expect(toDeckError(httpError(409, 'x', { message: 'name in use' }), 'create y').code).toBe('conflict');
    expect(toDeckError(httpError(500, 'x', { message: 'driver failed' }), 'start y')).toMatchObject({ code: 'docker_error', hint: expect.any(String) });
  });

  it('reports a cancelled call as cancelled', () => {
    const ac = new AbortController();
    ac.abort();
    expect(toDeckError(Object.assign(new Error('aborted'), { name: 'AbortError' }), 'pull x', ac.signal).code).toBe('cancelled');
  });
});
