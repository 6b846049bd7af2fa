// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice Emits Wormhole events as declared in wormhole-foundation/wormhole
/// ethereum/contracts/Implementation.sol (LogMessagePublished, sequences per emitter) and
/// ethereum/contracts/bridge/Bridge.sol (TransferRedeemed; payload as encodeTransfer). Test-only:
/// `publishTransfer` plays the Core contract called by a token bridge at `tokenBridge`.
contract WormholeEmitter {
    event LogMessagePublished(address indexed sender, uint64 sequence, uint32 nonce, bytes payload, uint8 consistencyLevel);
    event TransferRedeemed(uint16 indexed emitterChainId, bytes32 indexed emitterAddress, uint64 indexed sequence);

    mapping(address => uint64) public sequences;

    function publishTransfer(address tokenBridge, uint256 normalizedAmount, address token, uint16 tokenChain, uint16 toChain) external returns (uint64 sequence) {
        sequence = sequences[tokenBridge]++;
        bytes memory payload = abi.encodePacked(uint8(1), normalizedAmount, bytes32(uint256(uint160(token))), tokenChain, bytes32(uint256(uint160(msg.sender))), toChain, uint256(0));
        emit LogMessagePublished(tokenBridge, sequence, 0, payload, 1);
    }

    function redeem(uint16 emitterChainId, bytes32 emitterAddress, uint64 sequence) external {
        emit TransferRedeemed(emitterChainId, emitterAddress, sequence);
    }
}
