// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice Emits LayerZero V2 OFT and ONFT721 events as declared in LayerZero-Labs/LayerZero-v2
/// packages/layerzero-v2/evm/oapp/contracts/oft/interfaces/IOFT.sol and LayerZero-Labs/devtools
/// packages/onft-evm/contracts/onft721/interfaces/IONFT721.sol. Test-only.
contract LayerZeroEmitter {
    event OFTSent(bytes32 indexed guid, uint32 dstEid, address indexed fromAddress, uint256 amountSentLD, uint256 amountReceivedLD);
    event OFTReceived(bytes32 indexed guid, uint32 srcEid, address indexed toAddress, uint256 amountReceivedLD);
    event ONFTSent(bytes32 indexed guid, uint32 dstEid, address indexed fromAddress, uint256 tokenId);
    event ONFTReceived(bytes32 indexed guid, uint32 srcEid, address indexed toAddress, uint256 tokenId);

    function oftSend(bytes32 guid, uint32 dstEid, uint256 amount) external { emit OFTSent(guid, dstEid, msg.sender, amount, amount); }
    function oftReceive(bytes32 guid, uint32 srcEid, uint256 amount) external { emit OFTReceived(guid, srcEid, msg.sender, amount); }
    function onftSend(bytes32 guid, uint32 dstEid, uint256 tokenId) external { emit ONFTSent(guid, dstEid, msg.sender, tokenId); }
    function onftReceive(bytes32 guid, uint32 srcEid, uint256 tokenId) external { emit ONFTReceived(guid, srcEid, msg.sender, tokenId); }
}
