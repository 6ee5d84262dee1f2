import type { HardwareInfo } from '../../shared/hardware';
import { formatBytes } from '../../shared/privacy';
import type { Detection } from './adapter';
import { HardwareAdapter } from './hardware-adapter';

/**
 * Shared GPU memory, in bytes of VRAM, from the hardware probe. A machine without a GPU (or whose GPUs do not
 * report their memory) detects `present: false` with the reason, describes nothing, and refuses every lease with
 * 'unavailable'. The adapter accounts VRAM leases within the cap; running work on the GPU is for the compute layer.
 */
export class GpuAdapter extends HardwareAdapter {
  readonly kind = 'gpu' as const;
  readonly unit = 'bytes' as const;

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
