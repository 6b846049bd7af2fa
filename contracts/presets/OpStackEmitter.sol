// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice Emits OP Stack events as declared in ethereum-optimism/optimism
/// packages/contracts-bedrock/src/L1/OptimismPortal2.sol (TransactionDeposited, with opaqueData
/// packed as _depositTransaction does; WithdrawalProven, WithdrawalFinalized),
/// src/universal/CrossDomainMessenger.sol (RelayedMessage, FailedRelayedMessage) and
/// src/L2/L2ToL1MessagePasser.sol (MessagePassed, withdrawalHash = Hashing.hashWithdrawal). Test-only.
contract OpStackEmitter {
    event TransactionDeposited(address indexed from, address indexed to, uint256 indexed version, bytes opaqueData);
    event RelayedMessage(bytes32 indexed msgHash);
    event FailedRelayedMessage(bytes32 indexed msgHash);
    event MessagePassed(uint256 indexed nonce, address indexed sender, address indexed target, uint256 value, uint256 gasLimit, bytes data, bytes32 withdrawalHash);
    event WithdrawalProven(bytes32 indexed withdrawalHash, address indexed from, address indexed to);
    event WithdrawalFinalized(bytes32 indexed withdrawalHash, bool success);

    address internal constant L2_CROSS_DOMAIN_MESSENGER = 0x4200000000000000000000000000000000000007;

    /// as L1CrossDomainMessenger._sendMessage → OptimismPortal2.depositTransaction: the calldata is relayMessage(...)
    function depositMessage(uint256 messageNonce, address target, uint256 value, bytes calldata message) external returns (bytes32 msgHash) {
        bytes memory data = abi.encodeWithSignature("relayMessage(uint256,address,address,uint256,uint256,bytes)", messageNonce, msg.sender, target, value, uint256(200000), message);
        emit TransactionDeposited(msg.sender, L2_CROSS_DOMAIN_MESSENGER, 0, abi.encodePacked(value, value, uint64(200000), false, data));
        return keccak256(data);
    }

    function relayed(bytes32 msgHash, bool success) external {
        if (success) emit RelayedMessage(msgHash);
        else emit FailedRelayedMessage(msgHash);
    }

    function passMessage(uint256 nonce, address target, uint256 value, bytes calldata data) external returns (bytes32 withdrawalHash) {
        withdrawalHash = keccak256(abi.encode(nonce, msg.sender, target, value, uint256(100000), data));
        emit MessagePassed(nonce, msg.sender, target, value, 100000, data, withdrawalHash);
    }

    function prove(bytes32 withdrawalHash) external { emit WithdrawalProven(withdrawalHash, msg.sender, msg.sender); }
    function finalize(bytes32 withdrawalHash, bool success) external { emit WithdrawalFinalized(withdrawalHash, success); }
}
