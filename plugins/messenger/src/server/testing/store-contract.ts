import assert from 'node:assert/strict';
import { OPEN_INVITE, StoreConflict, type InviteRecord, type MessengerStore, type StoredToken, type UserRecord } from '../store.js';

const HASH = `scrypt$1024$8$1$c2FsdHNhbHRzYWx0c2FsdA==$${Buffer.alloc(32, 7).toString('base64')}`;
export const user = (name: string, displayName = name): UserRecord => ({ name, displayName, hash: HASH, created: 1 });
export const token = (hash: string, owner: string, device = 'laptop', lastSeen = 2): StoredToken => ({ hash, user: owner, device, created: 1, lastSeen });
export const invite = (id: string, from = 'nora', to = 'hugo', ticket = 'AAAA'): InviteRecord => ({
  id,
  invitationId: `inv-${id}`,
  from,
  to,
  ticket,
  message: 'help ünïcode ✓',
  expiresAt: Date.now() + 60_000,
  created: 1,
  state: 'sent',
});

/**
 * What every MessengerStore must do, whatever keeps it: the file store and the Redis store run these same
 * specs. `open` gives a fresh, empty store.
 */
export function storeContract(name: string, open: () => Promise<MessengerStore>): void {
  describe(`${name}: the MessengerStore contract`, function () {
    this.timeout(20_000);
    let store: MessengerStore;
    beforeEach(async () => (store = await open()));
    afterEach(() => store.close());

    it('keeps users; a taken name is a StoreConflict; counts them', async () => {
      await store.addUser(user('nora', 'Nora N.'));
      await store.addUser(user('hugo'));
      await assert.rejects(store.addUser(user('nora', 'Other')), StoreConflict);
      assert.deepEqual(await store.user('nora'), user('nora', 'Nora N.'));
      assert.equal(await store.user('nobody'), undefined);
      assert.deepEqual((await store.users()).map((u) => u.name).sort(), ['hugo', 'nora']);
      assert.equal(await store.userCount(), 2);
    });

    it('keeps tokens: the first with its user, touched only while they exist, revoked, swept by age', async () => {
      await store.addUser(user('nora'), token('t1', 'nora'));
      await store.addToken(token('t2', 'nora', 'phone', 50));
      assert.deepEqual(await store.token('t1'), { user: 'nora', device: 'laptop', created: 1, lastSeen: 2 });
      await store.touchToken('t1', 100);
      assert.equal((await store.token('t1'))?.lastSeen, 100);
      assert.deepEqual((await store.tokensOf('nora')).map((t) => t.hash).sort(), ['t1', 't2']);
      await store.revokeToken('t2');
      await store.touchToken('t2', 200);
      assert.equal(await store.token('t2'), undefined, 'a touch does not bring a revoked token back');
      await store.addToken(token('t3', 'nora', 'tablet', 10));
      assert.equal(await store.sweepTokens(60), 1);
      assert.deepEqual(
        (await store.tokensOf('nora')).map((t) => t.hash),
        ['t1'],
      );
    });

    it('a new password revokes every token but the one kept, and returns them', async () => {
      await store.addUser(user('nora'), token('t1', 'nora'));
      await store.addToken(token('t2', 'nora', 'phone'));
      await store.addToken(token('t3', 'nora', 'tablet'));
      const revoked = await store.setPassword('nora', 'scrypt$new', 't1');
      assert.deepEqual(revoked.map((t) => [t.hash, t.device]).sort(), [
        ['t2', 'phone'],
        ['t3', 'tablet'],
      ]);
      assert.equal((await store.user('nora'))?.hash, 'scrypt$new');
      assert.deepEqual(
        (await store.tokensOf('nora')).map((t) => t.hash),
        ['t1'],
      );
      assert.deepEqual(await store.setPassword('nora', 'scrypt$again', 't1'), []);
    });

    it('keeps relations per side, changed all together, removed with undefined', async () => {
      await store.setRelations([
        { owner: 'nora', other: 'hugo', value: { state: 'mutual' } },
        { owner: 'hugo', other: 'nora', value: { state: 'mutual', blocked: true } },
      ]);
      assert.deepEqual(await store.relation('hugo', 'nora'), { state: 'mutual', blocked: true });
      assert.deepEqual([...(await store.relations('nora'))], [['hugo', { state: 'mutual' }]]);
      await store.setRelations([{ owner: 'hugo', other: 'nora', value: undefined }]);
      assert.equal(await store.relation('hugo', 'nora'), undefined);
      assert.equal((await store.relations('hugo')).size, 0);
    });

    it('keeps invitations by both sides; the first answer wins; removing one updates every index and the totals', async () => {
      await store.addInvite(invite('i1'));
      await store.addInvite(invite('i2', 'hugo', 'ada', 'BBBBBB'));
      assert.deepEqual(await store.invite('i1'), invite('i1') && { ...(await store.invite('i1'))!, id: 'i1' });
      assert.equal((await store.invite('i1'))?.message, 'help ünïcode ✓');
      assert.deepEqual((await store.invitesOf('hugo')).map((i) => i.id).sort(), ['i1', 'i2']);
      assert.deepEqual(
        (await store.invitesOf('nora')).map((i) => i.id),
        ['i1'],
      );
      assert.deepEqual(await store.inviteTotals(), { count: 2, bytes: 10 });
      const moved = await store.moveInvite('i1', OPEN_INVITE, 'accepted');
      assert.equal(moved?.state, 'accepted');
      assert.equal(moved?.expiresAt, (await store.invite('i1'))?.expiresAt);
      assert.equal(await store.moveInvite('i1', OPEN_INVITE, 'declined'), undefined, 'a second answer loses');
      assert.equal(await store.moveInvite('nope', OPEN_INVITE, 'declined'), undefined);
      await store.removeInvite('i1');
      assert.equal(await store.invite('i1'), undefined);
      assert.deepEqual(
        (await store.invitesOf('nora')).map((i) => i.id),
        [],
      );
      assert.deepEqual(
        (await store.allInvites()).map((i) => i.id),
        ['i2'],
      );
      assert.deepEqual(await store.inviteTotals(), { count: 1, bytes: 6 });
    });

    it('removing a user takes their tokens, their relations on both sides and their invitations', async () => {
      await store.addUser(user('nora'), token('t1', 'nora'));
      await store.addUser(user('hugo'));
      // Ida asked Nora while Nora's list was full: only Ida's side has the relation.
      await store.setRelations([
        { owner: 'nora', other: 'hugo', value: { state: 'mutual' } },
        { owner: 'hugo', other: 'nora', value: { state: 'mutual' } },
        { owner: 'ida', other: 'nora', value: { state: 'asked' } },
      ]);
      await store.addInvite(invite('i1'));
      const gone = await store.removeUser('nora');
      assert.equal(gone?.user.name, 'nora');
      assert.deepEqual(
        gone?.tokens.map((t) => t.hash),
        ['t1'],
      );
      assert.deepEqual(gone?.others.sort(), ['hugo', 'ida']);
      assert.equal(await store.relation('ida', 'nora'), undefined);
      assert.deepEqual(
        gone?.invites.map((i) => i.id),
        ['i1'],
      );
      assert.equal(await store.user('nora'), undefined);
      assert.equal(await store.token('t1'), undefined);
      assert.equal(await store.relation('hugo', 'nora'), undefined);
      assert.deepEqual(await store.invitesOf('hugo'), []);
      assert.equal(await store.removeUser('nora'), undefined);
      const lone = await (async () => (await store.addUser(user('ada')), store.removeUser('ada')))();
      assert.deepEqual([lone?.tokens, lone?.others, lone?.invites], [[], [], []]);
    });
  });
}
