// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title LockReleaseBridge
/// @notice A differently shaped drill bridge (uint64 nonces, uint128 values, other event names), to
/// prove that event decoding is driven by config. One contract serves both sides: deploy it on the
/// source chain and call lock(), on the destination chain and call release(). Nothing moves; anyone
/// may call.
contract LockReleaseBridge {
    uint64 public nextNonce;

    event TokensLocked(uint64 indexed nonce, address indexed from, address asset, uint128 value);
    event TokensReleased(uint64 indexed nonce, address indexed to);

    error LengthMismatch();

    /// @notice Lock `value` of `asset` under the next nonce (0, 1, 2, ...).
    function lock(address asset, uint128 value) external returns (uint64 nonce) {
        nonce = nextNonce;
        nextNonce = nonce + 1;
        emit TokensLocked(nonce, msg.sender, asset, value);
    }

    /// @notice Many locks under caller-chosen nonces in one transaction (tests and benchmarks).
    function lockBatch(uint64[] calldata nonces, address[] calldata assets, uint128[] calldata values) external {
        uint256 n = nonces.length;
        if (assets.length != n || values.length != n) revert LengthMismatch();
        for (uint256 i = 0; i < n; i++) {
            emit TokensLocked(nonces[i], msg.sender, assets[i], values[i]);
        }
    }

    function release(uint64 nonce, address to) external {
        emit TokensReleased(nonce, to);
    }

    /// @notice Release many nonces to the caller in one transaction.
    function releaseBatch(uint64[] calldata nonces) external {
        for (uint256 i = 0; i < nonces.length; i++) {
            emit TokensReleased(nonces[i], msg.sender);
        }
    }
}
