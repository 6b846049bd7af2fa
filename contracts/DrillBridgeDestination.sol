// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title DrillBridgeDestination
/// @notice The destination side of the drill bridge: anyone may finalize (it is a drill; nothing is
/// stored, so batches stay cheap for tests and benchmarks).
contract DrillBridgeDestination {
    event Finalized(bytes32 indexed transferId);

    function finalize(bytes32 transferId) external {
        emit Finalized(transferId);
    }

    function finalizeBatch(bytes32[] calldata transferIds) external {
        for (uint256 i = 0; i < transferIds.length; i++) {
            emit Finalized(transferIds[i]);
        }
    }
}
