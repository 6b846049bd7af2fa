/**
 * The three kinds of signer: keystore files decrypt to the key of the Web3 Secret Storage spec's
 * official test vectors (pbkdf2 and scrypt), a wrong password is a clear error; a remote signer
 * (loopback stand-in answering like Web3Signer and Clef) signs a transaction that a real anvil mines
 * and typed data that verifies; wrong address and unreachable signer fail clearly, without secrets.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublicClient, createWalletClient, defineChain, http, parseEther, verifyTypedData } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { ANVIL_KEYS, type AnvilInstance, freePort, startAnvil } from '../../src/chain/anvil.ts';
import { decryptKeystore, signerAccount, signerAddress } from '../../src/chain/signer.ts';
import { FirebreakError, RetryableError } from '../../src/core/errors.ts';
import { startRemoteSigner, type RemoteSignerStandin } from '../support/remote-signer.ts';

// https://ethereum.org/en/developers/docs/data-structures-and-encoding/web3-secret-storage/ (test vectors)
const VECTOR_KEY = '0x7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d';
const PBKDF2_VECTOR = {
  crypto: {
    cipher: 'aes-128-ctr',
    cipherparams: { iv: '6087dab2f9fdbbfaddc31a909735c1e6' },
    ciphertext: '5318b4d5bcd28de64ee5559e671353e16f075ecae9f99c7a79a38af5f869aa46',
    kdf: 'pbkdf2',
    kdfparams: { c: 262144, dklen: 32, prf: 'hmac-sha256', salt: 'ae3cd4e7013836a3df6bd7241b12db061dbe2c6785853cce422d148a624ce0bd' },
    mac: '517ead924a9d0dc3124507e3393d175ce3ff7c1e96529c6c555ce9e51205e9b2',
  },
  id: '3198bc9c-6672-5ab3-d995-4942343ae5b6',
  version: 3,
};
const SCRYPT_VECTOR = {
  crypto: {
    cipher: 'aes-128-ctr',
    cipherparams: { iv: '83dbcc02d8ccb40e466191a123791e0e' },
    ciphertext: 'd172bf743a674da9cdad04534d56926ef8358534d458fffccd4e6ad2fbde479c',
    kdf: 'scrypt',
    kdfparams: { dklen: 32, n: 262144, p: 8, r: 1, salt: 'ab0c7876052600dd703518d6fc3fe8984592145b591fc8fb5c6d43190334ba19' },
    mac: '2103ac29920d71da29f15d75b4a16dbe95cfd7ff8faea1056c33131d846e3097',
  },
  id: '3198bc9c-6672-5ab3-d995-4942343ae5b6',
  version: 3,
};

describe('keystore (Web3 Secret Storage v3)', () => {
  it('decrypts the official pbkdf2 and scrypt test vectors', { timeout: 60_000 }, async () => {
    expect(await decryptKeystore(JSON.stringify(PBKDF2_VECTOR), 'testpassword')).toBe(VECTOR_KEY);
    expect(await decryptKeystore(JSON.stringify(SCRYPT_VECTOR), 'testpassword')).toBe(VECTOR_KEY);
  });

  it('a wrong password is a clear error that never echoes the password', { timeout: 60_000 }, async () => {
    const attempt = decryptKeystore(JSON.stringify(PBKDF2_VECTOR), 'hunter2-wrong', '/keys/guardian.json');
    await expect(attempt).rejects.toBeInstanceOf(FirebreakError);
    await expect(attempt).rejects.toThrow(/keystore \/keys\/guardian.json: wrong password \(the keystore MAC does not match\)/);
    await attempt.catch((error: Error) => expect(`${error.message} ${JSON.stringify(error)}`).not.toContain('hunter2'));
  });

  it('refuses other versions, ciphers and kdfs, and an address the key does not match', async () => {
    await expect(decryptKeystore(JSON.stringify({ ...PBKDF2_VECTOR, version: 2 }), 'x')).rejects.toThrow(/version 2 is not supported/);
    await expect(decryptKeystore(JSON.stringify({ ...PBKDF2_VECTOR, crypto: { ...PBKDF2_VECTOR.crypto, cipher: 'aes-128-cbc' } }), 'x')).rejects.toThrow(/unsupported cipher/);
    await expect(decryptKeystore(JSON.stringify({ ...PBKDF2_VECTOR, crypto: { ...PBKDF2_VECTOR.crypto, kdf: 'argon2' } }), 'x')).rejects.toThrow(/unsupported kdf/);
    await expect(decryptKeystore('{not json', 'x')).rejects.toThrow(/is not JSON/);
    const lying = { ...PBKDF2_VECTOR, address: '0000000000000000000000000000000000000001' };
    await expect(decryptKeystore(JSON.stringify(lying), 'testpassword')).rejects.toThrow(/not to the address/);
  });

  it('signerAccount reads the file and the password variable; a missing variable is named', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fb-keystore-'));
    const file = join(dir, 'guardian.json');
    writeFileSync(file, JSON.stringify({ ...PBKDF2_VECTOR, address: privateKeyToAccount(VECTOR_KEY).address.slice(2).toLowerCase() }));
    await expect(signerAccount({ keystore: file, passwordEnv: 'FB_TEST_UNSET_PASSWORD' })).rejects.toThrow(/the password variable FB_TEST_UNSET_PASSWORD is not set/);
    process.env.FB_TEST_KEYSTORE_PASSWORD = 'testpassword';
    try {
      const account = await signerAccount({ keystore: file, passwordEnv: 'FB_TEST_KEYSTORE_PASSWORD' });
      expect(account.address).toBe(privateKeyToAccount(VECTOR_KEY).address);
      expect(await signerAddress({ keystore: file, passwordEnv: 'FB_TEST_KEYSTORE_PASSWORD' })).toBe(account.address);
    } finally {
      delete process.env.FB_TEST_KEYSTORE_PASSWORD;
    }
    await expect(signerAccount({ keystore: join(dir, 'missing.json'), passwordEnv: 'PATH' })).rejects.toThrow(/cannot be read \(ENOENT\)/);
  });
});

describe('remote signer (eth_signTransaction / eth_signTypedData_v4)', () => {
  let anvil: AnvilInstance;
  const held = privateKeyToAccount(ANVIL_KEYS[4]);
  const signers: RemoteSignerStandin[] = [];

  beforeAll(async () => {
    anvil = await startAnvil({ port: await freePort(), chainId: 31337 });
  }, 120_000);

  afterAll(async () => {
    for (const s of signers) await s.stop();
    await anvil?.stop();
  });

  function clients(account: Awaited<ReturnType<typeof signerAccount>>) {
    const chain = defineChain({ id: 31337, name: 'anvil', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [anvil.url] } } });
    return {
      publicClient: createPublicClient({ chain, transport: http(anvil.url), cacheTime: 0 }),
      walletClient: createWalletClient({ chain, transport: http(anvil.url), account, cacheTime: 0 }),
    };
  }

  for (const flavour of ['web3signer', 'clef'] as const) {
    it(`signs a transaction anvil mines and typed data that verifies (${flavour} answers)`, { timeout: 60_000 }, async () => {
      const standin = await startRemoteSigner({ key: ANVIL_KEYS[4], flavour });
      signers.push(standin);
      const account = await signerAccount({ remote: standin.url, address: held.address });
      const { publicClient, walletClient } = clients(account);
      const hash = await walletClient.sendTransaction({ to: privateKeyToAccount(ANVIL_KEYS[5]).address, value: parseEther('0.01') });
      const receipt = await publicClient.waitForTransactionReceipt({ hash });
      expect(receipt.status).toBe('success');
      expect(receipt.from.toLowerCase()).toBe(held.address.toLowerCase());
      expect(standin.calls.map((c) => c.method)).toContain('eth_signTransaction');

      const typed = {
        domain: { name: 'snapshot', version: '0.1.4' },
        types: { Proposal: [{ name: 'from', type: 'address' }, { name: 'title', type: 'string' }, { name: 'start', type: 'uint64' }] },
        primaryType: 'Proposal' as const,
        message: { from: held.address, title: 'INC-0001: ratify the pause', start: 1767225600n },
      };
      const signature = await account.signTypedData(typed);
      expect(await verifyTypedData({ ...typed, address: held.address, signature })).toBe(true);
      expect(standin.calls.map((c) => c.method)).toContain('eth_signTypedData_v4');
    });
  }

  it('a signer holding another key: refused by it, or caught by the address check', { timeout: 60_000 }, async () => {
    const standin = await startRemoteSigner({ key: ANVIL_KEYS[4] });
    signers.push(standin);
    const stranger = privateKeyToAccount(generatePrivateKey()).address;
    const unknown = await signerAccount({ remote: standin.url, address: stranger });
    const signAndSend = async (account: typeof unknown) => {
      const { walletClient } = clients(account);
      const prepared = await walletClient.prepareTransactionRequest({ to: held.address, value: 1n });
      return walletClient.sendRawTransaction({ serializedTransaction: await walletClient.signTransaction(prepared as never) });
    };
    const refused = await signAndSend(unknown).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(FirebreakError);
    expect((refused as Error).message).toMatch(/the remote signer at 127\.0\.0\.1:\d+ refused eth_signTransaction: No key found for address/);

    const impostor = await startRemoteSigner({ key: ANVIL_KEYS[4], impostorKey: generatePrivateKey() });
    signers.push(impostor);
    const lied = await signerAccount({ remote: impostor.url, address: held.address });
    const error = await signAndSend(lied).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FirebreakError);
    expect(String((error as Error).message)).toMatch(/signed as 0x[0-9a-fA-F]{40}, not as the configured/);
    const typedError = await lied.signTypedData({ domain: { name: 'x' }, types: { M: [{ name: 'a', type: 'uint256' }] }, primaryType: 'M', message: { a: 1n } }).catch((e: unknown) => e);
    expect(typedError).toBeInstanceOf(FirebreakError);
    expect((typedError as FirebreakError).code).toBe('signer_wrong_address');
  });

  it('an unreachable signer is a retryable error naming the host only, never the URL path', async () => {
    const port = await freePort();
    const account = await signerAccount({ remote: `http://127.0.0.1:${port}/secret-token-abc/rpc`, address: held.address }, { timeoutMs: 2_000 });
    const error = await account.signTransaction!({ to: held.address, value: 1n, gas: 21000n, nonce: 0, chainId: 31337, maxFeePerGas: 1n, maxPriorityFeePerGas: 1n, type: 'eip1559' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryableError);
    expect((error as Error).message).toMatch(new RegExp(`the remote signer at 127.0.0.1:${port} is unreachable`));
    expect((error as Error).message).not.toContain('secret-token');
  });
});
