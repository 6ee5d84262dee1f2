import type { HardwareInfo } from '../../shared/hardware';
import type { HardwareProbe } from '../hardware/index';
import type { Clock, Detection } from './adapter';
import { BaseAdapter } from './base-adapter';

export interface HardwareAdapterOptions {
  /** The node's probe (createSystemHardwareProbe) or a fixed machine in tests (fixedHardware). */
  readonly probe: HardwareProbe;
  /** The node's data directory: the probe measures its filesystem; storage shares a folder in it. */
  readonly dataDir: string;
  readonly clock?: Clock;
}

/** An adapter whose detection comes from the node's HardwareProbe. */
export abstract class HardwareAdapter extends BaseAdapter {
  protected readonly probe: HardwareProbe;
  protected readonly dataDir: string;
  #hardware: HardwareInfo | null = null;

  constructor(options: HardwareAdapterOptions) {
    super(options.clock);
    this.probe = options.probe;
    this.dataDir = options.dataDir;
  }

  /** The reading behind the last detection. */
  get hardware(): HardwareInfo | null {
    return this.#hardware;
  }

  protected abstract detectFrom(hw: HardwareInfo): Detection;

  protected async readDetection(): Promise<Detection> {
    const hw = await this.probe.read(this.dataDir);
    this.#hardware = hw;
    return this.detectFrom(hw);
  }
}

/** A probe that reads the machine once and answers every later read from that reading. */
export function onceProbe(probe: HardwareProbe): HardwareProbe {
  let reading: Promise<HardwareInfo> | null = null;
  return {
    read(dataDir) {
      reading ??= probe.read(dataDir);
      return reading;
    },
    usage: () => probe.usage(),
  };
}
