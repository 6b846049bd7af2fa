/**
 * The fault suite lists, in its output, each fault it tried and what held. Tests call `held()`
 * after their assertions passed; the lines are printed as they happen, prefixed so that CI logs
 * can be searched for them (`grep FAULT`).
 */
export function held(fault: string, whatHeld: string): void {
  process.stdout.write(`FAULT ${fault} -> held: ${whatHeld}\n`);
}
