import net from 'node:net';

/** Sends bytes as they are (no client-side URL or header checks) and returns the status of the reply; null when the server closed without one. */
export function rawRequest(port: number, bytes: string): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let reply = '';
    const done = () => {
      socket.destroy();
      const m = /^HTTP\/1\.1 (\d{3})/.exec(reply);
      resolve(m ? Number(m[1]) : null);
    };
    socket.setEncoding('latin1');
    socket.on('connect', () => socket.write(bytes, 'latin1'));
    socket.on('data', (d: string) => {
      reply += d;
      if (reply.includes('\r\n')) done();
    });
    socket.on('end', done);
    socket.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' ? done() : reject(e)));
  });
}

export function requestBytes(method: string, target: string, headers: Record<string, string>): string {
  const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}`);
  return `${method} ${target} HTTP/1.1\r\n${lines.join('\r\n')}${lines.length ? '\r\n' : ''}Connection: close\r\n\r\n`;
}
