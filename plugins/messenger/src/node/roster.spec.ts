import assert from 'node:assert/strict';
import sinon from 'sinon';
import type { Offer, ServerFrame } from '../common/protocol.js';
import { MAX_OFFERS, Roster, type RosterEvents } from './roster.js';

const later = new Date(Date.now() + 3600_000).toISOString();
const offer = (invite: string, extra: Partial<Offer> = {}): Offer => ({
  invite,
  from: 'nora',
  fromName: 'Nora Novice',
  invitationId: `inv-${invite}`,
  message: 'My printer stopped working',
  ticket: Buffer.from('<UPLOADINFO/>').toString('base64'),
  expiresAt: later,
  ...extra,
});
const welcome = (extra: Partial<Extract<ServerFrame, { type: 'welcome' }>> = {}): ServerFrame => ({
  type: 'welcome',
  ref: '1',
  user: 'hank',
  displayName: 'Hank Helper',
  presence: 'online',
  contacts: [],
  offers: [],
  sent: [],
  ...extra,
});

function roster() {
  const events = { changed: sinon.spy(), offered: sinon.spy(), status: sinon.spy(), sessionStart: sinon.spy() } satisfies RosterEvents;
  return { events, roster: new Roster(events) };
}

describe('messenger roster: what the pushes say', () => {
  it('takes contacts from the welcome, then keeps them current from contact, contact.gone and presence', () => {
    const { roster: r, events } = roster();
    r.apply(welcome({ contacts: [{ user: 'nora', displayName: 'Nora Novice', relation: 'mutual', presence: 'offline' }] }));
    assert.equal(r.user, 'hank');
    r.apply({ type: 'presence', user: 'nora', presence: 'online' });
    r.apply({ type: 'contact', contact: { user: 'zoe', displayName: 'Zoë', relation: 'asking', presence: 'offline' } });
    r.apply({ type: 'presence', user: 'stranger', presence: 'online' });
    assert.deepEqual(
      r.contactList().map((c) => `${c.user} ${c.relation} ${c.presence}`),
      ['nora mutual online', 'zoe asking offline'],
    );
    r.apply({ type: 'contact.gone', user: 'zoe' });
    assert.deepEqual(
      r.contactList().map((c) => c.user),
      ['nora'],
    );
    assert.ok(events.changed.calledWith('contacts'));
  });

  it('keeps an offer, acknowledges it, shows it closed when the server closes it, and keeps an answered one as answered', () => {
    const { roster: r, events } = roster();
    r.apply(welcome());
    r.apply({ type: 'invite.offer', ...offer('a') });
    r.apply({ type: 'invite.offer', ...offer('b') });
    assert.deepEqual(
      events.offered.args.map((a) => a[0]),
      ['a', 'b'],
    );
    assert.deepEqual(r.offerList()[0], {
      invite: 'a',
      invitationId: 'inv-a',
      from: 'nora',
      fromName: 'Nora Novice',
      message: 'My printer stopped working',
      expiresAt: later,
      state: 'open',
      source: 'messenger:a',
    });
    r.answered('a', true);
    r.apply({ type: 'invite.closed', invite: 'a', reason: 'answered on another device' });
    r.apply({ type: 'invite.closed', invite: 'b', reason: 'Nora cancelled it' });
    assert.deepEqual(
      r.offerList().map((o) => [o.invite, o.state, o.reason]),
      [
        ['a', 'accepted', undefined],
        ['b', 'closed', 'Nora cancelled it'],
      ],
    );
    assert.equal(r.offer('a')!.ticket, offer('a').ticket);
  });

  it('shows an offer past its expiry as closed, and after a reconnection closes those the server no longer has', () => {
    const { roster: r } = roster();
    r.apply(welcome({ offers: [offer('old', { expiresAt: new Date(Date.now() - 1000).toISOString() }), offer('gone'), offer('stays')] }));
    r.apply(welcome({ offers: [offer('stays'), offer('new')] }));
    assert.deepEqual(
      r.offerList().map((o) => `${o.invite} ${o.state} ${o.reason ?? ''}`.trim()),
      ['old closed it closed while this computer was away', 'gone closed it closed while this computer was away', 'stays open', 'new open'],
    );
  });

  it(`keeps at most ${MAX_OFFERS} offers, dropping closed ones first`, () => {
    const { roster: r } = roster();
    r.apply(welcome());
    r.apply({ type: 'invite.offer', ...offer('first') });
    r.apply({ type: 'invite.offer', ...offer('closed') });
    r.apply({ type: 'invite.closed', invite: 'closed', reason: 'expired' });
    for (let i = 0; i < MAX_OFFERS - 1; i++) r.apply({ type: 'invite.offer', ...offer(`o${i}`) });
    const kept = r.offerList().map((o) => o.invite);
    assert.equal(kept.length, MAX_OFFERS);
    assert.ok(kept.includes('first') && !kept.includes('closed'));
    r.apply({ type: 'invite.offer', ...offer('one-more') });
    assert.ok(!r.offerList().some((o) => o.invite === 'first'));
  });

  it('reports each new step of a sent invitation once, never a step back, and the steps missed while away on reconnection', () => {
    const { roster: r, events } = roster();
    r.apply(welcome());
    const status = (state: 'sent' | 'delivered' | 'accepted', ref?: string): ServerFrame => ({
      type: 'invite.status',
      ref,
      invite: 'x',
      invitationId: 'inv-x',
      to: 'hank',
      state,
    });
    r.apply(status('sent', '7'));
    r.apply(status('delivered'));
    r.apply(status('delivered'));
    r.apply(status('accepted'));
    r.apply(status('delivered'));
    r.apply(welcome({ sent: [{ invite: 'y', invitationId: 'inv-y', to: 'zoe', state: 'expired' }] }));
    assert.deepEqual(
      events.status.args.map(([s]) => `${s.invitationId} ${s.state}`),
      ['inv-x sent', 'inv-x delivered', 'inv-x accepted', 'inv-y expired'],
    );
    assert.equal(r.sentInvite('inv-x')!.state, 'accepted');
  });

  it('hands on session.start for the novice side only: the helper’s is the reply to its own request', () => {
    const { roster: r, events } = roster();
    const grant = { session: 's', peer: 'hank', invitationId: 'i', relay: { token: 't', tcpPort: 1, wsPort: 2 }, expiresAt: later };
    r.apply({ type: 'session.start', side: 'novice', ...grant });
    r.apply({ type: 'session.start', side: 'helper', ref: '3', ...grant });
    assert.equal(events.sessionStart.callCount, 1);
    assert.equal(events.sessionStart.firstCall.args[0].side, 'novice');
  });

  it('forgets everything on sign-out', () => {
    const { roster: r } = roster();
    r.apply(welcome({ contacts: [{ user: 'nora', displayName: 'Nora', relation: 'mutual', presence: 'online' }], offers: [offer('a')] }));
    r.clear();
    assert.deepEqual([r.user, r.contactList(), r.offerList()], [undefined, [], []]);
  });
});
