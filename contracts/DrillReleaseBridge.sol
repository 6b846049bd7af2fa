// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title DrillReleaseBridge
/// @notice The destination side of a lock-release drill bridge whose release event carries the
/// recipient, the token and the amount (so Firebreak can value a release that has no deposit).
/// Nothing moves. `releaseBatch` is the relayer's path (owner or relayers). `process` is the drill's
/// deliberately faulty path, modelled on Nomad (2022): it accepts any message as proven, so anyone
/// can release without a deposit — the exploit scenario uses it. Pausable by its owner or an
/// authorized pauser (e.g. a RollbackGovernor on this chain); both release paths revert while paused.
contract DrillReleaseBridge {
    address public owner;
    bool public paused;
    mapping(address => bool) public isPauser;
    mapping(address => bool) public isRelayer;

    event Released(bytes32 indexed transferId, address indexed recipient, address token, uint256 amount);
    event Paused(address account);
    event Unpaused(address account);
    event PauserSet(address indexed who, bool ok);
    event RelayerSet(address indexed who, bool ok);

    error NotOwner(address caller);
    error NotPauser(address caller);
    error NotRelayer(address caller);
    error EnforcedPause();
    error LengthMismatch();
    error ZeroAddress();

    modifier whenNotPaused() {
        if (paused) revert EnforcedPause();
        _;
    }

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        _;
    }

    constructor() {
        owner = msg.sender;
    }

    /// @notice The relayer's releases for deposits proven on the source chain.
    function releaseBatch(
        bytes32[] calldata ids,
        address[] calldata recipients,
        address[] calldata tokens,
        uint256[] calldata amounts
    ) external whenNotPaused {
        if (msg.sender != owner && !isRelayer[msg.sender]) revert NotRelayer(msg.sender);
        uint256 n = ids.length;
        if (recipients.length != n || tokens.length != n || amounts.length != n) revert LengthMismatch();
        for (uint256 i = 0; i < n; i++) {
            emit Released(ids[i], recipients[i], tokens[i], amounts[i]);
        }
    }

    /// @notice The faulty path: the message is "proven" whatever it says (Nomad's zero root).
    function process(bytes32 transferId, address recipient, address token, uint256 amount) external whenNotPaused {
        emit Released(transferId, recipient, token, amount);
    }

    function pause() external {
        if (msg.sender != owner && !isPauser[msg.sender]) revert NotPauser(msg.sender);
        if (!paused) {
            paused = true;
            emit Paused(msg.sender);
        }
    }

    function unpause() external {
        if (msg.sender != owner && !isPauser[msg.sender]) revert NotPauser(msg.sender);
        if (paused) {
            paused = false;
            emit Unpaused(msg.sender);
        }
    }

    function setPauser(address who, bool ok) external onlyOwner {
        if (who == address(0)) revert ZeroAddress();
        isPauser[who] = ok;
        emit PauserSet(who, ok);
    }

    function setRelayer(address who, bool ok) external onlyOwner {
        if (who == address(0)) revert ZeroAddress();
        isRelayer[who] = ok;
        emit RelayerSet(who, ok);
    }
}
