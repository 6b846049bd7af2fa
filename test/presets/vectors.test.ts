/**
 * Key derivations against vectors copied from the bridges' own repositories (each test names the
 * repository, path and commit its values come from; the long ones are fixtures with a `source`).
 */
import { readFileSync } from 'node:fs';
import { decodeAbiParameters, encodeAbiParameters, type Hex, hexToBigInt, keccak256, pad, slice } from 'viem';
import { describe, expect, it } from 'vitest';
import { eventAbi } from '../../src/core/presets/abi.ts';
import { ccipMessageId, ccipOffRampMessageHash, ccipV16 } from '../../src/core/presets/ccip-v1-6.ts';
import { cctpUsedNonceKey, cctpV1, parseCctpMessage } from '../../src/core/presets/cctp-v1.ts';
import { layerzeroOft, lzGuid } from '../../src/core/presets/layerzero-oft.ts';
import { compositeKey } from '../../src/core/presets/model.ts';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/presets/${name}`, import.meta.url), 'utf8'));

describe('LayerZero V2 GUID', () => {
  it('GUID.generate against the endpoint tests’ vector', () => {
    // LayerZero-Labs/LayerZero-v2 @ 9c741e7f9790639537b1710a203bcdfd73b0b9ac,
    // packages/layerzero-v2/sui/contracts/endpoint-v2/tests/utils_tests.move `test_compute_guid`
    // (the same vector in packages/layerzero-v2/iota/contracts/endpoint-v2/tests/utils_tests.move;
    // "generate from aptos"). utils::compute_guid writes nonce u64 ‖ src_eid u32 ‖ sender bytes32 ‖
    // dst_eid u32 ‖ receiver bytes32, big-endian: the bytes evm/protocol/contracts/libs/GUID.sol packs.
    const guid = lzGuid(0x1234n, 1, '0x03', 2, '0x04');
    expect(guid).toBe('0x4e80f6fdccb10b2634b15fd900819c9d609ae2c61047ed47718f1dcca05587e4');

    // the OFT pair keys both sides by that guid (topic1 of OFTSent and OFTReceived)
    const sent = eventAbi(layerzeroOft.source[0]!.signature);
    const received = eventAbi(layerzeroOft.destination[0]!.signature);
    const from = pad('0x03');
    const deposit = layerzeroOft.source[0]!.decode(
      { address: '0x00000000000000000000000000000000000000aa', topics: [sent.topic0, guid, from], data: encodeAbiParameters([{ type: 'uint32' }, { type: 'uint256' }, { type: 'uint256' }], [2, 10n, 10n]) },
      { chainId: 1, otherChainId: 2, params: { srcEid: 1, dstEid: 2 } },
    );
    const delivery = layerzeroOft.destination[0]!.decode(
      { address: '0x00000000000000000000000000000000000000bb', topics: [received.topic0, guid, pad('0x04')], data: encodeAbiParameters([{ type: 'uint32' }, { type: 'uint256' }], [1, 10n]) },
      { chainId: 2, otherChainId: 1, params: { srcEid: 1, dstEid: 2 } },
    );
    expect(deposit?.key).toBe(guid);
    expect(delivery?.key).toBe(guid);
  });
});

describe('Chainlink CCIP 1.6 hashes', () => {
  it('the OffRamp’s messageHash (Internal._hash of an Any2EVMRampMessage) against the CCIP SDK’s vector', () => {
    // smartcontractkit/ccip-tools-ts @ 4342e96be96778aa1f71e3addea7dfb08e2a3bda,
    // ccip-sdk/src/evm/hasher.test.ts 'should hash v1.6 msg' (values in the fixture, as copied)
    const v = fixture('ccip-v16-message-hash.json');
    const onRamp32 = pad(v.onRamp as Hex);
    // the test's gasLimit: GenericExtraArgsV2 = tag 0x181dcf10 ‖ abi.encode(uint256 gasLimit, bool allowOutOfOrderExecution)
    expect(slice(v.extraArgs, 0, 4)).toBe('0x181dcf10');
    const [gasLimit] = decodeAbiParameters([{ type: 'uint256' }, { type: 'bool' }], slice(v.extraArgs, 4));
    const message = {
      header: { messageId: v.messageId, sourceChainSelector: BigInt(v.sourceChainSelector), destChainSelector: BigInt(v.destChainSelector), sequenceNumber: BigInt(v.sequenceNumber), nonce: BigInt(v.nonce) },
      sender: v.sender,
      data: v.data,
      receiver: v.receiver,
      gasLimit,
      tokenAmounts: v.tokenAmounts.map((t: Record<string, string>) => ({
        sourcePoolAddress: t.sourcePoolAddress as Hex,
        destTokenAddress: t.destTokenAddress as Hex,
        destGasAmount: Number(hexToBigInt(t.destExecData as Hex)),
        extraData: t.extraData as Hex,
        amount: BigInt(t.amount!),
      })),
    };
    // the OffRamp holds an EVM onRamp as abi.encode(address): 32 bytes
    expect(ccipOffRampMessageHash(message, onRamp32)).toBe(v.expectedHash);
    // and any change to what is hashed changes it
    expect(ccipOffRampMessageHash({ ...message, gasLimit: gasLimit + 1n }, onRamp32)).not.toBe(v.expectedHash);
    expect(ccipOffRampMessageHash(message, v.onRamp)).not.toBe(v.expectedHash);

    // the preset pairs on the messageId, which ExecutionStateChanged carries as topic3 next to that messageHash
    const changed = eventAbi(ccipV16.destination[0]!.signature);
    const seqTopic = pad(`0x${BigInt(v.sequenceNumber).toString(16)}`);
    const selTopic = pad(`0x${BigInt(v.sourceChainSelector).toString(16)}`);
    const event = ccipV16.destination[0]!.decode(
      {
        address: '0x00000000000000000000000000000000000000cc',
        topics: [changed.topic0, selTopic, seqTopic, v.messageId],
        data: encodeAbiParameters([{ type: 'bytes32' }, { type: 'uint8' }, { type: 'bytes' }, { type: 'uint256' }], [v.expectedHash, 2, '0x', 90_000n]),
      },
      { chainId: 2, otherChainId: 1, params: { sourceChainSelector: v.sourceChainSelector, destChainSelector: v.destChainSelector } },
    );
    expect(event).toMatchObject({ key: v.messageId, stage: 'delivered' });
  });
});

describe('Chainlink CCIP 1.6 messageId (no literal vector exists)', () => {
  // chainlink-ccip's own tests compute the expected id with Internal._hash itself
  // (chains/evm/contracts/test/onRamp/OnRamp/OnRampSetup.t.sol @ contracts-ccip-v1.6.4), so this
  // checks only the field set Internal._hash(EVM2AnyRampMessage) reads, from libraries/Internal.sol:
  // not the header's messageId, not feeValueJuels, every other field, and the OnRamp's lane.
  const message = {
    header: { messageId: pad('0x00'), sourceChainSelector: 5009297550715157269n, destChainSelector: 4949039107694359620n, sequenceNumber: 7n, nonce: 3n },
    sender: '0x1111111111111111111111111111111111111111' as Hex,
    data: '0xabcd' as Hex,
    receiver: pad('0x2222222222222222222222222222222222222222'),
    extraArgs: '0x181dcf10' as Hex,
    feeToken: '0x3333333333333333333333333333333333333333' as Hex,
    feeTokenAmount: 5n,
    feeValueJuels: 9n,
    tokenAmounts: [{ sourcePoolAddress: '0x4444444444444444444444444444444444444444' as Hex, destTokenAddress: pad('0x55'), extraData: '0x' as Hex, amount: 10n, destExecData: '0x' as Hex }],
  };
  const onRamp = '0x6666666666666666666666666666666666666666' as Hex;
  it('reads what Internal._hash reads, and only that', () => {
    const id = ccipMessageId(message, onRamp);
    expect(ccipMessageId({ ...message, header: { ...message.header, messageId: id } }, onRamp)).toBe(id);
    expect(ccipMessageId({ ...message, feeValueJuels: 10n }, onRamp)).toBe(id);
    const changed = [
      ccipMessageId({ ...message, header: { ...message.header, sequenceNumber: 8n } }, onRamp),
      ccipMessageId({ ...message, header: { ...message.header, nonce: 4n } }, onRamp),
      ccipMessageId({ ...message, header: { ...message.header, destChainSelector: 1n } }, onRamp),
      ccipMessageId({ ...message, data: '0xabce' }, onRamp),
      ccipMessageId({ ...message, extraArgs: '0x181dcf11' }, onRamp),
      ccipMessageId({ ...message, feeTokenAmount: 6n }, onRamp),
      ccipMessageId({ ...message, tokenAmounts: [{ ...message.tokenAmounts[0]!, amount: 11n }] }, onRamp),
      ccipMessageId(message, '0x7777777777777777777777777777777777777777'),
    ];
    expect(new Set([id, ...changed]).size).toBe(changed.length + 1);
    // an OnRamp id is not the OffRamp's leaf over the same message ("hash(EVM2AnyMessage) != hash(Any2EVMRampMessage)")
    expect(id).not.toBe(
      ccipOffRampMessageHash({ header: { ...message.header, messageId: id }, sender: pad(message.sender), data: message.data, receiver: '0x2222222222222222222222222222222222222222', gasLimit: 0n, tokenAmounts: [] }, pad(onRamp)),
    );
  });
});

describe('Circle CCTP V1 messages', () => {
  // real V1 MessageSent(bytes) payloads: smartcontractkit/chainlink-ccip @ contracts-ccip-v1.6.4
  // (bccdd15b734ea6c0e6d1b3d36c482e64ced2d441) execute/tokendata/usdc/usdc_int_test.go m1..m5, in the fixture
  // with their explorer links. Layout: circlefin/evm-cctp-contracts @ 4061786a5726bc05f99fcdb53b0985599f0dbaf7
  // src/messages/Message.sol, src/messages/BurnMessage.sol; used-nonce key: src/MessageTransmitter.sol _hashSourceAndNonce.
  const { messages } = fixture('cctp-v1-messages.json');

  it('each decodes to the source domain and nonce it was labelled with; keccak256 is its attestation id', () => {
    expect(messages).toHaveLength(5);
    // the burn bodies' amounts (USDC base units), read at BurnMessage.sol AMOUNT_INDEX 68 by a separate one-off script
    const amounts = [100n, 10n, 200_000n, 10_000n, 10_000n];
    for (const [i, m] of messages.entries()) {
      const message = parseCctpMessage(m.message)!;
      expect(keccak256(m.message), m.name).toBe(m.messageHash);
      expect(message, m.name).toMatchObject({ version: 0, sourceDomain: m.sourceDomain, destinationDomain: 6, nonce: BigInt(m.nonce) });
      expect(message.burn, m.name).toMatchObject({ version: 0, amount: amounts[i] });
      // burned: USDC on Avalanche Fuji (domain 1) or on Ethereum Sepolia (domain 0)
      expect(message.burn!.burnToken).toBe(m.sourceDomain === 1 ? '0x5425890298aed601595a70ab815c96711a31bc65' : '0x1c7d4b196cb0c7b01d743fbc6116a902379c7238');
      // MessageTransmitter.usedNonces key = keccak256(sourceDomain ‖ nonce), the message's own bytes [4:8] ‖ [12:20]
      expect(cctpUsedNonceKey(message.sourceDomain, message.nonce)).toBe(keccak256(`0x${slice(m.message, 4, 8).slice(2)}${slice(m.message, 12, 20).slice(2)}`));
    }
  });

  it('the burn TokenMessenger logs and the receipt MessageTransmitter logs for it share one key', () => {
    const burnAbi = eventAbi(cctpV1.source[0]!.signature);
    const receivedAbi = eventAbi(cctpV1.destination[0]!.signature);
    for (const m of messages) {
      const message = parseCctpMessage(m.message)!;
      const burn = message.burn!;
      const params = { sourceDomain: message.sourceDomain, destinationDomain: message.destinationDomain };
      // TokenMessenger._depositForBurn: DepositForBurn(nonce, burnToken, amount, msg.sender, mintRecipient, destinationDomain, destinationTokenMessenger, destinationCaller)
      const deposit = cctpV1.source[0]!.decode(
        {
          address: `0x${message.sender.slice(-40)}`,
          topics: [burnAbi.topic0, pad(`0x${message.nonce.toString(16)}`), pad(burn.burnToken), burn.messageSender],
          data: encodeAbiParameters(
            [{ type: 'uint256' }, { type: 'bytes32' }, { type: 'uint32' }, { type: 'bytes32' }, { type: 'bytes32' }],
            [burn.amount, burn.mintRecipient, message.destinationDomain, message.recipient, message.destinationCaller],
          ),
        },
        { chainId: 1, otherChainId: 2, params },
      );
      // MessageTransmitter.receiveMessage: MessageReceived(msg.sender, sourceDomain, nonce, sender, messageBody)
      const receivedLog = (sourceDomain: number) => ({
        address: '0x00000000000000000000000000000000000000dd',
        topics: [receivedAbi.topic0, pad(`0x${message.destinationCaller.slice(-40)}`), pad(`0x${message.nonce.toString(16)}`)],
        data: encodeAbiParameters([{ type: 'uint32' }, { type: 'bytes32' }, { type: 'bytes' }], [sourceDomain, message.sender, message.body]),
      });
      const receipt = cctpV1.destination[0]!.decode(receivedLog(message.sourceDomain), { chainId: 2, otherChainId: 1, params });
      expect(deposit, m.name).toMatchObject({ key: compositeKey(m.sourceDomain, BigInt(m.nonce)), stage: 'deposit', amount: burn.amount, token: burn.burnToken });
      expect(receipt?.key, m.name).toBe(deposit?.key);
      // the same nonce from another source domain is another route's message
      expect(cctpV1.destination[0]!.decode(receivedLog(message.sourceDomain + 2), { chainId: 2, otherChainId: 1, params })).toBeNull();
    }
  });

  it('bytes too short for a V1 message are refused; a body that is not a burn has no burn', () => {
    expect(parseCctpMessage('0x0000')).toBeNull();
    const header: Hex = slice(messages[0].message as Hex, 0, 116);
    expect(parseCctpMessage(`${header}aabbcc` as Hex)).toMatchObject({ nonce: 306189n, burn: null, body: '0xaabbcc' });
  });
});
