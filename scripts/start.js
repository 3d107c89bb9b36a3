// `npm start`: build, then open the desktop app; where Electron cannot run (no binary, no
// display) say so in one line and start the same app headless in the browser instead.
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const build = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.js')], { stdio: 'inherit', cwd: root });
if (build.status !== 0) process.exit(build.status ?? 1);

function electronBinary() {
  try {
    // The electron package's main export is the path of its binary; it throws when the download failed.
    return { path: createRequire(import.meta.url)('electron') };
  } catch (e) {
    return { reason: /Cannot find module/.test(String(e)) ? 'Electron is not installed (its binary could not be downloaded)' : 'the Electron binary could not be downloaded' };
  }
}

const electron = electronBinary();
const noDisplay = process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY;
if (electron.path && !noDisplay) {
  const child = spawn(electron.path, [root, ...process.argv.slice(2)], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  const why = electron.reason ?? 'there is no display';
  console.log(`SLM Deck: ${why}, so starting headless mode; open the URL below in a browser.`);
  const child = spawn(process.execPath, [path.join(root, 'bin', 'slm-deck.js'), 'serve', '--open', ...process.argv.slice(2)], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
}
