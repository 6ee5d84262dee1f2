import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TrustError } from './errors';
import {
  EMPTY_ROOT,
  MerkleTree,
  consistencyProof,
  inclusionProof,
  leafHash,
  nodeHash,
  rootFromLeafHashes,
  verifyConsistency,
  verifyInclusion,
} from './merkle';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const unhex = (s: string): Buffer => Buffer.from(s, 'hex');

/*
 * Reference data of the RFC 6962 tree shared by Google's certificate-transparency implementations and
 * github.com/transparency-dev/merkle (proof/verify_test.go and rfc6962/rfc6962_test.go): eight leaves, the root
 * of every prefix, and published inclusion and consistency proofs.
 */
const LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(
  unhex,
);

/** ROOTS[n - 1] is MTH of the first n leaves. */
const ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

/** Published inclusion proofs; the reference lists leaves 1-based, converted here to 0-based indices. */
const INCLUSION = [
  { index: 0, size: 1, proof: [] },
  {
    index: 0,
    size: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    index: 5,
    size: 8,
    proof: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  { index: 2, size: 3, proof: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'] },
  {
    index: 1,
    size: 5,
    proof: [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
];

const CONSISTENCY = [
  { m: 1, n: 1, proof: [] },
  {
    m: 1,
    n: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    m: 6,
    n: 8,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  {
    m: 2,
    n: 5,
    proof: [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
  {
    m: 6,
    n: 7,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
];

const root = (n: number): Buffer => unhex(ROOTS[n - 1] as string);
const referenceTree = (): MerkleTree => MerkleTree.fromLeafHashes(LEAVES.map(leafHash));

/** Deterministic leaves for the property tests. */
function leavesOf(n: number): Buffer[] {
  return Array.from({ length: n }, (_, i) => leafHash(Buffer.from(`leaf ${i}`)));
}

function flipBit(proof: readonly Buffer[], at: number, bit: number): Buffer[] {
  return proof.map((h, i) => {
    if (i !== at) return h;
    const copy = Buffer.from(h);
    copy[0] = (copy[0] as number) ^ (1 << bit);
    return copy;
  });
}

describe('RFC 6962 hashing', () => {
  it('hashes the empty tree, leaves and nodes as the reference does', () => {
    expect(hex(EMPTY_ROOT)).toBe(createHash('sha256').digest('hex'));
    expect(hex(EMPTY_ROOT)).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(hex(rootFromLeafHashes([]))).toBe(hex(EMPTY_ROOT));
    // The empty leaf differs from the empty tree because of the 0x00 prefix.
    expect(hex(leafHash(new Uint8Array()))).toBe('6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d');
    expect(hex(leafHash(Buffer.from('L123456')))).toBe(
      '395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56',
    );
    expect(hex(nodeHash(Buffer.from('N123'), Buffer.from('N456')))).toBe(
      'aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb',
    );
  });

  it('matches the reference root for every size 1..8', () => {
    const hashes = LEAVES.map(leafHash);
    const tree = referenceTree();
    for (let n = 1; n <= 8; n++) {
      expect(hex(rootFromLeafHashes(hashes.slice(0, n)))).toBe(ROOTS[n - 1]);
      expect(hex(tree.root(n))).toBe(ROOTS[n - 1]);
    }
  });

  it('refuses leaf hashes that are not 32 bytes', () => {
    expect(() => rootFromLeafHashes([new Uint8Array(31)])).toThrow(TrustError);
    expect(() => new MerkleTree().append(new Uint8Array(33))).toThrow(TrustError);
  });
});

describe('published inclusion proofs', () => {
  for (const { index, size, proof } of INCLUSION) {
    it(`leaf ${index} in a tree of ${size}`, () => {
      const leaf = leafHash(LEAVES[index] as Buffer);
      expect(inclusionProof(referenceTree(), index, size).map(hex)).toEqual(proof);
      expect(verifyInclusion(leaf, index, size, proof.map(unhex), root(size))).toBe(true);
    });
  }

  it('rejects the corruptions of the reference test suite', () => {
    const someHash = unhex('abacaba000000000000000000000000000000000000000000060061e00123456');
    for (const { index, size, proof: hexProof } of INCLUSION) {
      const proof = hexProof.map(unhex);
      const r = root(size);
      const leaf = leafHash(LEAVES[index] as Buffer);
      const bad: [Uint8Array, number, number, Uint8Array[], Uint8Array][] = [
        [leaf, index - 1, size, proof, r],
        [leaf, index + 1, size, proof, r],
        [leaf, index ^ 2, size, proof, r],
        [leaf, index, size * 2, proof, r],
        [leaf, index, Math.floor(size / 2), proof, r],
        [Buffer.from('WrongLeaf'), index, size, proof, r],
        [leaf, index, size, proof, EMPTY_ROOT],
        [leaf, index, size, proof, someHash],
        [leaf, index, size, [...proof, new Uint8Array()], r],
        [leaf, index, size, [...proof, r], r],
        [leaf, index, size, [new Uint8Array(), ...proof], r],
        [leaf, index, size, [r, ...proof], r],
      ];
      for (const [l, i, s, p, rt] of bad) expect(verifyInclusion(l, i, s, p, rt)).toBe(false);
    }
  });

  it('rejects impossible positions and malformed hashes', () => {
    const someHash = leafHash(Buffer.from('x'));
    for (const [index, size] of [
      [0, 0],
      [1, 0],
      [2, 1],
      [1, 1],
      [-1, 4],
      [0.5, 4],
      [0, Number.MAX_SAFE_INTEGER + 1],
    ] as const) {
      expect(verifyInclusion(someHash, index, size, [], someHash)).toBe(false);
    }
    expect(verifyInclusion(someHash, 0, 1, [], someHash)).toBe(true);
    expect(verifyInclusion(someHash, 0, 1, [], new Uint8Array())).toBe(false);
    expect(verifyInclusion(new Uint8Array(), 0, 1, [], someHash)).toBe(false);
  });
});

describe('published consistency proofs', () => {
  for (const { m, n, proof } of CONSISTENCY) {
    it(`from ${m} to ${n}`, () => {
      expect(consistencyProof(referenceTree(), m, n).map(hex)).toEqual(proof);
      expect(verifyConsistency(m, n, root(m), root(n), proof.map(unhex))).toBe(true);
    });
  }

  it('rejects the corruptions of the reference test suite', () => {
    for (const { m, n, proof: hexProof } of CONSISTENCY) {
      if (hexProof.length === 0) continue;
      const proof = hexProof.map(unhex);
      const [r1, r2] = [root(m), root(n)];
      const bad: [number, number, Uint8Array, Uint8Array, Uint8Array[]][] = [
        [m - 1, n, r1, r2, proof],
        [m + 1, n, r1, r2, proof],
        [m ^ 2, n, r1, r2, proof],
        [m, n * 2, r1, r2, proof],
        [m, Math.floor(n / 2), r1, r2, proof],
        [m, n, Buffer.from('WrongRoot'), r2, proof],
        [m, n, r1, Buffer.from('WrongRoot'), proof],
        [m, n, r2, r1, proof],
        [m, n, r1, r2, []],
        [m, n, r1, r2, [...proof, new Uint8Array()]],
        [m, n, r1, r2, [...proof, r1]],
        [m, n, r1, r2, [...proof, r2]],
        [m, n, r1, r2, [new Uint8Array(), ...proof]],
        [m, n, r1, r2, [r1, ...proof]],
        [m, n, r1, r2, [r2, ...proof]],
        [m, n, r1, r2, [proof[0] as Buffer, ...proof]],
        [m, n, r1, r2, proof.slice(0, -1)],
      ];
      for (const [s1, s2, a, b, p] of bad) expect(verifyConsistency(s1, s2, a, b, p)).toBe(false);
    }
  });

  it('handles the trivial cases strictly', () => {
    const [a, b] = [root(1), root(2)];
    expect(verifyConsistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])).toBe(true);
    expect(verifyConsistency(0, 5, EMPTY_ROOT, b, [])).toBe(true);
    expect(verifyConsistency(0, 5, a, b, [])).toBe(false); // a size-0 head claiming a non-empty root
    expect(verifyConsistency(0, 1, EMPTY_ROOT, a, [EMPTY_ROOT])).toBe(false);
    expect(verifyConsistency(1, 1, a, a, [])).toBe(true);
    expect(verifyConsistency(1, 1, a, b, [])).toBe(false);
    expect(verifyConsistency(1, 1, a, a, [EMPTY_ROOT])).toBe(false);
    expect(verifyConsistency(2, 1, b, a, [])).toBe(false); // time travel
    expect(verifyConsistency(1, 2, a, b, [])).toBe(false);
    expect(verifyConsistency(1, 1, a.subarray(1), a.subarray(1), [])).toBe(false);
  });
});

describe('proof generation', () => {
  it('refuses positions outside the tree', () => {
    const tree = referenceTree();
    expect(() => inclusionProof(tree, 8, 8)).toThrow(TrustError);
    expect(() => inclusionProof(tree, 0, 0)).toThrow(TrustError);
    expect(() => inclusionProof(tree, 0, 9)).toThrow(TrustError); // more leaves than the source has
    expect(() => inclusionProof(tree, -1, 8)).toThrow(TrustError);
    expect(() => consistencyProof(tree, 5, 4)).toThrow(TrustError);
    expect(() => consistencyProof(tree, 1, 9)).toThrow(TrustError);
    expect(() => tree.subtreeHash(2, 4)).toThrow(TrustError); // not aligned
    expect(() => tree.subtreeHash(0, 3)).toThrow(TrustError); // not a power of two
    expect(() => tree.subtreeHash(8, 1)).toThrow(TrustError);
  });

  it('hands out copies, so callers cannot damage the tree', () => {
    const tree = referenceTree();
    tree.subtreeHash(0, 4).fill(0);
    inclusionProof(tree, 0, 8).forEach((h) => h.fill(0));
    expect(hex(tree.root())).toBe(ROOTS[7]);
  });

  it('restores from stored levels and notices a damaged inner node', () => {
    const hashes = leavesOf(13);
    const tree = MerkleTree.fromLeafHashes(hashes);
    const levels = [0, 1, 2, 3].map((l) =>
      Array.from({ length: Math.floor(13 / 2 ** l) }, (_, i) => tree.subtreeHash(i * 2 ** l, 2 ** l)),
    );
    const restored = MerkleTree.restore(levels);
    expect(restored.verifyInnerNodes()).toBe(true);
    expect(hex(restored.root())).toBe(hex(rootFromLeafHashes(hashes)));
    expect(() => MerkleTree.restore(levels.slice(0, 3))).toThrow(TrustError); // a level missing
    expect(() => MerkleTree.restore([...levels.slice(0, 3), []])).toThrow(TrustError);
    expect(() => MerkleTree.restore([levels[0] as Buffer[], (levels[1] as Buffer[]).slice(1)])).toThrow(TrustError);
    const damaged = levels.map((l) => [...l]);
    (damaged[2] as Buffer[])[1] = leafHash(Buffer.from('evil'));
    expect(MerkleTree.restore(damaged).verifyInnerNodes()).toBe(false);
  });

  it('truncates back to an earlier size', () => {
    const tree = MerkleTree.fromLeafHashes(leavesOf(21));
    const before = tree.root(13);
    tree.truncate(13);
    expect(tree.size).toBe(13);
    expect(tree.root().equals(before)).toBe(true);
    for (const h of leavesOf(21).slice(13)) tree.append(h);
    expect(tree.root().equals(rootFromLeafHashes(leavesOf(21)))).toBe(true);
  });

  it('reports the inner nodes each append completes', () => {
    const tree = new MerkleTree();
    const completed = leavesOf(8).map((h) => tree.append(h).map((c) => [c.level, c.index]));
    expect(completed).toEqual([
      [],
      [[1, 0]],
      [],
      [
        [1, 1],
        [2, 0],
      ],
      [],
      [[1, 2]],
      [],
      [
        [1, 3],
        [2, 1],
        [3, 0],
      ],
    ]);
  });
});

describe('properties for every tree of 1..70 leaves', () => {
  const MAX = 70;
  const hashes = leavesOf(MAX);
  const tree = MerkleTree.fromLeafHashes(hashes);
  const roots = [EMPTY_ROOT, ...Array.from({ length: MAX }, (_, i) => rootFromLeafHashes(hashes.slice(0, i + 1)))];

  it('the cached tree agrees with the definition', () => {
    for (let n = 0; n <= MAX; n++) expect(tree.root(n).equals(roots[n] as Buffer)).toBe(true);
  });

  // Failures are collected rather than asserted one by one: the loops run about a million checks.
  it('inclusion proofs verify, and tampered ones do not', () => {
    const wrong: string[] = [];
    const check = (ok: boolean, expected: boolean, what: string): void => {
      if (ok !== expected) wrong.push(what);
    };
    for (let n = 1; n <= MAX; n++) {
      const r = roots[n] as Buffer;
      for (let i = 0; i < n; i++) {
        const leaf = hashes[i] as Buffer;
        const proof = inclusionProof(tree, i, n);
        const at = `leaf ${i} of ${n}`;
        check(proof.length <= Math.ceil(Math.log2(n)), true, `${at}: proof too long`);
        check(verifyInclusion(leaf, i, n, proof, r), true, `${at}: genuine proof`);
        for (let k = 0; k < proof.length; k++) {
          check(verifyInclusion(leaf, i, n, flipBit(proof, k, k % 8), r), false, `${at}: flipped bit in ${k}`);
        }
        // Every other leaf of the same tree has another path, so the proof cannot be moved to it.
        for (let j = 0; j < n; j++) {
          if (j !== i) check(verifyInclusion(leaf, j, n, proof, r), false, `${at}: moved to index ${j}`);
        }
        const other = hashes[(i + 1) % MAX] as Buffer;
        check(verifyInclusion(other, i, n, proof, r), false, `${at}: another leaf`);
        // A proof for one tree head does not verify against another head of the log.
        for (let m = i + 1; m <= MAX; m++) {
          if (m !== n) check(verifyInclusion(leaf, i, m, proof, roots[m] as Buffer), false, `${at}: head of ${m}`);
        }
        check(verifyInclusion(leaf, i, n * 2, proof, r), false, `${at}: size doubled`);
        if (proof.length > 0) check(verifyInclusion(leaf, i, n, proof.slice(0, -1), r), false, `${at}: truncated`);
        check(verifyInclusion(leaf, i, n, [...proof, r], r), false, `${at}: root appended`);
        check(verifyInclusion(leaf, i, n, [...proof, new Uint8Array(32)], r), false, `${at}: zeros appended`);
        check(verifyInclusion(leaf, i, n, [leaf, ...proof], r), false, `${at}: leaf prepended`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('consistency proofs verify, and tampered ones do not', () => {
    const wrong: string[] = [];
    const check = (ok: boolean, expected: boolean, what: string): void => {
      if (ok !== expected) wrong.push(what);
    };
    for (let n = 1; n <= MAX; n++) {
      const rn = roots[n] as Buffer;
      check(consistencyProof(tree, n, n).length === 0, true, `${n} to ${n}: not empty`);
      check(verifyConsistency(n, n, rn, rn, []), true, `${n} to ${n}: same root`);
      check(verifyConsistency(n, n, rn, roots[n - 1] as Buffer, []), false, `${n} to ${n}: other root`);
      check(consistencyProof(tree, 0, n).length === 0, true, `0 to ${n}: not empty`);
      check(verifyConsistency(0, n, EMPTY_ROOT, rn, []), true, `0 to ${n}`);
      for (let m = 1; m < n; m++) {
        const rm = roots[m] as Buffer;
        const proof = consistencyProof(tree, m, n);
        const at = `${m} to ${n}`;
        check(proof.length <= Math.ceil(Math.log2(n)) + 1, true, `${at}: proof too long`);
        check(verifyConsistency(m, n, rm, rn, proof), true, `${at}: genuine proof`);
        for (let k = 0; k < proof.length; k++) {
          check(verifyConsistency(m, n, rm, rn, flipBit(proof, k, (k + 3) % 8)), false, `${at}: flipped bit in ${k}`);
        }
        // The head of any other old size must not fit this proof.
        for (let k = 1; k < n; k++) {
          if (k !== m) check(verifyConsistency(k, n, roots[k] as Buffer, rn, proof), false, `${at}: old size ${k}`);
        }
        check(verifyConsistency(m, n, rn, rm, proof), false, `${at}: swapped roots`);
        check(verifyConsistency(m, n, rm, roots[n - 1] as Buffer, proof), false, `${at}: other new root`);
        check(verifyConsistency(m, n * 2, rm, rn, proof), false, `${at}: size doubled`);
        check(verifyConsistency(m, n, rm, rn, proof.slice(0, -1)), false, `${at}: truncated`);
        check(verifyConsistency(m, n, rm, rn, proof.slice(1)), false, `${at}: first dropped`);
        check(verifyConsistency(m, n, rm, rn, [...proof, rn]), false, `${at}: root appended`);
        check(verifyConsistency(m, n, rm, rn, [rm, ...proof]), false, `${at}: root prepended`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
