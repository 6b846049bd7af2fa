/**
 * A loopback remote signer that answers like Web3Signer (eth_signTransaction returns the raw signed
 * transaction) or geth's Clef-backed external signer (it returns `{ raw, tx }`), and
 * eth_signTypedData_v4 / eth_accounts. It holds one key, as such a signer would; a `from` it holds
 * no key for is refused with a JSON-RPC error. `impostorKey` makes it sign with another key (a
 * misconfigured signer) so that Firebreak's address check can be tested.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Hex, type TransactionSerializable, hexToBigInt, hexToNumber } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

export interface RemoteSignerStandin {
  url: string;
  calls: Array<{ method: string; params: unknown[] }>;
  stop(): Promise<void>;
}

type Quantity = Hex | undefined;
const big = (value: Quantity) => (value === undefined ? undefined : hexToBigInt(value));

function toSerializable(tx: Record<string, Quantity>): TransactionSerializable {
  const base = {
    to: tx.to as Hex | undefined,
    data: (tx.data ?? tx.input) as Hex | undefined,
    value: big(tx.value),
    gas: big(tx.gas),
    nonce: tx.nonce === undefined ? undefined : hexToNumber(tx.nonce),
    chainId: tx.chainId === undefined ? undefined : hexToNumber(tx.chainId),
  };
  if (tx.maxFeePerGas !== undefined) {
    return { ...base, type: 'eip1559', maxFeePerGas: big(tx.maxFeePerGas), maxPriorityFeePerGas: big(tx.maxPriorityFeePerGas) } as TransactionSerializable;
  }
  return { ...base, type: 'legacy', gasPrice: big(tx.gasPrice) } as TransactionSerializable;
}

export async function startRemoteSigner(options: { key: Hex; flavour?: 'web3signer' | 'clef'; impostorKey?: Hex }): Promise<RemoteSignerStandin> {
  const holder = privateKeyToAccount(options.key);
  const signing = privateKeyToAccount(options.impostorKey ?? options.key);
  const calls: RemoteSignerStandin['calls'] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      void (async () => {
        let request: { id?: unknown; method?: string; params?: unknown[] };
        try {
          request = JSON.parse(body) as typeof request;
        } catch {
          res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } }));
          return;
        }
        const params = request.params ?? [];
        calls.push({ method: request.method ?? '', params });
        const answer = (result: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: request.id, result }));
        const refuse = (code: number, message: string) =>
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: request.id, error: { code, message } }));
        try {
          if (request.method === 'eth_accounts') return answer([holder.address.toLowerCase()]);
          if (request.method === 'eth_signTransaction') {
            const tx = params[0] as Record<string, Quantity>;
            if (String(tx.from).toLowerCase() !== holder.address.toLowerCase()) return refuse(-32000, `No key found for address ${String(tx.from)}`);
            const raw = await signing.signTransaction(toSerializable(tx));
            return answer(options.flavour === 'clef' ? { raw, tx } : raw);
          }
          if (request.method === 'eth_signTypedData_v4') {
            const [from, json] = params as [string, string];
            if (from.toLowerCase() !== holder.address.toLowerCase()) return refuse(-32000, `No key found for address ${from}`);
            const typed = JSON.parse(json) as Parameters<typeof signing.signTypedData>[0];
            return answer(await signing.signTypedData(typed));
          }
          return refuse(-32601, `the method ${String(request.method)} does not exist/is not available`);
        } catch (error) {
          return refuse(-32000, (error as Error).message);
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    // a path with a token, as a hosted signer's URL may carry: it must never show up in errors
    url: `http://127.0.0.1:${port}/secret-token-abc/rpc`,
    calls,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
