/**
 * The keys Firebreak signs with (guardian, Snapshot, anchor), in the three forms a team would accept
 * on a monitoring box:
 *  - a raw private key (`signer: "${GUARDIAN_KEY}"`),
 *  - an encrypted keystore file (Web3 Secret Storage JSON v3, scrypt or pbkdf2-hmac-sha256 +
 *    aes-128-ctr, keccak256 MAC), its password in an environment variable
 *    (`signer: { keystore: FILE, passwordEnv: NAME }`), decrypted at first use and kept in memory,
 *  - a remote signer answering `eth_signTransaction` / `eth_signTypedData_v4` (Clef, Web3Signer):
 *    the key never reaches this process (`signer: { remote: URL, address: 0x… }`).
 * Each becomes a viem LocalAccount, so wallet clients sign with it as with a raw key. Keys,
 * passwords and the signer's URL (it may carry credentials) never go into a message or a log.
 */
import { createDecipheriv, pbkdf2, scrypt, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { scryptAsync as scryptPortable } from '@noble/hashes/scrypt';
import {
  type Address,
  getAddress,
  type Hex,
  keccak256,
  type LocalAccount,
  parseTransaction,
  recoverTransactionAddress,
  recoverTypedDataAddress,
  type TransactionSerializable,
  toHex,
} from 'viem';
import { privateKeyToAccount, toAccount } from 'viem/accounts';
import { FirebreakError, RetryableError, reasonOf } from '../core/errors.ts';

export interface KeystoreSigner {
  keystore: string;
  passwordEnv: string;
}

export interface RemoteSigner {
  remote: string;
  address: Address;
}

/** A configured signer: a raw key, a keystore file (absolute path) or a remote signer. */
export type SignerSpec = Hex | KeystoreSigner | RemoteSigner;

export function isKeystoreSigner(spec: SignerSpec): spec is KeystoreSigner {
  return typeof spec === 'object' && 'keystore' in spec;
}

export function isRemoteSigner(spec: SignerSpec): spec is RemoteSigner {
  return typeof spec === 'object' && 'remote' in spec;
}

/** Where an error may say the signer lives: the host only (a URL's path or query may hold a token). */
function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'an unparsable URL';
  }
}

// ------------------------------------------------------------------ keystore (Web3 Secret Storage v3)

interface KeystoreJson {
  version?: unknown;
  address?: unknown;
  crypto?: KeystoreCrypto;
  Crypto?: KeystoreCrypto;
}

interface KeystoreCrypto {
  cipher?: unknown;
  ciphertext?: unknown;
  cipherparams?: { iv?: unknown };
  kdf?: unknown;
  kdfparams?: Record<string, unknown>;
  mac?: unknown;
}

const scryptAsync = promisify(scrypt) as (password: Buffer, salt: Buffer, keylen: number, options: { N: number; r: number; p: number; maxmem: number }) => Promise<Buffer>;
const pbkdf2Async = promisify(pbkdf2);

function keystoreError(file: string, message: string, cause?: unknown): FirebreakError {
  return new FirebreakError(`keystore ${file}: ${message}`, { code: 'keystore', ...(cause ? { cause } : {}), details: { file } });
}

function hexField(file: string, value: unknown, name: string): Buffer {
  if (typeof value !== 'string' || !/^(0x)?([0-9a-fA-F]{2})+$/.test(value)) throw keystoreError(file, `${name} is not hex`);
  return Buffer.from(value.replace(/^0x/, ''), 'hex');
}

function positiveInt(file: string, value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) throw keystoreError(file, `kdfparams.${name} must be a positive integer`);
  return value;
}

async function deriveKey(file: string, crypto: KeystoreCrypto, password: Buffer): Promise<Buffer> {
  const params = crypto.kdfparams ?? {};
  const salt = hexField(file, params.salt, 'kdfparams.salt');
  const dklen = positiveInt(file, params.dklen, 'dklen');
  if (dklen < 32) throw keystoreError(file, 'kdfparams.dklen must be at least 32');
  if (crypto.kdf === 'scrypt') {
    const n = positiveInt(file, params.n, 'n');
    const r = positiveInt(file, params.r, 'r');
    const p = positiveInt(file, params.p, 'p');
    // OpenSSL (native, fast) refuses n >= 2^(16·r), which the spec's own vector (n 2^18, r 1) and
    // ethers' light keystores use: those go through a portable scrypt (slower, same result)
    if (Math.log2(n) >= 16 * r) return Buffer.from(await scryptPortable(password, salt, { N: n, r, p, dkLen: dklen, maxmem: 2 ** 31 }));
    // geth's standard keystore (n 2^18, r 8) needs 256 MiB; node's default cap is 32 MiB
    return scryptAsync(password, salt, dklen, { N: n, r, p, maxmem: 256 * n * r + 128 * r * p + 4 * 1024 * 1024 });
  }
  if (crypto.kdf === 'pbkdf2') {
    if (params.prf !== 'hmac-sha256') throw keystoreError(file, `unsupported pbkdf2 prf ${String(params.prf)} (hmac-sha256 only)`);
    return pbkdf2Async(password, salt, positiveInt(file, params.c, 'c'), dklen, 'sha256');
  }
  throw keystoreError(file, `unsupported kdf ${String(crypto.kdf)} (scrypt or pbkdf2)`);
}

/**
 * Decrypts a Web3 Secret Storage v3 keystore. A wrong password fails the MAC check and says so;
 * the key is returned only when the MAC matches (and the file's address, when it names one).
 */
export async function decryptKeystore(json: string, password: string, file = 'keystore'): Promise<Hex> {
  let parsed: KeystoreJson;
  try {
    parsed = JSON.parse(json) as KeystoreJson;
  } catch (error) {
    throw keystoreError(file, 'is not JSON', error);
  }
  if (parsed.version !== 3) throw keystoreError(file, `version ${String(parsed.version)} is not supported (Web3 Secret Storage v3 only)`);
  const crypto = parsed.crypto ?? parsed.Crypto;
  if (!crypto) throw keystoreError(file, 'has no crypto section');
  if (crypto.cipher !== 'aes-128-ctr') throw keystoreError(file, `unsupported cipher ${String(crypto.cipher)} (aes-128-ctr only)`);
  const ciphertext = hexField(file, crypto.ciphertext, 'ciphertext');
  const iv = hexField(file, crypto.cipherparams?.iv, 'cipherparams.iv');
  const mac = hexField(file, crypto.mac, 'mac');
  if (iv.length !== 16) throw keystoreError(file, 'cipherparams.iv must be 16 bytes');
  const derived = await deriveKey(file, crypto, Buffer.from(password, 'utf8'));
  const expected = Buffer.from(keccak256(Buffer.concat([derived.subarray(16, 32), ciphertext])).slice(2), 'hex');
  if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) {
    throw keystoreError(file, 'wrong password (the keystore MAC does not match)');
  }
  const decipher = createDecipheriv('aes-128-ctr', derived.subarray(0, 16), iv);
  const secret = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  if (secret.length !== 32) throw keystoreError(file, `holds ${secret.length} bytes, not a 32-byte private key`);
  const key = toHex(secret);
  if (typeof parsed.address === 'string' && parsed.address !== '') {
    const derivedAddress = privateKeyToAccount(key).address;
    if (parsed.address.replace(/^0x/, '').toLowerCase() !== derivedAddress.slice(2).toLowerCase()) {
      throw keystoreError(file, `its key belongs to ${derivedAddress}, not to the address ${parsed.address} it names`);
    }
  }
  return key;
}

async function keystoreAccount(spec: KeystoreSigner): Promise<LocalAccount> {
  const password = process.env[spec.passwordEnv];
  if (password === undefined) {
    throw new FirebreakError(`keystore ${spec.keystore}: the password variable ${spec.passwordEnv} is not set`, { code: 'keystore' });
  }
  let json: string;
  try {
    json = await readFile(spec.keystore, 'utf8');
  } catch (error) {
    throw keystoreError(spec.keystore, `cannot be read (${(error as NodeJS.ErrnoException).code ?? reasonOf(error)})`, error);
  }
  return privateKeyToAccount(await decryptKeystore(json, password, spec.keystore));
}

// ------------------------------------------------------------------ remote signer (Clef, Web3Signer)

let rpcId = 0;

async function remoteCall(spec: RemoteSigner, method: string, params: unknown[], timeoutMs: number): Promise<unknown> {
  const where = hostOf(spec.remote);
  let response: Response;
  try {
    response = await fetch(spec.remote, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: ++rpcId, method, params }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw new RetryableError(`the remote signer at ${where} is unreachable (${reasonOf(error)})`, { code: 'signer_unreachable' });
  }
  const text = await response.text().catch(() => '');
  if (response.status === 429 || response.status >= 500) {
    throw new RetryableError(`the remote signer at ${where} answered HTTP ${response.status}`, { code: 'signer_unreachable' });
  }
  let body: { result?: unknown; error?: { code?: number; message?: string } };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new FirebreakError(`the remote signer at ${where} answered HTTP ${response.status} without JSON-RPC`, { code: 'signer_refused' });
  }
  if (body.error) {
    throw new FirebreakError(`the remote signer at ${where} refused ${method}: ${String(body.error.message ?? 'no reason given').slice(0, 200)}`, {
      code: 'signer_refused',
      details: { method, rpcCode: body.error.code },
    });
  }
  if (!response.ok) throw new FirebreakError(`the remote signer at ${where} answered HTTP ${response.status}`, { code: 'signer_refused' });
  return body.result;
}

const quantity = (value: bigint | number | undefined) => (value === undefined ? undefined : toHex(value));

/** The transaction as eth_signTransaction takes it (hex quantities; `data`, as Clef and Web3Signer read it). */
function rpcTransaction(from: Address, tx: TransactionSerializable): Record<string, unknown> {
  const out: Record<string, unknown> = {
    from,
    to: tx.to ?? undefined,
    gas: quantity(tx.gas),
    value: quantity(tx.value ?? 0n),
    data: tx.data ?? '0x',
    nonce: quantity(tx.nonce),
    chainId: quantity(tx.chainId),
  };
  if (tx.maxFeePerGas !== undefined) {
    out.maxFeePerGas = quantity(tx.maxFeePerGas);
    out.maxPriorityFeePerGas = quantity(tx.maxPriorityFeePerGas);
  } else if (tx.gasPrice !== undefined) {
    out.gasPrice = quantity(tx.gasPrice);
  }
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined));
}

function remoteAccount(spec: RemoteSigner, timeoutMs: number): LocalAccount {
  const address = getAddress(spec.address);
  const where = hostOf(spec.remote);
  const wrongSigner = (actual: string) =>
    new FirebreakError(`the remote signer at ${where} signed as ${actual}, not as the configured ${address}`, { code: 'signer_wrong_address' });
  const account = toAccount({
    address,
    async signMessage() {
      throw new FirebreakError('a remote signer is used for transactions and typed data only', { code: 'signer_unsupported' });
    },
    async signTransaction(tx) {
      const result = await remoteCall(spec, 'eth_signTransaction', [rpcTransaction(address, tx)], timeoutMs);
      // Web3Signer answers the raw transaction; geth/Clef answer { raw, tx }
      const raw = typeof result === 'string' ? result : (result as { raw?: unknown } | null)?.raw;
      if (typeof raw !== 'string' || !/^0x[0-9a-fA-F]+$/.test(raw)) {
        throw new FirebreakError(`the remote signer at ${where} answered eth_signTransaction without a signed transaction`, { code: 'signer_refused' });
      }
      let signer: Address;
      let signed: ReturnType<typeof parseTransaction>;
      try {
        signed = parseTransaction(raw as Hex);
        signer = await recoverTransactionAddress({ serializedTransaction: raw as never });
      } catch (error) {
        throw new FirebreakError(`the remote signer at ${where} answered an unreadable transaction`, { code: 'signer_refused', cause: error });
      }
      if (signer.toLowerCase() !== address.toLowerCase()) throw wrongSigner(signer);
      // what was signed must be what we asked for: same call, same nonce, same chain
      if (
        (signed.to ?? '').toLowerCase() !== (tx.to ?? '').toLowerCase() ||
        (signed.data ?? '0x') !== (tx.data ?? '0x') ||
        signed.nonce !== tx.nonce ||
        signed.chainId !== tx.chainId
      ) {
        throw new FirebreakError(`the remote signer at ${where} signed a different transaction than the one asked for`, { code: 'signer_refused' });
      }
      return raw as Hex;
    },
    async signTypedData(typedData) {
      const payload = JSON.stringify(typedData, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
      const signature = await remoteCall(spec, 'eth_signTypedData_v4', [address, payload], timeoutMs);
      if (typeof signature !== 'string' || !/^0x[0-9a-fA-F]{130}$/.test(signature)) {
        throw new FirebreakError(`the remote signer at ${where} answered eth_signTypedData_v4 without a signature`, { code: 'signer_refused' });
      }
      const signer = await recoverTypedDataAddress({ ...(typedData as unknown as Parameters<typeof recoverTypedDataAddress>[0]), signature: signature as Hex });
      if (signer.toLowerCase() !== address.toLowerCase()) throw wrongSigner(signer);
      return signature as Hex;
    },
  });
  return account;
}

// ------------------------------------------------------------------ one entry point

const keystoreCache = new Map<string, Promise<LocalAccount>>();

/**
 * The account to sign with. Keystores are decrypted once per process (scrypt is slow on purpose);
 * a failed decryption is not cached, so fixing the password variable and retrying works.
 */
export async function signerAccount(spec: SignerSpec, options: { timeoutMs?: number } = {}): Promise<LocalAccount> {
  if (typeof spec === 'string') {
    if (!/^0x[0-9a-fA-F]{64}$/.test(spec)) throw new FirebreakError('signer: not a private key (expected 0x followed by 64 hex digits)', { code: 'signer' });
    return privateKeyToAccount(spec);
  }
  if (isRemoteSigner(spec)) return remoteAccount(spec, options.timeoutMs ?? 15_000);
  const cacheKey = `${spec.keystore}\u0000${spec.passwordEnv}`;
  let pending = keystoreCache.get(cacheKey);
  if (!pending) {
    pending = keystoreAccount(spec);
    keystoreCache.set(cacheKey, pending);
    pending.catch(() => keystoreCache.delete(cacheKey));
  }
  return pending;
}

/** The address a signer signs as, without decrypting anything when it is known up front. */
export async function signerAddress(spec: SignerSpec): Promise<Address> {
  if (isRemoteSigner(spec)) return getAddress(spec.address);
  return (await signerAccount(spec)).address;
}

/** Short words for logs and the timeline: which kind of signer, never the secret. */
export function describeSigner(spec: SignerSpec): string {
  if (typeof spec === 'string') return 'a raw key';
  if (isRemoteSigner(spec)) return `the remote signer at ${hostOf(spec.remote)} (${spec.address})`;
  return `the keystore ${spec.keystore}`;
}
