import type { Rate } from '../config.js';
import type { BackoffRule, Rates } from '../rates.js';
import type { RedisLink } from './link.js';

/** A token bucket: KEYS bucket; ARGV burst, windowMs, now. Returns 1 when a token was taken. */
const TAKE = `
local burst, window, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens, at = tonumber(state[1]) or burst, tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * burst / window)
local taken = 0
if tokens >= 1 then tokens = tokens - 1; taken = 1 end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], window)
return taken`;

/** Back-off after a failure: KEYS entry; ARGV free, baseMs, maxMs, forgetMs, now. */
const FAIL = `
local free, base, max, forget, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local failures = (tonumber(redis.call('HGET', KEYS[1], 'failures')) or 0) + 1
local over = failures - free
local untilMs = now
if over > 0 then untilMs = now + math.min(max, base * 2 ^ (over - 1)) end
redis.call('HSET', KEYS[1], 'failures', failures, 'until', tostring(untilMs))
redis.call('PEXPIRE', KEYS[1], math.floor(untilMs - now + forget))
return 1`;

/**
 * Rates shared by every node: token buckets and back-off entries in Redis, each changed by one Lua
 * script, each key expiring once it would be full (or forgotten) again, so Redis keeps none for ever.
 */
export class RedisRates implements Rates {
  constructor(
    private readonly link: RedisLink,
    private readonly now: () => number = Date.now,
  ) {}

  async take(bucket: string, key: string, rate: Rate): Promise<boolean> {
    const args = [String(rate.burst), String(rate.windowMs), String(this.now())];
    return (await this.link.run((r) => r.eval(TAKE, { keys: [`ra:rate:${bucket}:${key}`], arguments: args }))) === 1;
  }

  async wait(bucket: string, key: string): Promise<number> {
    const until = await this.link.run((r) => r.hGet(`ra:backoff:${bucket}:${key}`, 'until'));
    return until ? Math.max(0, Number(until) - this.now()) : 0;
  }

  async fail(bucket: string, key: string, rule: BackoffRule): Promise<void> {
    const args = [rule.free, rule.baseMs, rule.maxMs, rule.forgetMs, this.now()].map(String);
    await this.link.run((r) => r.eval(FAIL, { keys: [`ra:backoff:${bucket}:${key}`], arguments: args }));
  }

  async succeed(bucket: string, key: string): Promise<void> {
    await this.link.run((r) => r.del(`ra:backoff:${bucket}:${key}`));
  }
}
