import { beforeAll, describe, expect, it } from 'vitest';
import { createCertificateAuthority, type CaMaterial } from './certificates';
import {
  parseFederationDocument,
  signFederation,
  verifyFederation,
  type FederationDocument,
  type FederationMember,
} from './federation';
import { createInlinePqSigner } from '../crypto';

let cas: CaMaterial[] = [];
const signer = createInlinePqSigner();

beforeAll(async () => {
  cas = await Promise.all(['Alpha', 'Beta', 'Gamma'].map((name) => createCertificateAuthority({ name })));
});

const member = (ca: CaMaterial): FederationMember => ({
  caId: ca.caId,
  name: ca.name,
  root: Buffer.from(ca.root.certificate).toString('base64'),
  address: null,
});

async function doc(epoch: number, threshold: number, members: CaMaterial[], signers: CaMaterial[]) {
  const unsigned = {
    version: 1 as const,
    epoch,
    threshold,
    issuedAt: new Date().toISOString(),
    members: members.map(member),
  };
  const signatures = await Promise.all(
    signers.map((ca) => signFederation(unsigned, { caId: ca.caId, mldsaSecretKey: ca.mldsa.secretKey }, signer)),
  );
  return { ...unsigned, signatures } satisfies FederationDocument;
}

describe('federation documents', () => {
  it('a genesis needs every member; a successor needs k of the previous members and every newcomer', async () => {
    const [a, b, c] = cas as [CaMaterial, CaMaterial, CaMaterial];
    await expect(doc(1, 2, [a, b], [a]).then((d) => verifyFederation(d))).rejects.toThrow(/lacks the signature/);
    const genesis = verifyFederation(await doc(1, 2, [a, b], [a, b]));
    expect(genesis.members.size).toBe(2);
    // Adding C: signed by A and B (2 of 2) and by C itself.
    const withC = verifyFederation(await doc(2, 2, [a, b, c], [a, b, c]), genesis);
    expect([...withC.members.values()].map((m) => m.name)).toEqual(['Alpha', 'Beta', 'Gamma']);
    await expect(doc(2, 2, [a, b, c], [a, b]).then((d) => verifyFederation(d, genesis))).rejects.toThrow(
      /has not signed/,
    );
    await expect(doc(3, 2, [a, b], [a]).then((d) => verifyFederation(d, withC))).rejects.toThrow(/2 are required/);
    await expect(doc(2, 1, [a, b], [a, b]).then((d) => verifyFederation(d, withC))).rejects.toThrow(/not newer/);
    // Met without its history (a new client, or after a restart), a later epoch needs k of its own members.
    const lateEpoch = await doc(3, 2, [a, b, c], [a, b]);
    expect(verifyFederation(lateEpoch).epoch).toBe(3);
    await expect(doc(3, 2, [a, b, c], [a]).then((d) => verifyFederation(d))).rejects.toThrow(/signed by 1 of its own/);
    // A signature moved onto another document does not count.
    const d3 = await doc(3, 2, [a, b], [a, b]);
    const tampered = { ...d3, threshold: 1 };
    expect(() => verifyFederation(tampered, withC)).toThrow(/required/);
  });

  it('refuses malformed documents with the reason', () => {
    const [a] = cas as [CaMaterial];
    const base = {
      version: 1,
      epoch: 1,
      threshold: 1,
      issuedAt: new Date().toISOString(),
      members: [member(a)],
      signatures: [],
    };
    const cases: [unknown, RegExp][] = [
      [null, /not an object/],
      [{ ...base, version: 2 }, /unknown version 2/],
      [{ ...base, epoch: 0 }, /epoch must be an integer ≥ 1/],
      [{ ...base, threshold: 2 }, /threshold 2 is more than the 1 members/],
      [{ ...base, members: [] }, /members must list/],
      [{ ...base, members: [member(a), member(a)] }, /listed twice/],
      [{ ...base, members: [{ ...member(a), caId: 'NOT-A-CA' }] }, /no valid caId/],
      [{ ...base, extra: 1 }, /unknown field extra/],
      [{ ...base, issuedAt: 'yesterday' }, /issuedAt is not a date/],
    ];
    for (const [value, message] of cases) expect(() => parseFederationDocument(value)).toThrow(message);
    // A root that belongs to another CA than the caId it is listed under.
    const [, b] = cas as [CaMaterial, CaMaterial];
    const swapped = { ...base, members: [{ ...member(a), root: member(b).root }] };
    expect(() => verifyFederation(parseFederationDocument(swapped))).toThrow(/its root is for CA/);
  });
});
