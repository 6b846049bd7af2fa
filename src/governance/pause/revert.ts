/**
 * Turning a failed simulation into a reason people can act on. Only a revert is a reason to give
 * up (the governor said no); anything else (RPC down, timeout) is retried.
 */
import { BaseError, ContractFunctionRevertedError } from 'viem';

const EXPLAIN: Record<string, string> = {
  TargetNotAllowed: 'the governor has no usable allowance for this target (never allowed, or already used by an earlier pause: governance must allow it again)',
  PauseStillActive: "a pause of this governor is already active on the target",
  NotGuardian: 'the signer is not a guardian of this governor',
  NotPauser: 'the target has not granted the governor its pauser role',
};

/** The decoded revert of a simulation (e.g. `TargetNotAllowed(0x…): …`), or null when it was not a revert. */
export function revertReason(error: unknown): string | null {
  if (!(error instanceof BaseError)) return null;
  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
  if (!(reverted instanceof ContractFunctionRevertedError)) return null;
  const name = reverted.data?.errorName;
  if (name) {
    const args = (reverted.data?.args ?? []).map((a) => String(a)).join(', ');
    const why = EXPLAIN[name];
    return `${name}(${args})${why ? `: ${why}` : ''}`;
  }
  if (reverted.reason) return reverted.reason;
  if (reverted.signature) {
    // the target's own error (not in the governor's ABI): name the well-known ones
    if (reverted.signature === '0x206a346e') return `NotPauser: ${EXPLAIN.NotPauser}`;
    return `reverted with error ${reverted.signature}`;
  }
  return 'reverted without a reason';
}
