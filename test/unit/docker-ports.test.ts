import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkPort, listeningInodes, tryListen } from '../../electron/core/docker/ports';

const held: net.Server[] = [];
afterAll(() => held.forEach((s) => s.close()));

async function hold(host = '127.0.0.1'): Promise<number> {
  const srv = net.createServer();
  held.push(srv);
  await new Promise<void>((r) => srv.listen(0, host, r));
  return (srv.address() as net.AddressInfo).port;
}

describe('port check', () => {
  it('says a free port is free', async () => {
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as net.AddressInfo).port;
    await new Promise((r) => srv.close(r));
    expect(await checkPort('127.0.0.1', port)).toMatchObject({ free: true, holder: null, suggestion: null });
  });

  it('names the process holding a port and suggests a free one', async () => {
    const port = await hold();
    const c = await checkPort('127.0.0.1', port);
    expect(c.free).toBe(false);
    // The holder is found through /proc, which only Linux has; elsewhere the message stays general.
    if (process.platform === 'linux') {
      expect(c.holder?.pid).toBe(process.pid);
      // The process name, not the command line (which would show this runner's arguments).
      expect(c.holder?.command).toBe(readFileSync('/proc/self/comm', 'utf8').trim());
      expect(c.holder?.command).not.toContain(' ');
      expect(c.message).toContain(`(pid ${process.pid})`);
    } else {
      expect(c.holder).toBeNull();
    }
    expect(c.message).toMatch(/already in use by/);
    expect(c.suggestion).toBeGreaterThan(port);
    // Without /proc (another OS) the holder is not guessed.
    expect((await checkPort('127.0.0.1', port, { platform: 'darwin' })).message).toBe(`Port ${port} on 127.0.0.1 is already in use by another program.`);
    expect(await tryListen('127.0.0.1', c.suggestion!)).toBeNull();
  });

  it('counts a port a container publishes as taken, and skips such ports in the suggestion', async () => {
    // Docker may forward a published port without any listener on the host.
    const port = await hold();
    await new Promise((r) => held.pop()!.close(r));
    const c = await checkPort('127.0.0.1', port, { dockerPorts: new Map([[port, 'slm-deck-ollama'], [port + 1, 'other']]) });
    expect(c).toMatchObject({ free: false, holder: { container: 'slm-deck-ollama' } });
    expect(c.message).toBe(`Port ${port} on 127.0.0.1 is already in use by the container slm-deck-ollama.`);
    expect(c.suggestion).toBeGreaterThan(port + 1);
  });

  it('on a remote Docker host, judges by the ports its containers publish, not by this machine’s listeners', async () => {
    const local = await hold();
    expect(await checkPort('127.0.0.1', local, { remote: true })).toMatchObject({
      free: true,
      message: `Port ${local} on 127.0.0.1 of the Docker host is free.`,
    });
    const c = await checkPort('127.0.0.1', 8000, { remote: true, dockerPorts: new Map([[8000, 'slm-deck-vllm-cpu'], [8001, 'other']]) });
    expect(c).toMatchObject({ free: false, holder: { container: 'slm-deck-vllm-cpu' }, suggestion: 8002 });
    expect(c.message).toBe('Port 8000 on 127.0.0.1 of the Docker host is already in use by the container slm-deck-vllm-cpu.');
  });

  it('says when the address is not one of this machine’s', async () => {
    const c = await checkPort('192.0.2.77', 18080);
    expect(c).toMatchObject({ free: false, suggestion: null });
    expect(c.message).toMatch(/not an address of this machine/);
  });

  it('reads listening sockets from /proc/net/tcp and tcp6', async () => {
    const proc = mkdtempSync(path.join(os.tmpdir(), 'slm-proc-'));
    mkdirSync(path.join(proc, 'net'));
    const header = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
    writeFileSync(
      path.join(proc, 'net', 'tcp'),
      header +
        '   0: 0100007F:2CAA 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 41234 1 0000000000000000 100 0 0 10 0\n' +
        '   1: 0100007F:2CAA 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 41299 1 0000000000000000 20 4 30 10 -1\n',
    );
    writeFileSync(
      path.join(proc, 'net', 'tcp6'),
      header + '   0: 00000000000000000000000000000000:2CAA 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 55555 1 0000000000000000 100 0 0 10 0\n',
    );
    // 0x2CAA = 11434; only LISTEN (0A) rows count, the established one does not.
    expect(await listeningInodes(11434, proc)).toEqual(['41234', '55555']);
    expect(await listeningInodes(8000, proc)).toEqual([]);
  });
});
