import { describe, expect, it } from 'vitest';
import {
  answerSpaceChallenge,
  commitSpace,
  issueSpaceChallenge,
  spaceChallengeIndices,
  verifySpaceResponse,
} from './space';
import { SMALL_PARAMS, T0, failureOf, testNode } from './testing';

const node = testNode(5);
const params = SMALL_PARAMS.space;
const commitment = await commitSpace(node.mldsaPublicKey, 'disk-1', params);
const check = { mldsaPublicKey: node.mldsaPublicKey, assetId: 'disk-1', sectorSize: params.sectorSize };

describe('interactive PoSpace challenges', () => {
  it('are answered from the commitment and verified from the public key alone, within the time bound', () => {
    const challenge = issueSpaceChallenge(commitment, params, T0);
    expect(challenge.deadline).toBe(T0 + params.responseTimeMs);
    expect(spaceChallengeIndices(challenge).every((i) => i >= 0 && i < params.sectorCount)).toBe(true);
    const response = answerSpaceChallenge(commitment, node.mldsaPublicKey, challenge);
    expect(failureOf(() => verifySpaceResponse(challenge, response, { ...check, receivedAt: T0 + 50 }))).toBe(
      'accepted',
    );
    expect(
      failureOf(() => verifySpaceResponse(challenge, response, { ...check, receivedAt: challenge.deadline })),
    ).toBe('accepted');
  });

  it('reject a late answer', () => {
    const challenge = issueSpaceChallenge(commitment, params, T0);
    const response = answerSpaceChallenge(commitment, node.mldsaPublicKey, challenge);
    expect(
      failureOf(() => verifySpaceResponse(challenge, response, { ...check, receivedAt: challenge.deadline + 1 })),
    ).toBe('space.late');
  });

  it('reject an answer to another challenge, for another key or asset, or from another commitment', async () => {
    const challenge = issueSpaceChallenge(commitment, params, T0);
    const other = issueSpaceChallenge(commitment, params, T0);
    const response = answerSpaceChallenge(commitment, node.mldsaPublicKey, other);
    expect(failureOf(() => verifySpaceResponse(challenge, response, { ...check, receivedAt: T0 }))).toBe(
      'space.challenge',
    );
    const good = answerSpaceChallenge(commitment, node.mldsaPublicKey, challenge);
    const stranger = testNode(6);
    expect(
      failureOf(() =>
        verifySpaceResponse(challenge, good, { ...check, mldsaPublicKey: stranger.mldsaPublicKey, receivedAt: T0 }),
      ),
    ).toBe('space.commitment');
    expect(failureOf(() => verifySpaceResponse(challenge, good, { ...check, assetId: 'disk-2', receivedAt: T0 }))).toBe(
      'space.commitment',
    );
    const elsewhere = await commitSpace(node.mldsaPublicKey, 'disk-2', params);
    expect(failureOf(() => answerSpaceChallenge(elsewhere, node.mldsaPublicKey, challenge))).toBe('space.challenge');
  });

  it('draw different sectors for different nonces', () => {
    const a = spaceChallengeIndices(issueSpaceChallenge(commitment, params, T0));
    const b = spaceChallengeIndices(issueSpaceChallenge(commitment, params, T0));
    expect(a).not.toEqual(b);
  });
});
