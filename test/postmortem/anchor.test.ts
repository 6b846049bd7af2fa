/** Anchoring and verifying postmortems against a real PostmortemRegistry on anvil. */
import { unixfs } from '@helia/unixfs';
import { MemoryBlockstore } from 'blockstore-core';
import { CID } from 'multiformats/cid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keccak256, toBytes } from 'viem';
import { anchoredEvents, anchorPostmortem, incidentIdHash, verifyPostmortem } from '../../src/postmortem/anchor.ts';
import { computeCid } from '../../src/postmortem/cid.ts';
import { renderPostmortem } from '../../src/postmortem/render.ts';
import { seedActionItems, seedIncident, seedMessages } from './fixtures.ts';
import { ANCHORER, ANCHORER_KEY, configOf, OWNER_KEY, type RegistryChain, rawConfig, STRANGER_KEY, startRegistryChain } from './support.ts';

let setup: RegistryChain;
const bytes = new TextEncoder().encode(renderPostmortem(seedIncident(), { actionItems: seedActionItems(), messages: seedMessages() }));

beforeAll(async () => {
  setup = await startRegistryChain();
}, 120_000);
afterAll(async () => {
  await setup?.stop();
});

function target(options: { chainId?: number } = {}) {
  const config = configOf(rawConfig(setup, options));
  return { chain: config.chains.ethereum!, registry: setup.registry };
}

describe('anchor and verify on anvil', () => {
  it('anchors the postmortem; the event carries the digest and uri; verify matches', async () => {
    const result = await anchorPostmortem({ ...target(), signerKey: ANCHORER_KEY, bytes, incidentId: 'INC-0001' });
    expect(result.digest).toBe(keccak256(bytes));
    expect(result.chainId).toBe(31337);
    expect(result.uri).toBe(`ipfs://${result.cid}`);
    expect(result.submitter).toBe(ANCHORER);

    const events = await anchoredEvents({ ...target(), incidentId: 'INC-0001' });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ digest: result.digest, uri: `ipfs://${result.cid}`, submitter: ANCHORER, txHash: result.txHash });
    expect(incidentIdHash('INC-0001')).toBe(keccak256(toBytes('INC-0001')));

    const verified = await verifyPostmortem({ ...target(), bytes, incidentId: 'INC-0001' });
    expect(verified.ok).toBe(true);
    expect(verified.submitter).toBe(ANCHORER);
    expect(verified.txHash).toBe(result.txHash);
    expect(verified.anchoredAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(verified.reason).toMatch(/^matches: anchored by 0x[0-9a-fA-F]{40} \(anchorer\)/);
  });

  it('the uri names a CID that serves exactly these bytes (helia unixfs, CIDv1 raw leaves)', async () => {
    const cid = await computeCid(bytes);
    const fs = unixfs({ blockstore: new MemoryBlockstore() } as unknown as Parameters<typeof unixfs>[0]);
    const added = await fs.addBytes(bytes);
    expect(added.toString()).toBe(cid);
    expect(CID.parse(cid).version).toBe(1);
    const chunks: Uint8Array[] = [];
    for await (const chunk of fs.cat(CID.parse(cid))) chunks.push(chunk);
    expect(Buffer.concat(chunks).equals(Buffer.from(bytes))).toBe(true);
    // a file larger than one chunk still gets the node's CID
    const big = new Uint8Array(3 * 1024 * 1024 + 17).map((_, i) => i % 251);
    expect(await computeCid(big)).toBe((await fs.addBytes(big)).toString());
  });

  it('one byte changed → different digest', async () => {
    const changed = bytes.slice();
    changed[10] = changed[10]! ^ 1;
    const verified = await verifyPostmortem({ ...target(), bytes: changed, incidentId: 'INC-0001' });
    expect(verified.ok).toBe(false);
    expect(verified.reason).toMatch(/^different digest/);
    expect(verified.reason.split('\n')).toHaveLength(1);
  });

  it('an id never anchored → nothing anchored', async () => {
    const verified = await verifyPostmortem({ ...target(), bytes, incidentId: 'INC-9999' });
    expect(verified.ok).toBe(false);
    expect(verified.reason).toMatch(/^nothing anchored for incident INC-9999/);
  });

  it('wrong chain: the RPC serves another chain id than the config says', async () => {
    const verified = await verifyPostmortem({ ...target({ chainId: 1 }), bytes, incidentId: 'INC-0001' });
    expect(verified.ok).toBe(false);
    expect(verified.reason).toMatch(/^wrong chain: .*chain id 31337, the config says 1/);
    await expect(anchorPostmortem({ ...target({ chainId: 1 }), signerKey: ANCHORER_KEY, bytes, incidentId: 'INC-0001' })).rejects.toThrow(/wrong chain/);
  });

  it('a stranger cannot anchor (nobody can squat an incident id)', async () => {
    await expect(anchorPostmortem({ ...target(), signerKey: STRANGER_KEY, bytes, incidentId: 'INC-0003' })).rejects.toMatchObject({
      code: 'not_anchorer',
    });
    expect((await verifyPostmortem({ ...target(), bytes, incidentId: 'INC-0003' })).reason).toMatch(/^nothing anchored/);
  });

  it('a submitter whose anchorer right was revoked no longer vouches for the file', async () => {
    const other = new TextEncoder().encode('# Postmortem: INC-0002\n');
    await anchorPostmortem({ ...target(), signerKey: ANCHORER_KEY, bytes: other, incidentId: 'INC-0002' });
    expect((await verifyPostmortem({ ...target(), bytes: other, incidentId: 'INC-0002' })).ok).toBe(true);
    await setup.setAnchorer(ANCHORER, false);
    try {
      const verified = await verifyPostmortem({ ...target(), bytes: other, incidentId: 'INC-0002' });
      expect(verified.ok).toBe(false);
      expect(verified.submitter).toBe(ANCHORER);
      expect(verified.reason).toMatch(/^submitter not allowed: 0x[0-9a-fA-F]{40} anchored it but is neither the owner nor an anchorer/);
    } finally {
      await setup.setAnchorer(ANCHORER, true);
    }
  });

  it('anchoring again is a revision: verify follows the newest, by the owner', async () => {
    const revised = new TextEncoder().encode('# Postmortem: INC-0001 (revised)\n');
    await anchorPostmortem({ ...target(), signerKey: OWNER_KEY, bytes: revised, incidentId: 'INC-0001' });
    const now = await verifyPostmortem({ ...target(), bytes: revised, incidentId: 'INC-0001' });
    expect(now.ok).toBe(true);
    expect(now.revisions).toBe(2);
    expect(now.reason).toMatch(/\(owner\)/);
    expect((await verifyPostmortem({ ...target(), bytes, incidentId: 'INC-0001' })).reason).toMatch(/^different digest/);
    expect(await anchoredEvents({ ...target(), incidentId: 'INC-0001' })).toHaveLength(2);
  });
});
