/**
 * `firebreak deploy <governor|registry>`: deploy a contract from contracts-abi/ to a configured
 * chain and print its address (`--json`: `{contract, address, chain, chainId, deployer, …}`).
 * The key comes from the config (`governance.rollbackGovernor.signer` / `anchor.signer`) or from an
 * environment variable named by `--key-env`; it is never printed. A remote signer signs the creation
 * (eth_signTransaction without `to`); one that refuses is named with what to do instead.
 */
import { type Address, getAddress, type Hex, isAddress } from 'viem';
import { createLogger } from '../app/logger.ts';
import { deployArtifact, POSTMORTEM_REGISTRY, ROLLBACK_GOVERNOR } from '../chain/artifacts.ts';
import { describeSigner, isRemoteSigner } from '../chain/signer.ts';
import { BadRequestError, FirebreakError, isFirebreakError } from '../core/errors.ts';
import type { Config, SignerSpec } from '../config/types.ts';
import { signerClients } from '../governance/chain.ts';
import type { CommandSpec } from './args.ts';
import { loadConfigOrExit } from './config.ts';

const KINDS = { governor: ROLLBACK_GOVERNOR, registry: POSTMORTEM_REGISTRY } as const;
type Kind = keyof typeof KINDS;

function pickChain(config: Config, kind: Kind, flag: string | undefined): string {
  const chain = flag ?? (kind === 'governor' ? config.governance.rollbackGovernors[0]?.chain : config.anchor?.chain) ?? (Object.keys(config.chains).length === 1 ? Object.keys(config.chains)[0] : undefined);
  if (!chain) throw new BadRequestError(`which chain? pass --chain NAME (one of ${Object.keys(config.chains).join(', ')})`, { code: 'usage' });
  if (!config.chains[chain]) throw new BadRequestError(`--chain: "${chain}" is not one of the configured chains (${Object.keys(config.chains).join(', ')})`, { code: 'usage' });
  return chain;
}

function pickKey(config: Config, kind: Kind, chain: string, keyEnv: string | undefined): SignerSpec {
  if (keyEnv !== undefined) {
    const value = process.env[keyEnv];
    if (!value) throw new BadRequestError(`--key-env: the environment variable ${keyEnv} is not set`, { code: 'usage' });
    const hex = value.startsWith('0x') ? value : `0x${value}`;
    // never echo the value: it is a secret
    if (!/^0x[0-9a-fA-F]{64}$/.test(hex)) throw new BadRequestError(`--key-env: ${keyEnv} must hold a private key (32 bytes of hex)`, { code: 'usage' });
    return hex as Hex;
  }
  const signer =
    kind === 'governor'
      ? (config.governance.rollbackGovernors.find((g) => g.chain === chain) ?? config.governance.rollbackGovernors[0])?.signer
      : config.anchor?.signer;
  if (!signer) {
    const key = kind === 'governor' ? 'governance.rollbackGovernor.signer' : 'anchor.signer';
    throw new BadRequestError(`no key to deploy with: set ${key} in the config or pass --key-env NAME`, { code: 'usage' });
  }
  return signer;
}

/**
 * A remote signer that would not sign the deployment (a contract creation: no `to`, which signer
 * rules often refuse) or signed as someone else: say what to do instead. Other failures pass on.
 */
function signerFailure(spec: SignerSpec, contract: string, error: unknown): unknown {
  if (!isRemoteSigner(spec) || !isFirebreakError(error)) return error;
  const cause = error.cause;
  if (!isFirebreakError(cause) || !cause.code.startsWith('signer_')) return error;
  const what =
    cause.code === 'signer_unreachable'
      ? 'start it (or fix the URL) and run deploy again'
      : cause.code === 'signer_wrong_address'
        ? `set the signer's address in the config to the key the remote signer holds, or deploy with --key-env NAME (an environment variable holding the deployer's raw key)`
        : `let it sign contract creations (eth_signTransaction without \`to\`) from ${spec.address}, or deploy with --key-env NAME (an environment variable holding the deployer's raw key; the service keeps using the remote signer)`;
  return new FirebreakError(`cannot deploy ${contract} with ${describeSigner(spec)}: ${cause.message}. To deploy: ${what}`, {
    code: 'deploy_signer',
    cause: error,
    details: { contract, signerCode: cause.code },
  });
}

function addresses(flag: string, values: string[]): Address[] {
  return values.map((value) => {
    if (!isAddress(value, { strict: false })) throw new BadRequestError(`--${flag}: "${value}" is not an address`, { code: 'usage' });
    return getAddress(value);
  });
}

export const deployCommand: CommandSpec = {
  name: 'deploy',
  summary: 'deploy the rollback governor or the postmortem registry from contracts-abi/ and print its address',
  usage: 'firebreak deploy <governor|registry> [--chain NAME] [--key-env NAME] [--governance ADDR] [--guardian ADDR]... [--json]',
  help: [
    '  --chain NAME        configured chain to deploy to (default: the governor\'s / anchor\'s chain)',
    '  --key-env NAME      take the deployer key from this environment variable (default: the config\'s signer)',
    '  --governance ADDR   governor only: who governs it (default: the deployer)',
    '  --guardian ADDR     governor only: a guardian; repeat for several (default: the deployer)',
    '  --json              print {contract, address, chain, chainId, deployer, …} as JSON on stdout',
  ],
  options: {
    chain: { type: 'string' },
    'key-env': { type: 'string' },
    governance: { type: 'string' },
    guardian: { type: 'string', multiple: true },
    json: { type: 'boolean' },
  },
  allowPositionals: true,
  async run({ values, positionals, configFile }) {
    const kind = positionals[0] as Kind | undefined;
    if (!kind || !(kind in KINDS) || positionals.length > 1) throw new BadRequestError('usage: firebreak deploy <governor|registry> (see firebreak deploy --help)', { code: 'usage' });
    const logger = createLogger();
    const config = loadConfigOrExit(configFile, logger);
    const chain = pickChain(config, kind, values.chain as string | undefined);
    const key = pickKey(config, kind, chain, values['key-env'] as string | undefined);
    const clients = await signerClients(config, chain, key);
    const deployer = clients.account.address;
    const extra: Record<string, unknown> = {};
    let args: unknown[] = [];
    if (kind === 'governor') {
      const [governance] = addresses('governance', [(values.governance as string | undefined) ?? deployer]);
      const guardianFlags = values.guardian as unknown as string[] | undefined;
      const guardians = addresses('guardian', guardianFlags?.length ? guardianFlags : [deployer]);
      args = [governance, guardians];
      Object.assign(extra, { governance, guardians });
    } else if (values.governance !== undefined || values.guardian !== undefined) {
      throw new BadRequestError('--governance and --guardian are for the governor; the registry\'s owner is the deployer', { code: 'usage' });
    }
    logger.info({ contract: KINDS[kind], chain, deployer }, 'deploying');
    const address = await deployArtifact({ name: KINDS[kind], walletClient: clients.walletClient, publicClient: clients.publicClient, args }).catch((error: unknown) => {
      throw signerFailure(key, KINDS[kind], error);
    });
    const result = { contract: KINDS[kind], address, chain, chainId: clients.chain.id, deployer, ...extra };
    if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else {
      process.stderr.write(`${KINDS[kind]} deployed on ${chain} (chainId ${clients.chain.id}) by ${deployer}\n`);
      process.stdout.write(`${address}\n`);
    }
    return 0;
  },
};
