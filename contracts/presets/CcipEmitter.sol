// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice Emits CCIP 1.6 events as declared in smartcontractkit/chainlink-ccip (tag
/// contracts-ccip-v1.6.4) chains/evm/contracts/onRamp/OnRamp.sol, offRamp/OffRamp.sol,
/// libraries/Internal.sol. Test-only.
contract CcipEmitter {
    enum MessageExecutionState { UNTOUCHED, IN_PROGRESS, SUCCESS, FAILURE }
    struct RampMessageHeader { bytes32 messageId; uint64 sourceChainSelector; uint64 destChainSelector; uint64 sequenceNumber; uint64 nonce; }
    struct EVM2AnyTokenTransfer { address sourcePoolAddress; bytes destTokenAddress; bytes extraData; uint256 amount; bytes destExecData; }
    struct EVM2AnyRampMessage { RampMessageHeader header; address sender; bytes data; bytes receiver; bytes extraArgs; address feeToken; uint256 feeTokenAmount; uint256 feeValueJuels; EVM2AnyTokenTransfer[] tokenAmounts; }

    event CCIPMessageSent(uint64 indexed destChainSelector, uint64 indexed sequenceNumber, EVM2AnyRampMessage message);
    event ExecutionStateChanged(uint64 indexed sourceChainSelector, uint64 indexed sequenceNumber, bytes32 indexed messageId, bytes32 messageHash, MessageExecutionState state, bytes returnData, uint256 gasUsed);

    function send(bytes32 messageId, uint64 sourceSelector, uint64 destSelector, uint64 seqNr, address destToken, uint256 amount) external {
        EVM2AnyTokenTransfer[] memory tokens = new EVM2AnyTokenTransfer[](1);
        tokens[0] = EVM2AnyTokenTransfer(address(this), abi.encode(destToken), "", amount, "");
        emit CCIPMessageSent(destSelector, seqNr, EVM2AnyRampMessage(RampMessageHeader(messageId, sourceSelector, destSelector, seqNr, 0), msg.sender, "", abi.encode(msg.sender), "", address(0), 0, 0, tokens));
    }

    function execute(uint64 sourceSelector, uint64 seqNr, bytes32 messageId, bool success) external {
        emit ExecutionStateChanged(sourceSelector, seqNr, messageId, bytes32(0), success ? MessageExecutionState.SUCCESS : MessageExecutionState.FAILURE, "", 21000);
    }
}
