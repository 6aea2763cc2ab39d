/**
 * The store's changes of several keys, each one Lua script: Redis runs a script whole, so no node ever
 * sees half a change. Some scripts touch keys they compute (a user's tokens): RA's Redis is one server
 * (or Sentinel), never Redis Cluster, where that is not allowed.
 */

/** KEYS: users, user, token ('' for none), tokens of user. ARGV: name, displayName, hash, created[, tokenHash, device, created, lastSeen]. */
export const ADD_USER = `
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[2], 'name', ARGV[1], 'displayName', ARGV[2], 'hash', ARGV[3], 'created', ARGV[4])
if KEYS[3] ~= '' then
  redis.call('HSET', KEYS[3], 'user', ARGV[1], 'device', ARGV[6], 'created', ARGV[7], 'lastSeen', ARGV[8])
  redis.call('SADD', KEYS[4], ARGV[5])
end
return 1`;

/** KEYS: user, tokens of user. ARGV: new hash, token hash to keep, token key prefix. Returns the revoked tokens, JSON. */
export const SET_PASSWORD = `
if redis.call('EXISTS', KEYS[1]) == 0 then return '[]' end
redis.call('HSET', KEYS[1], 'hash', ARGV[1])
local revoked = {}
for _, hash in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  if hash ~= ARGV[2] then
    local fields = redis.call('HGETALL', ARGV[3] .. hash)
    if #fields > 0 then
      local t = { hash = hash }
      for i = 1, #fields, 2 do t[fields[i]] = fields[i + 1] end
      table.insert(revoked, t)
    end
    redis.call('DEL', ARGV[3] .. hash)
    redis.call('SREM', KEYS[2], hash)
  end
end
if #revoked == 0 then return '[]' end
return cjson.encode(revoked)`;

/** KEYS: users. ARGV: name. Removes the user, its tokens, its relations on both sides and its invitations; returns them, JSON. */
export const REMOVE_USER = `
local name = ARGV[1]
if redis.call('SREM', KEYS[1], name) == 0 then return false end
local function hash(key)
  local fields = redis.call('HGETALL', key)
  local t = {}
  for i = 1, #fields, 2 do t[fields[i]] = fields[i + 1] end
  return t
end
local gone = { user = hash('ra:user:' .. name), tokens = {}, others = {}, invites = {} }
redis.call('DEL', 'ra:user:' .. name)
for _, h in ipairs(redis.call('SMEMBERS', 'ra:tokens:' .. name)) do
  local t = hash('ra:token:' .. h)
  t.hash = h
  if t.user then table.insert(gone.tokens, t) end
  redis.call('DEL', 'ra:token:' .. h)
end
redis.call('DEL', 'ra:tokens:' .. name)
local others = {}
for _, other in ipairs(redis.call('HKEYS', 'ra:rel:' .. name)) do others[other] = true end
for _, other in ipairs(redis.call('SMEMBERS', 'ra:relto:' .. name)) do others[other] = true end
for other in pairs(others) do
  table.insert(gone.others, other)
  redis.call('HDEL', 'ra:rel:' .. other, name)
  redis.call('SREM', 'ra:relto:' .. other, name)
end
redis.call('DEL', 'ra:rel:' .. name, 'ra:relto:' .. name)
for _, id in ipairs(redis.call('SMEMBERS', 'ra:invs:' .. name)) do
  local json = redis.call('GET', 'ra:inv:' .. id)
  if json then
    table.insert(gone.invites, json)
    local invite = cjson.decode(json)
    redis.call('SREM', 'ra:invs:' .. invite['from'], id)
    redis.call('SREM', 'ra:invs:' .. invite['to'], id)
    redis.call('DECRBY', 'ra:invbytes', string.len(invite['ticket']))
  end
  redis.call('DEL', 'ra:inv:' .. id)
  redis.call('SREM', 'ra:invs', id)
end
redis.call('DEL', 'ra:invs:' .. name)
-- An empty Lua table encodes as {}: the caller reads those lists as empty.
return cjson.encode(gone)`;

/** KEYS: token. ARGV: lastSeen. Only a token that still exists is touched (a revoked one is not brought back). */
export const TOUCH_TOKEN = `
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'lastSeen', ARGV[1]) end
return 1`;

/** KEYS: token. ARGV: token hash, prefix of the user's token set. */
export const REVOKE_TOKEN = `
local user = redis.call('HGET', KEYS[1], 'user')
redis.call('DEL', KEYS[1])
if user then redis.call('SREM', ARGV[2] .. user, ARGV[1]) end
return 1`;

/** KEYS: invitation. ARGV: new state, then the states it may move from. Returns the moved record, JSON, or nil. */
export const MOVE_INVITE = `
local json = redis.call('GET', KEYS[1])
if not json then return false end
local invite = cjson.decode(json)
for i = 2, #ARGV do
  if invite['state'] == ARGV[i] then
    invite['state'] = ARGV[1]
    local moved = cjson.encode(invite)
    redis.call('SET', KEYS[1], moved, 'KEEPTTL')
    return moved
  end
end
return false`;

/** KEYS: invitation, all invitations, ticket bytes. ARGV: id, prefix of the per-user sets. */
export const REMOVE_INVITE = `
local json = redis.call('GET', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[1])
if not json then return 0 end
local invite = cjson.decode(json)
redis.call('SREM', ARGV[2] .. invite['from'], ARGV[1])
redis.call('SREM', ARGV[2] .. invite['to'], ARGV[1])
redis.call('DECRBY', KEYS[3], string.len(invite['ticket']))
redis.call('DEL', KEYS[1])
return 1`;
