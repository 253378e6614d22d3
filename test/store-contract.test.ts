import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { openStore as openConfiguredStore } from '../src/store/open-store';
import { PostgresStore } from '../src/store/postgres-store';
import { SqliteStore } from '../src/store/sqlite-store';
import { type AuditEntry, ConflictError, type OutboxItem, type Store } from '../src/store/store';

/** One empty database per test: every store opened on it sees the same data (like replicas do). */
interface Backend {
  open(): Promise<Store>;
  dispose(): Promise<void>;
}

const LOCAL_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';
const DATABASE_URL = process.env.DATABASE_URL ?? LOCAL_DATABASE_URL;
const START_POSTGRES = 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start';

async function sqliteBackend(): Promise<Backend> {
  const directory = mkdtempSync(join(tmpdir(), 'store-contract-'));
  // A directory that does not exist yet: the store creates it on first start.
  const path = join(directory, 'data', 'chatops.db');
  return {
    open: () => SqliteStore.open(path),
    dispose: async () => rmSync(directory, { recursive: true, force: true }),
  };
}

async function postgresBackend(): Promise<Backend> {
  const admin = new Client({ connectionString: DATABASE_URL });
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(
      `The PostgreSQL store tests need the server named by DATABASE_URL (default ${LOCAL_DATABASE_URL}); it is not reachable: ` +
        `${(error as Error).message}. Start the local one with: ${START_POSTGRES}`,
    );
  }
  // The server outlives test runs: each test gets its own schema, dropped afterwards.
  const schema = `store_test_${randomBytes(6).toString('hex')}`;
  return {
    open: () => PostgresStore.open(DATABASE_URL, { schema }),
    dispose: async () => {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    },
  };
}

const HOUR_MS = 3_600_000;

function auditEntry(overrides: Partial<AuditEntry>): AuditEntry {
  return {
    time: '2026-11-25T10:00:00.000Z',
    userOid: '11111111-1111-1111-1111-111111111111',
    upn: 'alice@contoso.example',
    machineId: 'machine-a',
    computerDnsName: 'ws-001.contoso.example',
    action: 'Isolate',
    comment: 'suspicious process',
    result: 'requested',
    defenderActionId: null,
    conversationId: 'conversation-1',
    ...overrides,
  };
}

function outboxItem(key: string, overrides: Partial<OutboxItem> = {}): OutboxItem {
  return { key, conversationId: 'conversation-1', payload: { card: key }, notBefore: 0, ...overrides };
}

describe.each([
  ['SQLite', sqliteBackend],
  ['PostgreSQL', postgresBackend],
])('%s store (contract)', (_name, createBackend) => {
  let backend: Backend;
  let store: Store;
  const opened: Store[] = [];

  async function openStore(on: Backend = backend): Promise<Store> {
    const opening = on.open();
    opening.then((s) => opened.push(s), () => undefined);
    return opening;
  }

  beforeEach(async () => {
    backend = await createBackend();
    store = await openStore();
  });

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
    await backend?.dispose();
  });

  describe('documents', () => {
    it('creates only when no etag is given, and a second create conflicts', async () => {
      const created = await store.put('subscriptions', 'team-1', { filter: 'High' });
      expect(created).toEqual({ key: 'team-1', value: { filter: 'High' }, etag: expect.any(String) });

      const second = store.put('subscriptions', 'team-1', { filter: 'Low' });
      await expect(second).rejects.toBeInstanceOf(ConflictError);
      await expect(second).rejects.toMatchObject({ collection: 'subscriptions', key: 'team-1' });
      expect(await store.get('subscriptions', 'team-1')).toEqual(created);
    });

    it('replaces with the current etag, and a stale etag conflicts', async () => {
      const first = await store.put('cards', 'alert-1', { version: 1 });
      const second = await store.put('cards', 'alert-1', { version: 2 }, { etag: first.etag });
      expect(second.etag).not.toBe(first.etag);

      await expect(store.put('cards', 'alert-1', { version: 3 }, { etag: first.etag })).rejects.toBeInstanceOf(ConflictError);
      await expect(store.put('cards', 'absent', { version: 1 }, { etag: first.etag })).rejects.toBeInstanceOf(ConflictError);
      expect(await store.get('cards', 'alert-1')).toEqual({ key: 'alert-1', value: { version: 2 }, etag: second.etag });
    });

    it("creates or replaces with '*'", async () => {
      const created = await store.put('watermarks', 'alerts', { since: 'a' }, { etag: '*' });
      const replaced = await store.put('watermarks', 'alerts', { since: 'b' }, { etag: '*' });
      expect(replaced.etag).not.toBe(created.etag);
      expect(await store.get('watermarks', 'alerts')).toEqual({ key: 'alerts', value: { since: 'b' }, etag: replaced.etag });
    });

    it('keeps collections apart and round-trips JSON values', async () => {
      const value = { text: 'Zürich “quotes” \\ %_', nested: [1, null, { ok: true }], count: 0 };
      await store.put('a', 'same-key', value);
      await store.put('b', 'same-key', 'a string');
      expect((await store.get('a', 'same-key'))?.value).toEqual(value);
      expect((await store.get('b', 'same-key'))?.value).toBe('a string');
      expect(await store.get('c', 'same-key')).toBeUndefined();
    });

    it('of many replicas replacing with the same etag at once, exactly one wins (an approval is claimed once)', async () => {
      const pending = await store.put('approvals', 'request-1', { state: 'pending' });
      const replicas = [store, await openStore(), await openStore()];
      const claims = await Promise.all(Array.from({ length: 9 }, (_, i) => replicas[i % replicas.length]!
        .put('approvals', 'request-1', { state: 'executing', by: `approver-${i}` }, { etag: pending.etag })
        .then(() => `approver-${i}`, (error: unknown) => (error instanceof ConflictError ? undefined : Promise.reject(error)))));
      const winners = claims.filter(Boolean);
      expect(winners).toHaveLength(1);
      expect((await store.get('approvals', 'request-1'))?.value).toEqual({ state: 'executing', by: winners[0] });
    });

    it('deletes, only with the current etag when one is given', async () => {
      const stored = await store.put('cards', 'alert-1', { version: 1 });
      const current = await store.put('cards', 'alert-1', { version: 2 }, { etag: stored.etag });

      await expect(store.delete('cards', 'alert-1', stored.etag)).rejects.toBeInstanceOf(ConflictError);
      expect(await store.get('cards', 'alert-1')).toBeDefined();
      expect(await store.delete('cards', 'alert-1', current.etag)).toBe(true);
      expect(await store.get('cards', 'alert-1')).toBeUndefined();
      expect(await store.delete('cards', 'alert-1')).toBe(false);

      await store.put('cards', 'alert-2', { version: 1 });
      expect(await store.delete('cards', 'alert-2')).toBe(true);
      expect(await store.delete('cards', 'alert-2', current.etag)).toBe(false);
    });

    it('hides documents past their lifetime, and lets a create take their key', async () => {
      await store.put('pending', 'kept', { n: 1 }, { ttlSeconds: 3600 });
      const expired = await store.put('pending', 'expired', { n: 2 }, { ttlSeconds: 0 });

      expect((await store.get('pending', 'kept'))?.value).toEqual({ n: 1 });
      expect(await store.get('pending', 'expired')).toBeUndefined();
      expect((await store.list('pending')).map((d) => d.key)).toEqual(['kept']);
      await expect(store.put('pending', 'expired', { n: 3 }, { etag: expired.etag })).rejects.toBeInstanceOf(ConflictError);
      expect(await store.delete('pending', 'expired')).toBe(false);

      await store.put('pending', 'expired', { n: 4 });
      expect((await store.get('pending', 'expired'))?.value).toEqual({ n: 4 });
    });

    it('lists a collection by key order, by prefix and with a limit', async () => {
      for (const key of ['conv/2', 'conv/10', 'conv/1', 'conv_x', 'other/1', 'Conv/9']) {
        await store.put('refs', key, { key });
      }
      await store.put('elsewhere', 'conv/3', {});

      expect((await store.list('refs')).map((d) => d.key)).toEqual(['Conv/9', 'conv/1', 'conv/10', 'conv/2', 'conv_x', 'other/1']);
      expect((await store.list('refs', { prefix: 'conv/' })).map((d) => d.key)).toEqual(['conv/1', 'conv/10', 'conv/2']);
      expect((await store.list('refs', { prefix: 'conv_' })).map((d) => d.key)).toEqual(['conv_x']);
      expect((await store.list('refs', { prefix: 'conv', limit: 2 })).map((d) => d.key)).toEqual(['conv/1', 'conv/10']);
      const [first] = await store.list<{ key: string }>('refs', { limit: 1 });
      expect(first).toEqual(await store.get('refs', 'Conv/9'));
      expect(await store.list('none')).toEqual([]);
    });
  });

  describe('audit log', () => {
    it('lists entries newest first, optionally for one machine, up to a limit', async () => {
      const isolate = auditEntry({ time: '2026-11-25T10:00:00.000Z' });
      const refused = auditEntry({ time: '2026-11-25T10:00:00.000Z', machineId: 'machine-b', upn: 'bob@contoso.example', result: 'refused' });
      const succeeded = auditEntry({ time: '2026-11-25T10:05:00.000Z', result: 'Succeeded', defenderActionId: 'action-1' });
      for (const entry of [isolate, refused, succeeded]) await store.appendAudit(entry);

      expect(await store.listAudit({ limit: 10 })).toEqual([succeeded, refused, isolate]);
      expect(await store.listAudit({ machineId: 'machine-a', limit: 10 })).toEqual([succeeded, isolate]);
      expect(await store.listAudit({ machineId: 'machine-a', limit: 1 })).toEqual([succeeded]);
      expect(await store.listAudit({ machineId: 'machine-c', limit: 10 })).toEqual([]);
    });
  });

  describe('retention', () => {
    it('prunes audit entries older than the cutoff and sent outbox items, never unsent ones', async () => {
      const old = auditEntry({ time: '2025-01-01T00:00:00.000Z', comment: 'old' });
      const recent = auditEntry({ time: '2026-11-25T10:00:00.000Z', comment: 'recent' });
      for (const entry of [old, recent]) await store.appendAudit(entry);
      await store.enqueue([outboxItem('sent/v1'), outboxItem('pending/v1', { notBefore: Date.now() + HOUR_MS })]);
      const [sent] = await store.claimOutbox('sender', 10, HOUR_MS);
      await store.completeOutbox(sent.id, 'sender');

      const pruned = await store.prune({ auditBefore: new Date('2026-01-01T00:00:00.000Z'), sentOutboxBefore: new Date(Date.now() + 60_000) });
      expect(pruned).toEqual({ audit: 1, outbox: 1 });
      expect(await store.listAudit({ limit: 10 })).toEqual([recent]);
      expect(await store.pendingOutbox()).toBe(1);
      expect(await store.prune({ auditBefore: new Date('2026-01-01T00:00:00.000Z'), sentOutboxBefore: new Date(Date.now() + 60_000) }))
        .toEqual({ audit: 0, outbox: 0 });
    });
  });

  describe('leases', () => {
    it('is held by one holder at a time until released, and renewed by its holder', async () => {
      const replica = await openStore();
      expect(await store.acquireLease('poller', 'replica-a', HOUR_MS)).toBe(true);
      expect(await replica.acquireLease('poller', 'replica-b', HOUR_MS)).toBe(false);
      expect(await store.acquireLease('poller', 'replica-a', HOUR_MS)).toBe(true);
      expect(await replica.acquireLease('other', 'replica-b', HOUR_MS)).toBe(true);

      await replica.releaseLease('poller', 'replica-b');
      expect(await replica.acquireLease('poller', 'replica-b', HOUR_MS)).toBe(false);
      await store.releaseLease('poller', 'replica-a');
      expect(await replica.acquireLease('poller', 'replica-b', HOUR_MS)).toBe(true);
      expect(await store.acquireLease('poller', 'replica-a', HOUR_MS)).toBe(false);
    });

    it('is taken over once it expires', async () => {
      const replica = await openStore();
      expect(await store.acquireLease('poller', 'replica-a', 0)).toBe(true);
      expect(await replica.acquireLease('poller', 'replica-b', HOUR_MS)).toBe(true);
      expect(await store.acquireLease('poller', 'replica-a', HOUR_MS)).toBe(false);
    });

    it('goes to exactly one of many replicas asking at once', async () => {
      const replicas = [store, await openStore(), await openStore()];
      const holders = Array.from({ length: 12 }, (_, i) => `replica-${i}`);
      const results = await Promise.all(holders.map((holder, i) => replicas[i % replicas.length]!.acquireLease('poller', holder, HOUR_MS)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });
  });

  describe('outbox', () => {
    it('enqueues each key once, even after it was sent', async () => {
      expect(await store.enqueue([outboxItem('a/v1'), outboxItem('b/v1')])).toBe(2);
      expect(await store.enqueue([outboxItem('b/v1'), outboxItem('c/v1'), outboxItem('c/v1')])).toBe(1);
      expect(await store.enqueue([])).toBe(0);
      expect(await store.pendingOutbox()).toBe(3);

      const claimed = await store.claimOutbox('sender', 10, HOUR_MS);
      expect(claimed.map((item) => item.key)).toEqual(['a/v1', 'b/v1', 'c/v1']);
      for (const item of claimed) await store.completeOutbox(item.id, 'sender');
      expect(await store.pendingOutbox()).toBe(0);

      expect(await store.enqueue([outboxItem('a/v1'), outboxItem('c/v1')])).toBe(0);
      expect(await store.pendingOutbox()).toBe(0);
      expect(await store.claimOutbox('sender', 10, HOUR_MS)).toEqual([]);
    });

    it('hands out due items oldest first with their content, and not again while claimed', async () => {
      await store.enqueue([
        outboxItem('alert/1/conv-1/v1', { payload: { title: 'one', tags: ['x'] } }),
        outboxItem('alert/1/conv-2/v1', { conversationId: 'conversation-2' }),
        outboxItem('alert/1/conv-1/v2', { notBefore: 1_700_000_000_123 }),
        outboxItem('later', { notBefore: Date.now() + HOUR_MS }),
      ]);
      const first = await store.claimOutbox('sender', 2, HOUR_MS);
      expect(first).toEqual([
        { id: expect.any(Number), key: 'alert/1/conv-1/v1', conversationId: 'conversation-1', payload: { title: 'one', tags: ['x'] }, notBefore: 0, attempts: 1 },
        { id: expect.any(Number), key: 'alert/1/conv-2/v1', conversationId: 'conversation-2', payload: { card: 'alert/1/conv-2/v1' }, notBefore: 0, attempts: 1 },
      ]);
      const second = await store.claimOutbox('sender', 10, HOUR_MS);
      expect(second.map((item) => [item.key, item.notBefore])).toEqual([['alert/1/conv-1/v2', 1_700_000_000_123]]);
      expect(await store.claimOutbox('sender', 10, HOUR_MS)).toEqual([]);
      expect(await store.pendingOutbox()).toBe(4);
    });

    it('never hands the same item to two holders claiming at once', async () => {
      const replica = await openStore();
      const keys = Array.from({ length: 40 }, (_, i) => `item/${String(i).padStart(2, '0')}`);
      await store.enqueue(keys.map((key, i) => outboxItem(key, { conversationId: `conversation-${i % 3}` })));

      const burst = await Promise.all(
        Array.from({ length: 8 }, () => [store.claimOutbox('replica-a', 3, HOUR_MS), replica.claimOutbox('replica-b', 3, HOUR_MS)]).flat(),
      );
      const claimed = burst.flat();
      for (let more = await store.claimOutbox('replica-a', 5, HOUR_MS); more.length > 0; more = await store.claimOutbox('replica-a', 5, HOUR_MS)) {
        claimed.push(...more);
      }

      expect(claimed.map((item) => item.key).sort()).toEqual(keys);
      expect(claimed.every((item) => item.attempts === 1)).toBe(true);
    });

    it('gives an item to another holder once its claim expires, and ignores the late holder', async () => {
      const replica = await openStore();
      await store.enqueue([outboxItem('card')]);
      const [lost] = await store.claimOutbox('replica-a', 1, 0);

      const [taken] = await replica.claimOutbox('replica-b', 1, HOUR_MS);
      expect(taken).toMatchObject({ id: lost!.id, key: 'card', attempts: 2 });

      await store.retryOutbox(lost!.id, 'replica-a', 0);
      await store.completeOutbox(lost!.id, 'replica-a');
      expect(await store.claimOutbox('replica-a', 1, HOUR_MS)).toEqual([]);
      expect(await store.pendingOutbox()).toBe(1);

      await replica.completeOutbox(taken!.id, 'replica-b');
      expect(await store.pendingOutbox()).toBe(0);
      expect(await store.claimOutbox('replica-a', 1, 0)).toEqual([]);
    });

    it("gives back all of a holder's claims at once, and only its own unsent ones", async () => {
      await store.enqueue([outboxItem('mine-1'), outboxItem('mine-2'), outboxItem('mine-sent'), outboxItem('theirs')]);
      const mine = await store.claimOutbox('replica-a', 3, HOUR_MS);
      await store.claimOutbox('replica-b', 1, HOUR_MS);
      await store.completeOutbox(mine[2]!.id, 'replica-a');

      expect(await store.releaseOutboxClaims('replica-a')).toBe(2);
      const again = await store.claimOutbox('replica-c', 10, HOUR_MS);
      expect(again.map((item) => item.key)).toEqual(['mine-1', 'mine-2']);
      expect(await store.releaseOutboxClaims('replica-a')).toBe(0);
    });

    it('gives an item back to be sent no earlier than asked', async () => {
      await store.enqueue([outboxItem('throttled'), outboxItem('transient')]);
      const [throttled, transient] = await store.claimOutbox('sender', 2, HOUR_MS);

      const retryAfter = Date.now() + HOUR_MS;
      await store.retryOutbox(throttled!.id, 'sender', retryAfter);
      await store.retryOutbox(transient!.id, 'sender', Date.now() - 1000);

      const again = await store.claimOutbox('other-sender', 10, HOUR_MS);
      expect(again).toEqual([{ ...transient!, notBefore: expect.any(Number), attempts: 2 }]);
      expect(await store.pendingOutbox()).toBe(2);
    });
  });

  describe('commit (documents and outbox in one transaction)', () => {
    it('writes every document and enqueues the new items, with put\'s etag rules', async () => {
      const known = await store.put('cards', 'alert-1', { shown: 'New' });
      const added = await store.commit([
        { collection: 'cards', key: 'alert-1', value: { shown: 'Resolved' }, options: { etag: known.etag } },
        { collection: 'cards', key: 'alert-2', value: { shown: 'New' } },
        { collection: 'storms', key: 'team-1', value: { arrivals: [1] }, options: { etag: '*', ttlSeconds: 60 } },
      ], [outboxItem('alert-1/update'), outboxItem('alert-2/post')]);
      expect(added).toBe(2);
      expect((await store.get('cards', 'alert-1'))?.value).toEqual({ shown: 'Resolved' });
      expect((await store.get('cards', 'alert-2'))?.value).toEqual({ shown: 'New' });
      expect((await store.get('storms', 'team-1'))?.value).toEqual({ arrivals: [1] });
      expect(await store.commit([], [outboxItem('alert-2/post'), outboxItem('alert-3/post')])).toBe(1);
      expect(await store.pendingOutbox()).toBe(3);
    });

    it('writes and enqueues nothing at all when one write conflicts, even the writes before it', async () => {
      const known = await store.put('cards', 'alert-1', { shown: 'New' });
      await store.put('cards', 'alert-1', { shown: 'In progress' }, { etag: known.etag });
      await store.put('cards', 'alert-9', { shown: 'New' });
      for (const conflicting of [
        { collection: 'cards', key: 'alert-1', value: { shown: 'Resolved' }, options: { etag: known.etag } },
        { collection: 'cards', key: 'alert-9', value: { shown: 'New' } },
      ]) {
        const commit = store.commit([
          { collection: 'storms', key: 'team-1', value: { arrivals: [1] } },
          conflicting,
          { collection: 'cards', key: 'alert-2', value: { shown: 'New' } },
        ], [outboxItem('alert-2/post')]);
        await expect(commit).rejects.toBeInstanceOf(ConflictError);
        await expect(commit).rejects.toMatchObject({ collection: 'cards', key: conflicting.key });
      }
      expect(await store.get('storms', 'team-1')).toBeUndefined();
      expect(await store.get('cards', 'alert-2')).toBeUndefined();
      expect((await store.get('cards', 'alert-1'))?.value).toEqual({ shown: 'In progress' });
      expect(await store.pendingOutbox()).toBe(0);
      // The store is still usable afterwards (the transaction's connection went back clean).
      expect(await store.commit([{ collection: 'cards', key: 'alert-2', value: { shown: 'New' } }], [outboxItem('alert-2/post')])).toBe(1);
    });

    it('of replicas creating the same documents at once, exactly one commits; the others wrote nothing', async () => {
      const replicas = [store, await openStore(), await openStore()];
      const results = await Promise.all(replicas.map((replica, i) => replica
        .commit([
          { collection: 'storms', key: 'team-1', value: { by: i }, options: { etag: '*' } },
          { collection: 'cards', key: 'alert-1', value: { by: i } },
          { collection: 'cards', key: 'alert-2', value: { by: i } },
        ], [outboxItem(`by-${i}`)])
        .then(() => i, (error: unknown) => (error instanceof ConflictError ? undefined : Promise.reject(error)))));
      const winners = results.filter((result) => result !== undefined);
      expect(winners).toHaveLength(1);
      for (const key of ['alert-1', 'alert-2']) expect((await store.get('cards', key))?.value).toEqual({ by: winners[0] });
      expect((await store.get('storms', 'team-1'))?.value).toEqual({ by: winners[0] });
      expect((await store.claimOutbox('sender', 10, HOUR_MS)).map((item) => item.key)).toEqual([`by-${winners[0]}`]);
    });
  });

  describe('schema migrations', () => {
    it('re-opens an existing database with its data', async () => {
      const stored = await store.put('subscriptions', 'team-1', { filter: 'High' });
      await store.enqueue([outboxItem('sent')]);
      await store.close();

      const reopened = await openStore();
      expect(await reopened.get('subscriptions', 'team-1')).toEqual(stored);
      expect(await reopened.enqueue([outboxItem('sent')])).toBe(0);
      await reopened.ping();
    });

    it('lets several replicas open a fresh database at once', async () => {
      const fresh = await createBackend();
      try {
        const replicas = await Promise.all([openStore(fresh), openStore(fresh), openStore(fresh)]);
        await replicas[0]!.put('subscriptions', 'team-1', { filter: 'High' });
        for (const replica of replicas) expect((await replica.get('subscriptions', 'team-1'))?.value).toEqual({ filter: 'High' });
        await Promise.all(replicas.map((replica) => replica.close()));
      } finally {
        await fresh.dispose();
      }
    });
  });
});

describe('SQLite file permissions', () => {
  it('creates its folder for the bot\'s user only (0700) and the database and WAL files readable by it only (0600)', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'store-modes-'));
    try {
      const path = join(directory, 'data', 'chatops.db');
      const store = await SqliteStore.open(path);
      await store.put('subscriptions', 'team-1', { filter: 'High' });
      const mode = (file: string) => statSync(file).mode & 0o777;
      expect(mode(join(directory, 'data'))).toBe(0o700);
      expect(mode(path)).toBe(0o600);
      expect(mode(`${path}-wal`)).toBe(0o600);
      await store.close();
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('tightens an existing database file that others could read', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'store-modes-'));
    try {
      const path = join(directory, 'chatops.db');
      writeFileSync(path, '', { mode: 0o644 });
      const store = await SqliteStore.open(path);
      expect(statSync(path).mode & 0o777).toBe(0o600);
      await store.close();
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});

describe('openStore', () => {
  it('uses the SQLite file when no database URL is configured', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'store-open-'));
    try {
      const store = await openConfiguredStore({ sqlitePath: join(directory, 'chatops.db') });
      await store.put('subscriptions', 'team-1', { filter: 'High' });
      await store.close();
      const reopened = await SqliteStore.open(join(directory, 'chatops.db'));
      expect((await reopened.get('subscriptions', 'team-1'))?.value).toEqual({ filter: 'High' });
      await reopened.close();
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('uses PostgreSQL when a database URL is configured, naming the server (not the password) when it cannot connect', async () => {
    const opening = openConfiguredStore({ databaseUrl: 'postgres://chatops:hunter2-secret@127.0.0.1:1/chatops', sqlitePath: ':memory:' });
    await expect(opening).rejects.toThrow('Cannot connect to PostgreSQL at 127.0.0.1:1, database "chatops", user "chatops"');
    await expect(opening).rejects.not.toThrow(/hunter2/);
  });
});
