// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice Emits Across V3 SpokePool events exactly as declared in across-protocol/contracts
/// contracts/interfaces/V3SpokePoolInterface.sol (current and legacy generations). Test-only.
contract AcrossEmitter {
    struct V3RelayExecutionEventInfo { bytes32 updatedRecipient; bytes32 updatedMessageHash; uint256 updatedOutputAmount; uint8 fillType; }
    struct LegacyV3RelayExecutionEventInfo { address updatedRecipient; bytes updatedMessage; uint256 updatedOutputAmount; uint8 fillType; }

    event FundsDeposited(bytes32 inputToken, bytes32 outputToken, uint256 inputAmount, uint256 outputAmount, uint256 indexed destinationChainId, uint256 indexed depositId, uint32 quoteTimestamp, uint32 fillDeadline, uint32 exclusivityDeadline, bytes32 indexed depositor, bytes32 recipient, bytes32 exclusiveRelayer, bytes message);
    event FilledRelay(bytes32 inputToken, bytes32 outputToken, uint256 inputAmount, uint256 outputAmount, uint256 repaymentChainId, uint256 indexed originChainId, uint256 indexed depositId, uint32 fillDeadline, uint32 exclusivityDeadline, bytes32 exclusiveRelayer, bytes32 indexed relayer, bytes32 depositor, bytes32 recipient, bytes32 messageHash, V3RelayExecutionEventInfo relayExecutionInfo);
    event V3FundsDeposited(address inputToken, address outputToken, uint256 inputAmount, uint256 outputAmount, uint256 indexed destinationChainId, uint32 indexed depositId, uint32 quoteTimestamp, uint32 fillDeadline, uint32 exclusivityDeadline, address indexed depositor, address recipient, address exclusiveRelayer, bytes message);
    event FilledV3Relay(address inputToken, address outputToken, uint256 inputAmount, uint256 outputAmount, uint256 repaymentChainId, uint256 indexed originChainId, uint32 indexed depositId, uint32 fillDeadline, uint32 exclusivityDeadline, address exclusiveRelayer, address indexed relayer, address depositor, address recipient, bytes message, LegacyV3RelayExecutionEventInfo relayExecutionInfo);

    function deposit(address token, uint256 amount, uint256 destinationChainId, uint256 depositId, uint32 fillDeadline) external {
        emit FundsDeposited(bytes32(uint256(uint160(token))), bytes32(0), amount, amount, destinationChainId, depositId, uint32(block.timestamp), fillDeadline, 0, bytes32(uint256(uint160(msg.sender))), bytes32(0), bytes32(0), "");
    }

    function legacyDeposit(address token, uint256 amount, uint256 destinationChainId, uint32 depositId, uint32 fillDeadline) external {
        emit V3FundsDeposited(token, address(0), amount, amount, destinationChainId, depositId, uint32(block.timestamp), fillDeadline, 0, msg.sender, msg.sender, address(0), "");
    }

    function fill(uint256 originChainId, uint256 depositId) external {
        emit FilledRelay(bytes32(0), bytes32(0), 0, 0, 1, originChainId, depositId, 0, 0, bytes32(0), bytes32(uint256(uint160(msg.sender))), bytes32(0), bytes32(0), bytes32(0), V3RelayExecutionEventInfo(bytes32(0), bytes32(0), 0, 0));
    }

    function legacyFill(uint256 originChainId, uint32 depositId) external {
        emit FilledV3Relay(address(0), address(0), 0, 0, 1, originChainId, depositId, 0, 0, address(0), msg.sender, address(0), address(0), "", LegacyV3RelayExecutionEventInfo(address(0), "", 0, 0));
    }
}
