// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title DrillBridgeSource
/// @notice The source side of a drill bridge for local game days and tests: deposits only emit
/// events (no tokens move). Pausable by its owner or an authorized pauser (e.g. a RollbackGovernor);
/// deposits revert while paused.
contract DrillBridgeSource {
    address public owner;
    bool public paused;
    uint256 public nonce;
    mapping(address => bool) public isPauser;

    event Deposit(bytes32 indexed transferId, address indexed sender, address token, uint256 amount);
    event Paused(address account);
    event Unpaused(address account);
    event PauserSet(address indexed who, bool ok);
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    error NotOwner(address caller);
    error NotPauser(address caller);
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

    modifier onlyPauser() {
        if (msg.sender != owner && !isPauser[msg.sender]) revert NotPauser(msg.sender);
        _;
    }

    constructor() {
        owner = msg.sender;
        emit OwnershipTransferred(address(0), msg.sender);
    }

    /// @notice Deposit with a fresh transfer id: keccak256(abi.encode(chainid, this, nonce)).
    function deposit(address token, uint256 amount) external whenNotPaused returns (bytes32 transferId) {
        transferId = keccak256(abi.encode(block.chainid, address(this), nonce));
        nonce += 1;
        emit Deposit(transferId, msg.sender, token, amount);
    }

    /// @notice Deposit under a transfer id chosen by the caller (drills and tests).
    function depositWithId(bytes32 transferId, address token, uint256 amount) external whenNotPaused {
        emit Deposit(transferId, msg.sender, token, amount);
    }

    /// @notice Many deposits in one transaction (tests and benchmarks).
    function depositBatch(bytes32[] calldata ids, address[] calldata tokens, uint256[] calldata amounts)
        external
        whenNotPaused
    {
        uint256 n = ids.length;
        if (tokens.length != n || amounts.length != n) revert LengthMismatch();
        for (uint256 i = 0; i < n; i++) {
            emit Deposit(ids[i], msg.sender, tokens[i], amounts[i]);
        }
    }

    /// @notice Pause deposits (idempotent). Owner or an authorized pauser.
    function pause() external onlyPauser {
        if (!paused) {
            paused = true;
            emit Paused(msg.sender);
        }
    }

    /// @notice Resume deposits (idempotent). Owner or an authorized pauser.
    function unpause() external onlyPauser {
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

    function transferOwnership(address newOwner) external onlyOwner {
        if (newOwner == address(0)) revert ZeroAddress();
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }
}
