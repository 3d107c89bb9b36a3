import net from 'node:net';

/**
 * A TCP relay that delivers a server's reply one SSE/NDJSON event at a time, `delayMs` apart:
 * a slow network link in front of a real server, so a reply from the (very fast) tiny model
 * lasts long enough to stop it, or to kill the server or the app in the middle of it. Bytes
 * pass unchanged and a server's close is passed on after the bytes before it.
 */
export interface SlowLink {
  url: string;
  port: number;
  /** The link drops: bytes still on the way are lost and every connection is reset. */
  cut(): void;
  close(): Promise<void>;
}

export async function startSlowLink(target: { host: string; port: number }, delayMs: number): Promise<SlowLink> {
  const sockets = new Set<net.Socket>();
  const cuts = new Set<() => void>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    sockets.add(client).add(upstream);
    const queue: Buffer[] = [];
    let timer: NodeJS.Timeout | null = null;
    let upstreamEnded = false;
    const pump = () => {
      timer = null;
      const next = queue.shift();
      if (next && !client.destroyed) client.write(next);
      if (queue.length) timer = setTimeout(pump, delayMs);
      else if (upstreamEnded) client.end();
    };
    client.on('data', (d) => upstream.write(d));
    upstream.on('data', (d: Buffer) => {
      // Cut after every blank line (SSE) or newline-terminated JSON line (NDJSON).
      let start = 0;
      for (let i = 0; i < d.length; i++) {
        if (d[i] === 0x0a && (d[i - 1] === 0x0a || d[i - 1] === 0x7d || (d[i - 1] === 0x0d && d[i - 2] === 0x0a))) {
          queue.push(d.subarray(start, i + 1));
          start = i + 1;
        }
      }
      if (start < d.length) queue.push(d.subarray(start));
      timer ??= setTimeout(pump, delayMs);
    });
    const cut = () => {
      if (timer) clearTimeout(timer);
      queue.length = 0;
      client.destroy();
      upstream.destroy();
      cuts.delete(cut);
    };
    cuts.add(cut);
    upstream.on('end', () => {
      upstreamEnded = true;
      timer ??= setTimeout(pump, delayMs);
    });
    upstream.on('error', cut);
    client.on('close', cut);
    client.on('error', cut);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    cut: () => {
      for (const c of [...cuts]) c();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
