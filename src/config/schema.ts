/**
 * The YAML config's shape (SPEC §2) as zod schemas. Every object is strict: an unknown key is
 * usually a typo, and a typo in an incident tool is found at load time, not at 3 a.m.
 * Semantic checks (durations, addresses, event signatures, cross references) live in load.ts so
 * that each problem gets one precise line.
 */
import { z } from 'zod';

const text = z.string().min(1, 'must not be empty');
const DURATION_HINT = 'must be a duration like 90s, 30m, 12h or 3d';
const ADDRESS_HINT = 'must be an address (0x followed by 40 hex digits)';
// titles name the kind of value in docs/configuration.md (src/config/reference.ts)
const duration = z.string({ error: DURATION_HINT }).min(1, DURATION_HINT).meta({ title: 'duration' });
const address = z.string({ error: ADDRESS_HINT }).min(1, ADDRESS_HINT).meta({ title: 'address' });
/** Discord snowflakes and Telegram chat ids: strings, or numbers small enough to survive YAML. */
const chatId = z
  .union([
    text,
    z
      .number()
      .int()
      .refine(Number.isSafeInteger, 'is too large for a YAML number (digits get lost): write it in quotes'),
  ])
  .meta({ title: 'id (string or integer)' })
  .transform(String);
const severity = z.enum(['S0', 'S1', 'S2', 'S3']);
const positiveInt = z.number().int().nonnegative();
const blockNumber = z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/, 'must be a block number')]);

export const thresholdsSchema = z.strictObject({
  lockedUsd: z.number().positive().optional(),
  stuckTransfers: z.number().int().positive().optional(),
  oldestStuck: duration.optional(),
  halted: z.boolean().optional(),
});

export const chainSchema = z.strictObject({
  chainId: z.number().int().positive(),
  rpc: z.union([text, z.array(text).min(1, 'needs at least one RPC URL')]),
  confirmations: positiveInt.default(2),
  pollIntervalMs: z.number().int().min(50).default(1000),
  haltedAfter: duration.default('5m'),
  // SPEC §2: which blocks count as confirmed (head − confirmations, or the node's safe/finalized tag)
  finality: z.enum(['confirmations', 'safe', 'finalized']).default('confirmations'),
  // SPEC §2: no RPC answer for this long = unobservable (one failed pass is not)
  unobservableAfter: duration.default('2m'),
});

/** `event` and `fields` are required without a `preset` and refused with one (load.ts says which). */
const eventSourceSchema = z.strictObject({
  chain: text,
  address,
  event: text.optional(),
  // recipient, origin: release-side fields for the exploit signals (SPEC §11)
  fields: z.strictObject({ id: text, amount: text.optional(), token: text.optional(), recipient: text.optional(), origin: text.optional() }).optional(),
  fromBlock: blockNumber.default(0),
});

const tokenSchema = z.strictObject({
  symbol: text,
  /** SPEC §10: erc20 (default), native, erc721 (one item per transfer), erc1155 (units) */
  kind: z.enum(['erc20', 'native', 'erc721', 'erc1155']).optional(),
  /** erc20/native: required; NFTs count items or units (0) */
  decimals: z.number().int().min(0).max(77).optional(),
  /** per-tokenId price (erc721 per item, erc1155 per unit), over priceUsd/priceFeed */
  prices: z.record(z.string().regex(/^\d+$/, 'must be a token id (decimal)'), z.number().nonnegative()).optional(),
  priceUsd: z.number().nonnegative().optional(),
  priceFeed: z
    .strictObject({ chain: text, address, maxAge: duration.default('1h') })
    .optional(),
});

export const bridgeSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]+$/, 'must match [a-z0-9-]+'),
  name: text.optional(),
  /** required without a preset; a preset has its own default */
  stuckAfter: duration.optional(),
  /** SPEC §10: a known bridge's events, keys and lifecycle */
  preset: text.optional(),
  params: z.record(z.string(), z.unknown()).optional(),
  source: eventSourceSchema,
  destination: eventSourceSchema,
  tokens: z.record(z.string(), tokenSchema).default({}),
  defaultToken: tokenSchema.optional(),
  pausable: address.optional(),
  // SPEC §11 exploit signals (src/config/exploit.ts)
  unbacked: z.union([z.literal(false), z.strictObject({ grace: duration.default('2m'), severity: severity.default('S0') })]).optional(),
  limits: z
    .array(z.strictObject({ chain: text, token: address, escrow: address, window: duration, maxOutUsd: z.number().nonnegative() }))
    .default([]),
  backing: z
    .array(
      z.strictObject({
        source: z.strictObject({ chain: text, token: address, escrow: address }),
        destination: z.strictObject({ chain: text, token: address }),
      }),
    )
    .default([]),
});

const apiTokenSchema = z.union([
  text,
  z.strictObject({ name: text, token: text, scope: z.enum(['read', 'write']).default('write') }),
]);

const tierSchema = z.strictObject({
  name: text,
  discord: text.optional(),
  telegram: text.optional(),
  pagerduty: text.optional(),
  ackTimeout: duration.optional(),
});

const audienceMap = z.strictObject({
  ops: chatId.optional(),
  dev: chatId.optional(),
  comms: chatId.optional(),
  community: chatId.optional(),
});

/** §2: a raw key, `{ keystore, passwordEnv }` or `{ remote, address }` */
const signerSchema = z.union([
  text,
  z.strictObject({ keystore: text, passwordEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name') }),
  z.strictObject({ remote: text, address: text }),
]);

const rollbackGovernorSchema = z.strictObject({
  chain: text,
  address,
  signer: signerSchema.optional(),
  autoPause: z.array(z.strictObject({ bridge: text, minSeverity: severity })).default([]),
  rollbacks: z.array(z.strictObject({ bridge: text, proxy: text })).default([]),
});

export const configSchema = z.strictObject({
  dataDir: text.default('./.firebreak'),
  storage: z.strictObject({ url: text }).optional(),
  server: z
    .strictObject({
      host: text.default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(8787),
      apiTokens: z.array(apiTokenSchema).default([]),
      publicUrl: text.optional(),
    })
    .default({ host: '127.0.0.1', port: 8787, apiTokens: [] }),
  playbooks: text.optional(),
  chains: z.record(z.string().regex(/^[A-Za-z0-9_-]+$/, 'chain names must match [A-Za-z0-9_-]+'), chainSchema),
  bridges: z.array(bridgeSchema).min(1, 'configure at least one bridge'),
  severity: z
    .strictObject({
      S0: thresholdsSchema.optional(),
      S1: thresholdsSchema.optional(),
      S2: thresholdsSchema.optional(),
      S3: thresholdsSchema.optional(),
    })
    .optional(),
  maintenance: z
    .array(
      z.strictObject({
        start: text,
        end: text,
        bridges: z.array(text).optional(),
        note: z.string().optional(),
      }),
    )
    .default([]),
  alerts: z.strictObject({ routingKeys: z.array(text).default([]) }).optional(),
  oncall: z
    .strictObject({
      pagerduty: z.strictObject({ eventsUrl: text }).optional(),
      webhooks: z.array(z.strictObject({ url: text, secret: text.optional() })).default([]),
      tiers: z.array(tierSchema).default([]),
    })
    .optional(),
  discord: z
    .strictObject({
      token: text.optional(),
      applicationId: chatId.optional(),
      publicKey: text.optional(),
      channels: audienceMap.default({}),
      allowedRoleIds: z.array(chatId).default([]),
      api: text.default('https://discord.com/api'),
    })
    .optional(),
  telegram: z
    .strictObject({
      token: text.optional(),
      chats: audienceMap.default({}),
      warRoomChat: chatId.optional(),
      webhookSecret: text.optional(),
      allowedUserIds: z.array(chatId).default([]),
      apiRoot: text.default('https://api.telegram.org'),
    })
    .optional(),
  ipfs: z
    .strictObject({
      enabled: z.boolean().default(true),
      listen: z.array(text).default(['/ip4/127.0.0.1/tcp/4001']),
      ipnsKey: text.default('status'),
      pinningServices: z.array(z.strictObject({ endpoint: text, token: text.optional() })).default([]),
    })
    .optional(),
  governance: z
    .strictObject({
      snapshot: z
        .strictObject({
          hub: text.default('https://hub.snapshot.org'),
          space: text,
          network: text,
          signer: signerSchema.optional(),
          minSeverity: severity.default('S1'),
          votingPeriod: duration.default('3d'),
          // the hub's proposal body limit in characters (Snapshot: 10,000 for default spaces, 40,000 for turbo)
          bodyLimit: z.number().int().min(1_000).default(10_000),
        })
        .optional(),
      rollbackGovernor: z.union([rollbackGovernorSchema, z.array(rollbackGovernorSchema)]).optional(),
    })
    .optional(),
  anchor: z.strictObject({ chain: text, registry: address, signer: signerSchema.optional() }).optional(),
  forum: z
    .strictObject({
      url: text,
      apiKey: text,
      apiUsername: text.default('system'),
      category: z.number().int().positive().optional(),
    })
    .optional(),
});

export type RawConfig = z.infer<typeof configSchema>;
export type RawBridge = z.infer<typeof bridgeSchema>;
export type RawToken = z.infer<typeof tokenSchema>;
export type RawThresholds = z.infer<typeof thresholdsSchema>;
