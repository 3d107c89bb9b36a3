import { Command } from 'commander';
import { APP_VERSION } from '../core/version';
import { registerServe } from './commands/serve';
import { registerSettings } from './commands/settings';

const program = new Command()
  .name('slm-deck')
  .description('Deploy and chat with small language models on this machine.')
  .version(APP_VERSION)
  .option('--json', 'machine-readable JSON output')
  .option('--verbose', 'log to the console as well as the log file')
  .showHelpAfterError();

registerServe(program);
registerSettings(program);

await program.parseAsync(process.argv);
