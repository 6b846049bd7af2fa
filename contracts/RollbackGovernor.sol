// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice What a target must offer the governor: it grants the governor the right to call these.
interface IPausableTarget {
    function pause() external;
    function unpause() external;
}

/// @notice What a rolled-back proxy must offer: UUPS (ERC-1822) upgrades, granted to the governor.
interface IUUPSProxy {
    function upgradeToAndCall(address newImplementation, bytes calldata data) external payable;
}

/// @notice ERC-1822: a UUPS implementation names the storage slot it upgrades.
interface IERC1822Proxiable {
    function proxiableUUID() external view returns (bytes32);
}

/// @title RollbackGovernor
/// @notice An emergency brake with a time limit. Governance allows a target for a bounded pause
/// (at most 30 days); a guardian may then pause it once, for an incident. The pause lapses at its
/// expiry unless governance ratifies it; governance may lift it at any time, and after an
/// unratified expiry anyone may lift it. Each allowance is good for one pause: the next one needs a
/// fresh allowance from governance, as with an emergency-brake committee.
/// Rollbacks work the same way: governance pre-authorizes one exact (proxy, fromImpl, toImpl) for at
/// most 30 days; a guardian may execute it once, during an incident, only while the proxy still runs
/// fromImpl.
contract RollbackGovernor {
    /// @notice The longest pause governance may allow.
    uint64 public constant MAX_PAUSE_SECONDS = 30 days;

    struct Allowance {
        uint64 maxPauseSeconds;
        bool usable;
    }

    /// @notice ERC-1967: bytes32(uint256(keccak256("eip1967.proxy.implementation")) - 1).
    bytes32 public constant IMPLEMENTATION_SLOT = 0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc;

    /// @notice The longest a rollback allowance may stay valid.
    uint64 public constant MAX_ROLLBACK_SECONDS = 30 days;

    struct RollbackAllowance {
        address fromImpl;
        address toImpl;
        uint64 validUntil;
        bool usable;
    }

    struct PauseRecord {
        bytes32 incidentId;
        address guardian;
        uint64 pausedAt;
        uint64 until;
        bool inPlace;
        bool ratified;
    }

    address public governance;
    address public pendingGovernance;
    mapping(address => bool) public isGuardian;

    mapping(address => Allowance) private _allowances;
    mapping(address => PauseRecord) private _pauses;
    mapping(address => RollbackAllowance) private _rollbacks;

    event Paused(address indexed target, bytes32 indexed incidentId, address guardian, uint64 until);
    event Ratified(address indexed target);
    event Unpaused(address indexed target, address by);
    event Allowed(address indexed target, uint64 maxPauseSeconds);
    event Disallowed(address indexed target);
    event RollbackAllowed(address indexed proxy, address fromImpl, address toImpl, uint64 validUntil);
    event RollbackDisallowed(address indexed proxy);
    event RolledBack(address indexed proxy, bytes32 indexed incidentId, address fromImpl, address toImpl, address guardian);
    event GuardianSet(address indexed who, bool ok);
    event GovernanceTransferStarted(address indexed previousGovernance, address indexed newGovernance);
    event GovernanceTransferred(address indexed previousGovernance, address indexed newGovernance);

    error NotGovernance(address caller);
    error NotPendingGovernance(address caller);
    error NotGuardian(address caller);
    error ZeroAddress();
    error ZeroPauseDuration();
    error PauseTooLong(uint64 requested, uint64 max);
    error TargetNotAllowed(address target);
    error PauseStillActive(address target, uint64 until);
    error NoPauseInPlace(address target);
    error PauseNotExpired(address target, uint64 until);
    error PauseIsRatified(address target);
    error AlreadyRatified(address target);
    error ZeroRollbackValidity();
    error RollbackValidityTooLong(uint64 requested, uint64 max);
    error SameImplementation(address impl);
    error RollbackNotAllowed(address proxy);
    error RollbackExpired(address proxy, uint64 validUntil);
    error ImplementationMismatch(address proxy, address expected, address actual);
    error ImplementationWithoutCode(address impl);
    error NotUUPSImplementation(address impl);
    error RollbackNotApplied(address proxy, address expected, address actual);

    modifier onlyGovernance() {
        if (msg.sender != governance) revert NotGovernance(msg.sender);
        _;
    }

    constructor(address governance_, address[] memory guardians) {
        if (governance_ == address(0)) revert ZeroAddress();
        governance = governance_;
        emit GovernanceTransferred(address(0), governance_);
        for (uint256 i = 0; i < guardians.length; i++) {
            if (guardians[i] == address(0)) revert ZeroAddress();
            isGuardian[guardians[i]] = true;
            emit GuardianSet(guardians[i], true);
        }
    }

    // ---------------------------------------------------------------- governance

    /// @notice Allow one pause of `target` lasting at most `maxPauseSeconds` (1 s .. 30 days).
    /// Re-granting replaces an unused allowance. A pause already in place is not changed.
    function allow(address target, uint64 maxPauseSeconds) external onlyGovernance {
        if (target == address(0)) revert ZeroAddress();
        if (maxPauseSeconds == 0) revert ZeroPauseDuration();
        if (maxPauseSeconds > MAX_PAUSE_SECONDS) revert PauseTooLong(maxPauseSeconds, MAX_PAUSE_SECONDS);
        _allowances[target] = Allowance({maxPauseSeconds: maxPauseSeconds, usable: true});
        emit Allowed(target, maxPauseSeconds);
    }

    /// @notice Withdraw the allowance for `target`. A pause already in place is not changed.
    function disallow(address target) external onlyGovernance {
        delete _allowances[target];
        emit Disallowed(target);
    }

    function setGuardian(address who, bool ok) external onlyGovernance {
        if (who == address(0)) revert ZeroAddress();
        isGuardian[who] = ok;
        emit GuardianSet(who, ok);
    }

    /// @notice First step of a governance handover; `newGovernance` must call acceptGovernance().
    /// address(0) cancels a pending handover.
    function transferGovernance(address newGovernance) external onlyGovernance {
        pendingGovernance = newGovernance;
        emit GovernanceTransferStarted(governance, newGovernance);
    }

    function acceptGovernance() external {
        if (msg.sender != pendingGovernance || msg.sender == address(0)) revert NotPendingGovernance(msg.sender);
        address previous = governance;
        governance = msg.sender;
        pendingGovernance = address(0);
        emit GovernanceTransferred(previous, msg.sender);
    }

    /// @notice Keep this governor's pause of `target` past its expiry, until governance lifts it.
    function ratify(address target) external onlyGovernance {
        PauseRecord storage record = _pauses[target];
        if (!record.inPlace) revert NoPauseInPlace(target);
        if (record.ratified) revert AlreadyRatified(target);
        record.ratified = true;
        emit Ratified(target);
    }

    /// @notice Allow one rollback of `proxy` from `fromImpl` back to `toImpl`, valid for
    /// `validForSeconds` (1 s .. 30 days) from now. Replaces any earlier rollback allowance of the
    /// proxy, used or not.
    function allowRollback(address proxy, address fromImpl, address toImpl, uint64 validForSeconds)
        external
        onlyGovernance
    {
        if (proxy == address(0) || fromImpl == address(0) || toImpl == address(0)) revert ZeroAddress();
        if (fromImpl == toImpl) revert SameImplementation(toImpl);
        if (validForSeconds == 0) revert ZeroRollbackValidity();
        if (validForSeconds > MAX_ROLLBACK_SECONDS) revert RollbackValidityTooLong(validForSeconds, MAX_ROLLBACK_SECONDS);
        _checkUUPS(toImpl);
        uint64 validUntil = uint64(block.timestamp) + validForSeconds;
        _rollbacks[proxy] = RollbackAllowance({fromImpl: fromImpl, toImpl: toImpl, validUntil: validUntil, usable: true});
        emit RollbackAllowed(proxy, fromImpl, toImpl, validUntil);
    }

    /// @notice Withdraw the rollback allowance of `proxy`.
    function disallowRollback(address proxy) external onlyGovernance {
        delete _rollbacks[proxy];
        emit RollbackDisallowed(proxy);
    }

    // ---------------------------------------------------------------- guardians

    /// @notice Roll `proxy` back to its allowance's toImpl, for the incident `incidentId`: once per
    /// allowance, only while it is valid and only while the proxy runs fromImpl. The allowance is
    /// spent before the upgrade call; a failing upgrade reverts everything and leaves it unspent.
    ///
    /// The current implementation is read through the proxy's `implementation()` view when it has
    /// one (the drill's and many UUPS implementations do). A contract cannot read another's storage
    /// slot, so for proxies without that view the check is Firebreak's: it reads the ERC-1967 slot
    /// (eth_getStorageAt) and simulates right before sending.
    function rollback(address proxy, bytes32 incidentId) external {
        if (!isGuardian[msg.sender]) revert NotGuardian(msg.sender);
        RollbackAllowance memory a = _rollbacks[proxy];
        if (!a.usable) revert RollbackNotAllowed(proxy);
        if (block.timestamp >= a.validUntil) revert RollbackExpired(proxy, a.validUntil);
        (bool answered, address current) = _implementationOf(proxy);
        if (answered && current != a.fromImpl) revert ImplementationMismatch(proxy, a.fromImpl, current);
        _checkUUPS(a.toImpl);

        _rollbacks[proxy].usable = false;
        emit RolledBack(proxy, incidentId, a.fromImpl, a.toImpl, msg.sender);
        IUUPSProxy(proxy).upgradeToAndCall(a.toImpl, "");
        if (answered) {
            (, address afterwards) = _implementationOf(proxy);
            if (afterwards != a.toImpl) revert RollbackNotApplied(proxy, a.toImpl, afterwards);
        }
    }

    /// @notice Pause `target` for the incident `incidentId`, for its allowance's maxPauseSeconds.
    /// Consumes the allowance. Reverts while this governor's pause of the target is active.
    function pause(address target, bytes32 incidentId) external {
        if (!isGuardian[msg.sender]) revert NotGuardian(msg.sender);
        Allowance memory allowance_ = _allowances[target];
        if (!allowance_.usable) revert TargetNotAllowed(target);
        PauseRecord storage record = _pauses[target];
        if (_isActive(record)) revert PauseStillActive(target, record.ratified ? type(uint64).max : record.until);

        uint64 until = uint64(block.timestamp) + allowance_.maxPauseSeconds;
        _allowances[target].usable = false;
        _pauses[target] = PauseRecord({
            incidentId: incidentId,
            guardian: msg.sender,
            pausedAt: uint64(block.timestamp),
            until: until,
            inPlace: true,
            ratified: false
        });
        emit Paused(target, incidentId, msg.sender, until);
        IPausableTarget(target).pause();
    }

    // ---------------------------------------------------------------- anyone (after expiry)

    /// @notice Lift this governor's pause of `target`: governance at any time, anyone once the pause
    /// has expired unratified.
    function unpause(address target) external {
        PauseRecord storage record = _pauses[target];
        if (!record.inPlace) revert NoPauseInPlace(target);
        if (msg.sender != governance) {
            if (record.ratified) revert PauseIsRatified(target);
            if (block.timestamp < record.until) revert PauseNotExpired(target, record.until);
        }
        record.inPlace = false;
        record.ratified = false;
        emit Unpaused(target, msg.sender);
        IPausableTarget(target).unpause();
    }

    // ---------------------------------------------------------------- views

    /// @notice When this governor's pause of `target` ends: 0 when none is in place,
    /// type(uint64).max when ratified (until governance lifts it), else the expiry (which may be in
    /// the past: an expired pause stays in place until someone calls unpause()).
    function pausedUntil(address target) external view returns (uint64) {
        PauseRecord storage record = _pauses[target];
        if (!record.inPlace) return 0;
        if (record.ratified) return type(uint64).max;
        return record.until;
    }

    /// @notice The allowance for `target`: its maxPauseSeconds and whether a guardian can still use it.
    function allowance(address target) external view returns (uint64 maxPauseSeconds, bool usable) {
        Allowance memory a = _allowances[target];
        return (a.maxPauseSeconds, a.usable);
    }

    function ratified(address target) external view returns (bool) {
        PauseRecord storage record = _pauses[target];
        return record.inPlace && record.ratified;
    }

    /// @notice Whether this governor's pause of `target` is in force now (not expired, or ratified).
    function isPauseActive(address target) external view returns (bool) {
        return _isActive(_pauses[target]);
    }

    /// @notice The last pause this governor placed on `target` (inPlace false once lifted).
    function pauseOf(address target)
        external
        view
        returns (bytes32 incidentId, address guardian, uint64 pausedAt, uint64 until, bool inPlace, bool isRatified)
    {
        PauseRecord memory r = _pauses[target];
        return (r.incidentId, r.guardian, r.pausedAt, r.until, r.inPlace, r.ratified);
    }

    /// @notice The rollback allowance of `proxy`; `usable` = a guardian could execute it now
    /// (granted, not yet used, not expired).
    function rollbackOf(address proxy)
        external
        view
        returns (address fromImpl, address toImpl, uint64 validUntil, bool usable)
    {
        RollbackAllowance memory a = _rollbacks[proxy];
        return (a.fromImpl, a.toImpl, a.validUntil, a.usable && block.timestamp < a.validUntil);
    }

    /// @dev The implementation the proxy reports through `implementation()`, when it answers with
    /// one word (answered = false for proxies without that view).
    function _implementationOf(address proxy) private view returns (bool answered, address impl) {
        (bool ok, bytes memory data) = proxy.staticcall(abi.encodeWithSignature("implementation()"));
        if (!ok || data.length != 32) return (false, address(0));
        uint256 word = abi.decode(data, (uint256));
        if (word >> 160 != 0) return (false, address(0));
        return (true, address(uint160(word)));
    }

    /// @dev toImpl must be a UUPS implementation for the ERC-1967 slot (as OpenZeppelin's
    /// upgradeToAndCall checks too): code, and proxiableUUID() == the implementation slot.
    function _checkUUPS(address impl) private view {
        if (impl.code.length == 0) revert ImplementationWithoutCode(impl);
        try IERC1822Proxiable(impl).proxiableUUID() returns (bytes32 slot) {
            if (slot != IMPLEMENTATION_SLOT) revert NotUUPSImplementation(impl);
        } catch {
            revert NotUUPSImplementation(impl);
        }
    }

    function _isActive(PauseRecord storage record) private view returns (bool) {
        return record.inPlace && (record.ratified || block.timestamp < record.until);
    }
}
