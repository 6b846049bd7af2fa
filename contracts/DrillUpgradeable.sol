// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";
import {ERC1967Utils} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Utils.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts/proxy/utils/UUPSUpgradeable.sol";

/// @title DrillUpgradeProxy
/// @notice OpenZeppelin's ERC-1967 proxy under a name of our own (artifacts are built from contracts/).
contract DrillUpgradeProxy is ERC1967Proxy {
    constructor(address implementation_, bytes memory data) payable ERC1967Proxy(implementation_, data) {}
}

/// @notice What every version of the upgradeable drill destination shares: an owner, the upgraders
/// it granted (the rollback governor), UUPS upgrades for both, and an `implementation()` view so a
/// rollback governor can check on-chain which implementation runs. Storage is appended to, never
/// reordered, across versions.
abstract contract DrillUpgradeableBase is UUPSUpgradeable {
    address public owner;
    mapping(address => bool) public isUpgrader;

    event UpgraderSet(address indexed who, bool ok);

    error AlreadyInitialized();
    error NotOwner(address caller);
    error NotUpgrader(address caller);

    function initialize(address owner_) external {
        if (owner != address(0)) revert AlreadyInitialized();
        owner = owner_;
    }

    function setUpgrader(address who, bool ok) external {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        isUpgrader[who] = ok;
        emit UpgraderSet(who, ok);
    }

    /// @notice The ERC-1967 implementation this proxy runs.
    function implementation() external view returns (address) {
        return ERC1967Utils.getImplementation();
    }

    function version() external pure virtual returns (string memory);

    function _authorizeUpgrade(address) internal view override {
        if (msg.sender != owner && !isUpgrader[msg.sender]) revert NotUpgrader(msg.sender);
    }
}

/// @title DrillBridgeDestinationV1
/// @notice The drill bridge's destination behind a UUPS proxy: anyone may finalize, as in
/// DrillBridgeDestination.
contract DrillBridgeDestinationV1 is DrillUpgradeableBase {
    event Finalized(bytes32 indexed transferId);

    function version() external pure override returns (string memory) {
        return "1";
    }

    function finalize(bytes32 transferId) external {
        emit Finalized(transferId);
    }

    function finalizeBatch(bytes32[] calldata transferIds) external {
        for (uint256 i = 0; i < transferIds.length; i++) {
            emit Finalized(transferIds[i]);
        }
    }
}

/// @title DrillBridgeDestinationV2
/// @notice The `bad-upgrade` scenario's broken release: it restricts finalization to a relayer kept
/// in new storage, but the upgrade was sent without the call that sets it, so every finalization
/// reverts (the classic forgotten reinitializer).
contract DrillBridgeDestinationV2 is DrillUpgradeableBase {
    address public relayer;

    event Finalized(bytes32 indexed transferId);
    event RelayerSet(address indexed relayer);

    error NotRelayer(address caller);

    function version() external pure override returns (string memory) {
        return "2";
    }

    function setRelayer(address relayer_) external {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        relayer = relayer_;
        emit RelayerSet(relayer_);
    }

    function finalize(bytes32 transferId) external {
        if (msg.sender != relayer) revert NotRelayer(msg.sender);
        emit Finalized(transferId);
    }

    function finalizeBatch(bytes32[] calldata transferIds) external {
        if (msg.sender != relayer) revert NotRelayer(msg.sender);
        for (uint256 i = 0; i < transferIds.length; i++) {
            emit Finalized(transferIds[i]);
        }
    }
}
