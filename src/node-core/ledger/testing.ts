import { generateKeyPairSync } from 'node:crypto';
import { ml_dsa65 } from '@noble/post-quantum/ml-dsa.js';
import {
  commitSpace,
  consensusParams,
  createConsensusProof,
  createInlineConsensusCompute,
  type ConsensusCompute,
  type ConsensusParams,
  type SpaceCommitment,
} from '../consensus';
import { UNITS_PER_CAESAR } from '../../shared/amount';
import { SMALL_PARAMS } from '../consensus/testing';
import {
  blockProofSubject,
  decodeBlock,
  encodeBlock,
  encodeGenesis,
  genesisId,
  genesisSigningInput,
  txRootOf,
  type BlockHeader,
  type DecodedBlock,
  type Genesis,
} from './block';
import type { Chain, ChainRef, LoadedGenesis } from './chain';
import { encodeTx, nodeIdOfKeys, type AccountSigner, type Transaction } from './tx';

/**
 * Test doubles for the ledger's tests and benchmark: accounts with real ML-DSA keys whose NodeIds are real, a
 * stand-in certificate (`cert:<nodeId>`) that `testCertificates` resolves, and a block maker that builds real
 * four-part proofs (with small parameters).
 */

/** The consensus tests' small parameters, with a smaller stake, puzzle and time chain (blocks come often). */
export const LEDGER_TEST_PARAMS: ConsensusParams = consensusParams({
  space: SMALL_PARAMS.space,
  stake: { ...SMALL_PARAMS.stake, minimum: '1' },
  work: { ...SMALL_PARAMS.work, baseDifficultyBits: 1 },
  time: { ...SMALL_PARAMS.time, steps: 256 },
});

export interface TestAccount extends AccountSigner {
  readonly nodeIdShort: string;
  readonly chain: readonly Uint8Array[];
}

export function testAccount(seed: number): TestAccount {
  const keys = ml_dsa65.keygen(new Uint8Array(32).fill(seed));
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const nodeId = nodeIdOfKeys({ mldsaPublicKey: keys.publicKey, tlsSpki: spki });
  return {
    nodeId,
    nodeIdShort: `hm-${nodeId.slice(0, 4)}`,
    mldsaPublicKey: keys.publicKey,
    tlsPublicKey: { export: () => spki },
    sign: (m) => ml_dsa65.sign(m, keys.secretKey),
    chain: [Buffer.from(`cert:${nodeId}`)],
  };
}

/** The fake TrustChain check for test accounts' stand-in certificates. */
export function testCertificates(accounts: readonly TestAccount[]) {
  const byCert = new Map(accounts.map((a) => [Buffer.from(a.chain[0] as Uint8Array).toString(), a]));
  return (chain: readonly Uint8Array[]) => {
    const a = byCert.get(Buffer.from(chain[0] ?? new Uint8Array()).toString());
    if (!a) throw new Error('unknown certificate');
    return { nodeId: a.nodeId, mldsaPublicKey: a.mldsaPublicKey };
  };
}

export function testGenesis(authority: TestAccount, createdAt: number, slotMs = 1000): LoadedGenesis {
  const unsigned: Omit<Genesis, 'signature'> = {
    version: 1,
    network: 'hypermesh-test',
    createdAt,
    slotMs,
    authorities: [{ nodeId: authority.nodeId, weight: 1000n * UNITS_PER_CAESAR }],
    creatorChain: authority.chain,
  };
  const genesis = { ...unsigned, signature: authority.sign(genesisSigningInput(unsigned)) };
  const bytes = encodeGenesis(genesis);
  return { genesis, id: genesisId(bytes), bytes };
}

export class BlockMaker {
  private readonly compute: ConsensusCompute = createInlineConsensusCompute();
  private readonly spaces = new Map<string, SpaceCommitment>();
  constructor(readonly params: ConsensusParams = LEDGER_TEST_PARAMS) {}

  /** A block by `producer` on top of `parent` at time `at`, its stake taken from `chain`'s state. */
  async make(
    chain: Chain,
    producer: TestAccount,
    txs: readonly Transaction[],
    at: number,
    parent: ChainRef = chain.tip,
    tamper?: (header: BlockHeader) => BlockHeader,
  ): Promise<DecodedBlock> {
    const txBytes = txs.map((t) => encodeTx(t));
    let header: BlockHeader = {
      version: 1,
      height: parent.height + 1,
      parent: Buffer.from(parent.id, 'hex'),
      slot: Math.floor(at / chain.slotMs),
      timestamp: at,
      producer: producer.nodeId,
      txRoot: txRootOf(txBytes),
      txCount: txs.length,
    };
    const subject = blockProofSubject(header);
    let space = this.spaces.get(subject.assetId);
    if (!space) {
      space = await commitSpace(producer.mldsaPublicKey, subject.assetId, this.params.space, this.compute);
      this.spaces.set(subject.assetId, space);
    }
    const stake = chain.state.stakeRecord(producer.nodeId) ?? {
      nodeId: producer.nodeId,
      amount: '1',
      lockedUntil: at + 86_400_000,
      ledgerRef: 'none',
    };
    const proof = await createConsensusProof(
      {
        subject,
        location: '[::1]:1',
        capacity: { cpuCores: 1, memoryMiB: 1 },
        beacon: {
          kind: 'ledger',
          id: String(parent.height),
          timestamp: parent.timestamp,
          digest: Buffer.from(parent.id, 'hex'),
        },
        certificateChain: producer.chain,
        stake,
      },
      producer,
      { params: this.params, compute: this.compute, now: () => at, spaceCommitment: space },
    );
    if (tamper) header = tamper(header);
    return decodeBlock(encodeBlock({ header, txs, proof }));
  }
}
