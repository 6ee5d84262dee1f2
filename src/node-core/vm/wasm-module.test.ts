import { describe, expect, it } from 'vitest';
import { VmError } from './errors';
import { TABLE_GROW_WAT, section, wasmBinary } from './hostile';
import { compileWat } from './testing';
import { sandboxModule, type ModuleLimits } from './wasm-module';

const MIB = 2 ** 20;

function refusal(bytes: Uint8Array, limits: Partial<ModuleLimits> = {}, memory = 16 * MIB): [string, string] {
  try {
    sandboxModule(bytes, memory, limits);
  } catch (err) {
    if (err instanceof VmError) return [err.reason, err.message];
    throw err;
  }
  throw new Error('the module was not refused');
}

/** A table's size and the largest size the engine lets it grow to, read back from the rewritten module. */
function tableOf(bytes: Uint8Array): { initial: number; maximum: number } {
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
  const table = instance.exports.t;
  if (!(table instanceof WebAssembly.Table)) throw new Error('no table exported');
  const initial = table.length;
  for (let step = 65_536; step >= 1; step = Math.floor(step / 2)) {
    for (;;) {
      try {
        table.grow(step);
      } catch {
        break;
      }
    }
  }
  return { initial, maximum: table.length };
}

const tableModule = (limits: string): Promise<Uint8Array> =>
  compileWat(`(module (table (export "t") ${limits} funcref) (func (export "_start")))`);

describe('module limits before instantiation', () => {
  it('caps tables like memories: no maximum gets the cap, a larger one is lowered, a smaller one kept', async () => {
    // The cap: the memory limit / 16 elements, at least 1,024 and at most tableElements (1,000,000).
    expect(sandboxModule(await compileWat(TABLE_GROW_WAT), 16 * MIB).maxTableElements).toBe(1_000_000);
    expect(sandboxModule(await compileWat(TABLE_GROW_WAT), MIB).maxTableElements).toBe(65_536);
    expect(tableOf(sandboxModule(await tableModule('1'), MIB).bytes)).toEqual({ initial: 1, maximum: 65_536 });
    expect(tableOf(sandboxModule(await tableModule('1 100'), MIB).bytes)).toEqual({ initial: 1, maximum: 100 });
    expect(tableOf(sandboxModule(await tableModule('1 9000000'), MIB).bytes)).toEqual({
      initial: 1,
      maximum: 65_536,
    });
    const [reason, message] = refusal(await tableModule('70000'), {}, MIB);
    expect(reason).toBe('memory-limit');
    expect(message).toMatch(/table of 70000 elements to start; the limit is 65536/);
  });

  it('bounds functions, types, globals, tables and segments, each with its own message', async () => {
    const four = await compileWat(`(module (memory 1) (func) (func) (func) (func (export "_start")))`);
    expect(() => sandboxModule(four, MIB, { functions: 4 })).not.toThrow();
    expect(refusal(four, { functions: 3 })).toEqual([
      'invalid-module',
      expect.stringMatching(/4 functions.*at most 3/),
    ]);
    const types = await compileWat(`(module (type (func)) (type (func (param i32))) (func (export "_start")))`);
    expect(refusal(types, { types: 1 })[1]).toMatch(/2 types/);
    const globals = await compileWat(`(module (global i32 (i32.const 1)) (global i32 (i32.const 2)) (func))`);
    expect(refusal(globals, { globals: 1 })[1]).toMatch(/2 globals/);
    const tables = await compileWat(`(module (table 1 funcref) (table 1 funcref) (func))`);
    expect(refusal(tables, { tables: 1 })[1]).toMatch(/2 tables/);
    const data = await compileWat(`(module (memory 1) (data (i32.const 0) "a") (data (i32.const 1) "b"))`);
    expect(refusal(data, { dataSegments: 1 })[1]).toMatch(/2 data segments/);
    const elems = await compileWat(
      `(module (table 2 funcref) (func $f) (elem (i32.const 0) $f) (elem (i32.const 1) $f))`,
    );
    expect(refusal(elems, { elementSegments: 1 })[1]).toMatch(/2 element segments/);
  });

  it('bounds section sizes, function bodies and locals per function', async () => {
    const locals = await compileWat(`(module (func (export "_start") (local i32 i32) (local i64)))`);
    expect(() => sandboxModule(locals, MIB, { locals: 3 })).not.toThrow();
    expect(refusal(locals, { locals: 2 })[1]).toMatch(/more locals in function 0/);
    const body = await compileWat(`(module (func (export "_start") nop nop nop nop nop nop nop nop))`);
    expect(refusal(body, { functionBodyBytes: 4 })[1]).toMatch(/function body of \d+ bytes/);
    expect(refusal(body, { sectionBytes: 4 })[1]).toMatch(/section of \d+ bytes/);
    const data = await compileWat(`(module (memory 1) (data (i32.const 0) "${'x'.repeat(2000)}"))`);
    expect(refusal(data, {}, 1024)).toEqual(['memory-limit', expect.stringMatching(/data .* larger than its memory/)]);
  });

  it('refuses what the sandbox does not offer: threads, 64-bit tables, typed references, unknown sections', () => {
    const shared = wasmBinary([section(5, [1, 3, 1, 1])]);
    expect(refusal(shared)).toEqual(['invalid-module', expect.stringMatching(/shared memories are not allowed/)]);
    const table64 = wasmBinary([section(4, [1, 0x70, 0x04, 1])]);
    expect(refusal(table64)[1]).toMatch(/64-bit tables/);
    const typedRef = wasmBinary([section(4, [1, 0x64, 0x70, 0, 1])]);
    expect(refusal(typedRef)[1]).toMatch(/tables of type 0x64/);
    expect(refusal(wasmBinary([section(14, [0])]))[1]).toMatch(/section 14 is not one the sandbox knows/);
    expect(refusal(wasmBinary([section(1, [0]), section(1, [0])]))[1]).toMatch(/a second type section/);
  });
});
