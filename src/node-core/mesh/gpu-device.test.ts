import { describe, expect, it } from 'vitest';
import type { GpuDeviceView } from '../../shared/mesh';
import { assetIdFor } from '../assets/asset-id';
import { loadOrCreateIdentity } from '../identity/identity';
import { useTempDirs } from '../testing/temp-dir';
import { decodeAnnouncement, encodeAnnouncement, signingInput, type AnnouncementBody } from './announcement';
import { deviceOf } from './gpu-device';
import { announcementBody } from './testing';

const tempDir = useTempDirs();
const NOW = Date.UTC(2026, 11, 7, 12);

/** As assets/gpu-adapter.ts writes a GPU asset's descriptor when GPU jobs are on (SwiftShader in test mode). */
const DESCRIPTOR = {
  webgpu: { vendor: 'google', architecture: 'swiftshader', description: 'SwiftShader device', fallback: true },
  limits: { maxBufferSize: 268_435_456, maxComputeInvocationsPerWorkgroup: 256, maxTextureDimension2D: 8192 },
};

function gpuBody(owner: string, device: GpuDeviceView | undefined): AnnouncementBody {
  return announcementBody(owner, NOW, [
    {
      assetId: assetIdFor('gpu', owner, DESCRIPTOR),
      kind: 'gpu',
      capacity: { unit: 'bytes', total: 268_435_456, allowed: 134_217_728 },
      privacyLevel: 'FullPublic',
      allocationType: 'Public',
      pricePerHour: '0.5',
      requiredProofs: { space: true, stake: true, work: true, time: true },
      ...(device ? { device } : {}),
    },
  ]);
}

const sign = (b: AnnouncementBody) =>
  encodeAnnouncement({ body: b, chain: [new Uint8Array([1])], signature: new Uint8Array([2]) });

describe("a GPU asset's announced device (issue #24: the Marketplace shows vendor, architecture and limits)", () => {
  const owner = loadOrCreateIdentity(tempDir()).nodeId;

  it('is taken from the descriptor of a GPU offered for jobs, with only the limits WGSL checks use', () => {
    const { device } = deviceOf({ kind: 'gpu', descriptor: DESCRIPTOR });
    expect(device).toEqual({
      vendor: 'google',
      architecture: 'swiftshader',
      description: 'SwiftShader device',
      fallback: true,
      limits: { maxBufferSize: 268_435_456, maxComputeInvocationsPerWorkgroup: 256 },
    });
    // A GPU offered as VRAM only (GPU jobs off) and other kinds carry none.
    expect(deviceOf({ kind: 'gpu', descriptor: { gpus: [{ model: 'X', vramBytes: 1 }] } })).toEqual({});
    expect(deviceOf({ kind: 'cpu', descriptor: DESCRIPTOR })).toEqual({});
  });

  it('round-trips, is covered by the signature, and leaves older announcements signing the same bytes', () => {
    const { device } = deviceOf({ kind: 'gpu', descriptor: DESCRIPTOR });
    const b = gpuBody(owner, device);
    expect(decodeAnnouncement(sign(b), NOW).body).toEqual(b);
    const lied = gpuBody(owner, { ...device!, vendor: 'nvidia', fallback: false });
    expect(signingInput(lied)).not.toEqual(signingInput(b));
    const without = gpuBody(owner, undefined);
    expect(new TextDecoder().decode(signingInput(without))).not.toContain('device');
    expect(decodeAnnouncement(sign(without), NOW).body.assets[0]).not.toHaveProperty('device');
  });

  it('refuses a malformed device, or one on an asset that is not a GPU, saying which field', () => {
    const { device } = deviceOf({ kind: 'gpu', descriptor: DESCRIPTOR });
    const bad = (d: unknown) => {
      const b = gpuBody(owner, device);
      const asset = { ...b.assets[0]!, device: d };
      return () => decodeAnnouncement(sign({ ...b, assets: [asset as never] }), NOW);
    };
    expect(bad({ ...device, vendor: 'x'.repeat(129) })).toThrow(/device vendor is invalid/);
    expect(bad({ ...device, fallback: 'yes' })).toThrow(/device fallback is invalid/);
    expect(bad({ ...device, limits: { maxBufferSize: -1 } })).toThrow(/device limit maxBufferSize is invalid/);
    expect(bad('gpu')).toThrow(/device is not an object/);
    const b = gpuBody(owner, device);
    const cpu = {
      ...b.assets[0]!,
      kind: 'cpu' as const,
      assetId: assetIdFor('cpu', owner, { model: 'test' }),
      capacity: { unit: 'slots' as const, total: 2, allowed: 1 },
    };
    expect(() => decodeAnnouncement(sign({ ...b, assets: [cpu] }), NOW)).toThrow(/carries a device but is not a GPU/);
  });
});
