import type { GpuJobFailureReason } from '../../shared/gpu-job';
import type { HardwareInfo } from '../../shared/hardware';
import { formatBytes } from '../../shared/privacy';
import type { Detection } from './adapter';
import { HardwareAdapter, type HardwareAdapterOptions } from './hardware-adapter';

/**
 * What a WebGPU probe found (vm/gpu/executor.ts `probe()`, run in a child like a job): the adapter GPU jobs would
 * get, or why there is none. The probe refuses fallback (software) adapters outside test mode.
 */
export type WebGpuProbe = () => Promise<
  | {
      readonly adapter: {
        readonly vendor: string;
        readonly architecture: string;
        readonly description: string;
        readonly fallback: boolean;
      };
      /** The adapter's limits (numbers by WebGPU's names); maxBufferSize sizes a software adapter's asset. */
      readonly limits: { readonly maxBufferSize: number };
    }
  | { readonly adapter: null; readonly reason: GpuJobFailureReason; readonly message: string }
>;

/**
 * Whether a probe that found no adapter may find one on a later try: it did not finish (its time limit on a busy
 * machine, its memory limit, a crash, a device error), rather than finding no adapter GPU jobs may use.
 */
export function probeMayPass(reason: GpuJobFailureReason): boolean {
  return reason === 'wall-limit' || reason === 'memory-limit' || reason === 'crashed' || reason === 'gpu-error';
}

/** The wait before re-probe number `attempt` (0 first): 15 s, doubling, at most 10 min. */
export function reprobeDelayMs(attempt: number): number {
  return Math.min(15_000 * 2 ** Math.min(attempt, 16), 600_000);
}

export interface GpuAdapterOptions extends HardwareAdapterOptions {
  /**
   * With GPU jobs on: the GPU is offered only if WebGPU finds an adapter GPU jobs may use (issue #24), and its
   * vendor, architecture and limits join the descriptor. Without: VRAM from the hardware probe only.
   */
  readonly webgpu?: WebGpuProbe;
  /** Called after a re-probe (one that follows a probe that did not finish) has set the detection. */
  readonly onRedetected?: () => void;
  /** The wait before each re-probe (default {@link reprobeDelayMs}). */
  readonly reprobeDelayMs?: (attempt: number) => number;
}

/**
 * Shared GPU memory, in bytes of VRAM, from the hardware probe. A machine without a GPU (or whose GPUs do not
 * report their memory) detects `present: false` with the reason, describes nothing, and refuses every lease with
 * 'unavailable'. The adapter accounts VRAM leases within the cap; running work on the GPU is for the compute layer.
 */
export class GpuAdapter extends HardwareAdapter {
  readonly kind = 'gpu' as const;
  readonly unit = 'bytes' as const;
  private readonly webgpu: WebGpuProbe | undefined;
  private readonly onRedetected: (() => void) | undefined;
  private readonly delayFor: (attempt: number) => number;
  private reprobes = 0;
  private reprobe: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(options: GpuAdapterOptions) {
    super(options);
    this.webgpu = options.webgpu;
    this.onRedetected = options.onRedetected;
    this.delayFor = options.reprobeDelayMs ?? reprobeDelayMs;
  }

  protected override async readDetection(): Promise<Detection> {
    const hardware = await super.readDetection();
    if (!this.webgpu) return hardware;
    const found = await this.webgpu();
    if (!found.adapter) {
      if (!probeMayPass(found.reason) || this.closed) {
        return { present: false, reason: `no GPU for jobs: ${found.message}`, code: 'no-gpu' };
      }
      // A probe cut short (e.g. starved at nice 19 on a busy machine) says nothing about the GPU: try again later,
      // or the GPU would stay unshared until the node restarts.
      const delay = this.delayFor(this.reprobes++);
      this.reprobe = setTimeout(() => {
        this.reprobe = undefined;
        void this.detect().then(() => {
          if (!this.closed) this.onRedetected?.();
        });
      }, delay);
      this.reprobe.unref();
      return {
        present: false,
        reason: `the WebGPU probe did not finish (${found.message}); trying again in ${Math.round(delay / 1000)} s`,
        code: 'detection-failed',
      };
    }
    this.reprobes = 0;
    const a = found.adapter;
    // VRAM as the OS reports it; a software adapter (test mode) has none: its largest buffer stands in.
    const total = hardware.present ? hardware.total : found.limits.maxBufferSize;
    if (total <= 0) return { present: false, reason: 'the GPU reports no memory size', code: 'size-unknown' };
    const name = `${a.vendor} ${a.architecture}: ${a.description}${a.fallback ? ' (software)' : ''}`;
    return {
      present: true,
      total,
      unit: 'bytes',
      descriptor: {
        ...(hardware.present ? hardware.descriptor : {}),
        webgpu: { vendor: a.vendor, architecture: a.architecture, description: a.description, fallback: a.fallback },
        limits: Object.fromEntries(
          Object.entries(found.limits).filter((e): e is [string, number] => typeof e[1] === 'number'),
        ),
      },
      summary: `${name} (${formatBytes(total)}${hardware.present ? ' VRAM' : ''})`,
    };
  }

  override close(): void {
    this.closed = true;
    clearTimeout(this.reprobe);
    super.close();
  }

  protected detectFrom(hw: HardwareInfo): Detection {
    if (hw.gpus.length === 0) return { present: false, reason: 'no GPU detected on this machine', code: 'no-gpu' };
    const sized = hw.gpus.filter((g) => g.vramBytes !== null && g.vramBytes > 0);
    if (sized.length === 0) {
      return {
        present: false,
        reason: `found ${hw.gpus.map((g) => g.model).join(', ')} but the OS does not report its memory size`,
        code: 'size-unknown',
      };
    }
    const total = sized.reduce((sum, g) => sum + (g.vramBytes ?? 0), 0);
    return {
      present: true,
      total,
      unit: 'bytes',
      descriptor: { gpus: sized.map((g) => ({ model: g.model, vendor: g.vendor, vramBytes: g.vramBytes })) },
      summary: `${sized.map((g) => g.model).join(', ')} (${formatBytes(total)} VRAM)`,
    };
  }
}
