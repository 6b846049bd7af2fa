// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title PostmortemRegistry
/// @notice Anchors postmortems on chain: for an incident id (keccak256 of the incident id string) it
/// records the keccak256 digest of the postmortem file and where to find it (an ipfs:// URI).
/// Anchoring an id again is a revision; digestOf returns the newest. The owner (the deployer) and
/// the anchorers it names may anchor.
contract PostmortemRegistry {
    struct Revision {
        bytes32 digest;
        address submitter;
        uint64 anchoredAt;
        string uri;
    }

    address public immutable owner;
    mapping(address => bool) public isAnchorer;
    mapping(bytes32 => Revision[]) private _revisions;

    event PostmortemAnchored(bytes32 indexed incidentId, bytes32 digest, string uri, address submitter);
    event AnchorerSet(address indexed who, bool ok);

    error NotOwner(address caller);
    error NotAnchorer(address caller);
    error ZeroDigest();
    error ZeroAddress();
    error NoSuchRevision(bytes32 incidentId, uint256 index);

    constructor() {
        owner = msg.sender;
    }

    function setAnchorer(address who, bool ok) external {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        if (who == address(0)) revert ZeroAddress();
        isAnchorer[who] = ok;
        emit AnchorerSet(who, ok);
    }

    /// @notice Anchor (or revise) the postmortem of `incidentId`.
    function anchor(bytes32 incidentId, bytes32 digest, string calldata uri) external {
        if (msg.sender != owner && !isAnchorer[msg.sender]) revert NotAnchorer(msg.sender);
        if (digest == bytes32(0)) revert ZeroDigest();
        _revisions[incidentId].push(
            Revision({digest: digest, submitter: msg.sender, anchoredAt: uint64(block.timestamp), uri: uri})
        );
        emit PostmortemAnchored(incidentId, digest, uri, msg.sender);
    }

    /// @notice The newest digest anchored for `incidentId`; zero when none.
    function digestOf(bytes32 incidentId) external view returns (bytes32) {
        Revision[] storage list = _revisions[incidentId];
        return list.length == 0 ? bytes32(0) : list[list.length - 1].digest;
    }

    /// @notice Who anchored the newest revision of `incidentId`; address(0) when none.
    function submitterOf(bytes32 incidentId) external view returns (address) {
        Revision[] storage list = _revisions[incidentId];
        return list.length == 0 ? address(0) : list[list.length - 1].submitter;
    }

    /// @notice The URI of the newest revision of `incidentId`; empty when none.
    function uriOf(bytes32 incidentId) external view returns (string memory) {
        Revision[] storage list = _revisions[incidentId];
        return list.length == 0 ? "" : list[list.length - 1].uri;
    }

    /// @notice How many times `incidentId` was anchored (1 = original, more = revisions).
    function revisionCount(bytes32 incidentId) external view returns (uint256) {
        return _revisions[incidentId].length;
    }

    /// @notice One revision of `incidentId`, oldest first (index 0 is the original).
    function revisionOf(bytes32 incidentId, uint256 index)
        external
        view
        returns (bytes32 digest, string memory uri, address submitter, uint64 anchoredAt)
    {
        Revision[] storage list = _revisions[incidentId];
        if (index >= list.length) revert NoSuchRevision(incidentId, index);
        Revision storage r = list[index];
        return (r.digest, r.uri, r.submitter, r.anchoredAt);
    }
}
