'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS loader, so the .node file loads by require */
// The built addon, or null where it was not built (no compiler, not Linux): STOQ then uses Node's dgram.
let binding = null;
if (process.platform === 'linux') {
  try {
    binding = require('./build/Release/stoq_udp.node');
  } catch {
    binding = null;
  }
}
module.exports = binding;
