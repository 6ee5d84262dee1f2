// The node's own process in the desktop app (an Electron utilityProcess; tests fork it with Node). It must not
// import electron: it talks to main over process.parentPort only.
import { parseNodeProcessArgs, runNodeProcess } from '../node-core/node-process';

try {
  await runNodeProcess(parseNodeProcessArgs(process.argv.slice(2)));
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
}
