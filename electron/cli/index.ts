import { Command } from 'commander';
import { APP_VERSION } from '../core/version';
import { registerChat } from './commands/chat';
import { registerHardware } from './commands/hardware';
import { registerMonitor } from './commands/monitor';
import { registerServe } from './commands/serve';
import { registerSettings } from './commands/settings';
import { registerContainers } from './commands/containers';
import { registerDeploy } from './commands/deploy';
import { registerEngine } from './commands/engine';
import { registerModels } from './commands/models';
import { registerVariant } from './commands/variant';
import { registerBench } from './commands/bench';

const program = new Command()
  .name('slm-deck')
  .description('Deploy and chat with small language models on this machine.')
  .version(APP_VERSION)
  .option('--json', 'machine-readable JSON output')
  .option('--verbose', 'log to the console as well as the log file')
  .showHelpAfterError();

registerServe(program);
registerSettings(program);
registerChat(program);
registerHardware(program);
registerDeploy(program);
registerEngine(program);
registerContainers(program);
registerMonitor(program);
registerModels(program);
registerVariant(program);
registerBench(program);

await program.parseAsync(process.argv);
