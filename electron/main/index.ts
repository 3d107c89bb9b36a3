import path from 'node:path';
import * as electron from 'electron';
import { createCore } from '../core/app-core';
import { utilityProcessLauncher } from './engine-launcher';
import { startShell } from './shell';

// dist/main/index.cjs: the bundles are siblings under dist/.
const distDir = path.join(__dirname, '..');

startShell(electron, {
  distDir,
  createCore,
  engineLauncher: utilityProcessLauncher(path.join(distDir, 'engine', 'main.cjs')),
});
