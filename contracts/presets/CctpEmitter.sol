// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice Emits Circle CCTP V1 events as declared in circlefin/evm-cctp-contracts
/// src/TokenMessenger.sol and src/MessageTransmitter.sol. Test-only.
contract CctpEmitter {
    event DepositForBurn(uint64 indexed nonce, address indexed burnToken, uint256 amount, address indexed depositor, bytes32 mintRecipient, uint32 destinationDomain, bytes32 destinationTokenMessenger, bytes32 destinationCaller);
    event MessageReceived(address indexed caller, uint32 sourceDomain, uint64 indexed nonce, bytes32 sender, bytes messageBody);

    function burn(uint64 nonce, address token, uint256 amount, uint32 destinationDomain) external {
        emit DepositForBurn(nonce, token, amount, msg.sender, bytes32(0), destinationDomain, bytes32(0), bytes32(0));
    }

    function receiveMessage(uint32 sourceDomain, uint64 nonce) external {
        emit MessageReceived(msg.sender, sourceDomain, nonce, bytes32(0), "");
    }
}
