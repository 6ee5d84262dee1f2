import type { GpuDeviceView } from '../../../../shared/mesh';
import { formatBytes } from '../../../../shared/privacy';

/** What a consumer needs to size a WGSL job for a peer's GPU: the adapter and the limits its checks use. */
export function GpuDevice(props: { device: GpuDeviceView }) {
  const { device } = props;
  const name = [device.vendor, device.architecture].filter(Boolean).join(' ') || 'unnamed adapter';
  const maxBuffer = device.limits.maxBufferSize;
  return (
    <div className="note" data-testid="result-device">
      <span>
        {name}
        {device.description ? `: ${device.description}` : ''}
        {device.fallback ? ' (software adapter, test mode)' : ''}
      </span>
      <details>
        <summary>WebGPU limits{maxBuffer === undefined ? '' : ` (largest buffer ${formatBytes(maxBuffer)})`}</summary>
        <dl>
          {Object.entries(device.limits).map(([limit, value]) => (
            <div key={limit}>
              <dt className="mono">{limit}</dt>
              <dd>{/Size$/.test(limit) ? formatBytes(value) : value}</dd>
            </div>
          ))}
        </dl>
      </details>
    </div>
  );
}
