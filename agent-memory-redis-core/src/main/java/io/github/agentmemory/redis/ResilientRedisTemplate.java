package io.github.agentmemory.redis;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.stream.Stream;

import io.github.agentmemory.redis.command.Priority;
import io.github.agentmemory.redis.command.RedisWrite;
import io.github.agentmemory.redis.command.ScoredMember;
import io.github.agentmemory.redis.command.SetOptions;
import io.github.agentmemory.redis.command.StoreFunction;
import io.github.agentmemory.redis.command.StoreOutcome;
import io.github.agentmemory.redis.command.WriteOutcome;
import io.github.agentmemory.redis.command.ZAddOptions;
import io.github.agentmemory.redis.resilience.RetryPolicy;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;

import org.springframework.dao.DataAccessException;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.util.Assert;

/**
 * The blocking sibling of {@link AsyncResilientRedisTemplate}: the same operations, each
 * waiting for its result. It is built by joining the asynchronous path, so both share one
 * circuit breaker, one retry policy and one connection. Failures are thrown as the same
 * {@link DataAccessException}s (never wrapped in a {@link CompletionException}). A call
 * never waits without a bound: at most {@code maxWait}, set by the auto-configuration to
 * the longest its attempts (each bounded by the command timeout) and retries can take.
 *
 * @author agent-memory-redis
 */
public class ResilientRedisTemplate {

	/** The default bound of a blocking call. */
	public static final Duration DEFAULT_MAX_WAIT = Duration.ofSeconds(60);

	private final AsyncResilientRedisTemplate async;

	private final Duration maxWait;

	/**
	 * Create a blocking template over an asynchronous one, waiting at most
	 * {@link #DEFAULT_MAX_WAIT} for each call.
	 * @param async the asynchronous template
	 */
	public ResilientRedisTemplate(AsyncResilientRedisTemplate async) {
		this(async, DEFAULT_MAX_WAIT);
	}

	/**
	 * Create a blocking template over an asynchronous one.
	 * @param async the asynchronous template
	 * @param maxWait the longest a call waits for its result (then it throws
	 * {@link QueryTimeoutException}); at least the longest a call's attempts and retries
	 * can take
	 */
	public ResilientRedisTemplate(AsyncResilientRedisTemplate async, Duration maxWait) {
		Assert.notNull(async, "'async' must not be null");
		Assert.isTrue(maxWait != null && !maxWait.isNegative() && !maxWait.isZero(), "'maxWait' must be positive");
		this.async = async;
		this.maxWait = maxWait;
	}

	/**
	 * The asynchronous template this one joins.
	 * @return the asynchronous template
	 */
	public AsyncResilientRedisTemplate async() {
		return this.async;
	}

	/**
	 * {@code PING}.
	 * @return {@code "PONG"}
	 * @see AsyncResilientRedisTemplate#ping()
	 */
	public String ping() {
		return join(this.async.ping());
	}

	/**
	 * Time one {@code PING}.
	 * @return the round-trip time
	 * @see AsyncResilientRedisTemplate#latency()
	 */
	public Duration latency() {
		return join(this.async.latency());
	}

	/**
	 * {@code GET key}.
	 * @param key the key
	 * @return the value, or empty when the key does not exist
	 */
	public Optional<String> get(String key) {
		return join(this.async.get(key));
	}

	/**
	 * {@code SET key value}.
	 * @param key the key
	 * @param value the value
	 * @return {@code true} once set
	 */
	public boolean set(String key, String value) {
		return join(this.async.set(key, value));
	}

	/**
	 * {@code SET key value [PX ttl] [NX|XX]}.
	 * @param key the key
	 * @param value the value
	 * @param options ttl and condition
	 * @return whether the value was set
	 */
	public boolean set(String key, String value, SetOptions options) {
		return join(this.async.set(key, value, options));
	}

	/**
	 * {@code DEL key [key ...]}.
	 * @param keys the keys
	 * @return the number of keys removed
	 */
	public long delete(String... keys) {
		return join(this.async.delete(keys));
	}

	/**
	 * {@code EXISTS key [key ...]}.
	 * @param keys the keys
	 * @return how many of the keys exist
	 */
	public long exists(String... keys) {
		return join(this.async.exists(keys));
	}

	/**
	 * {@code PEXPIRE key ttl}.
	 * @param key the key
	 * @param ttl the time to live
	 * @return whether the ttl was set
	 */
	public boolean expire(String key, Duration ttl) {
		return join(this.async.expire(key, ttl));
	}

	/**
	 * {@code HSET key field value}.
	 * @param key the key
	 * @param field the field
	 * @param value the value
	 * @return whether the field is new
	 */
	public boolean hset(String key, String field, String value) {
		return join(this.async.hset(key, field, value));
	}

	/**
	 * {@code HSET key field value [field value ...]}.
	 * @param key the key
	 * @param fields the fields and values
	 * @return the number of fields added
	 */
	public long hsetAll(String key, Map<String, String> fields) {
		return join(this.async.hsetAll(key, fields));
	}

	/**
	 * {@code HGET key field}.
	 * @param key the key
	 * @param field the field
	 * @return the value, or empty
	 */
	public Optional<String> hget(String key, String field) {
		return join(this.async.hget(key, field));
	}

	/**
	 * {@code HGETALL key}.
	 * @param key the key
	 * @return the fields and values; empty when the key does not exist
	 */
	public Map<String, String> hgetAll(String key) {
		return join(this.async.hgetAll(key));
	}

	/**
	 * {@code HDEL key field [field ...]}.
	 * @param key the key
	 * @param fields the fields
	 * @return the number of fields removed
	 */
	public long hdel(String key, String... fields) {
		return join(this.async.hdel(key, fields));
	}

	/**
	 * {@code ZADD key score member [score member ...]}.
	 * @param key the key
	 * @param members members and scores
	 * @return the number of members added
	 */
	public long zadd(String key, Map<String, Double> members) {
		return join(this.async.zadd(key, members));
	}

	/**
	 * {@code ZADD key [NX|XX] [CH] score member [score member ...]}.
	 * @param key the key
	 * @param members members and scores
	 * @param options the flags
	 * @return the number of members added (with {@code CH}: changed)
	 */
	public long zadd(String key, Map<String, Double> members, ZAddOptions options) {
		return join(this.async.zadd(key, members, options));
	}

	/**
	 * {@code ZADD key INCR [NX|XX] increment member}.
	 * @param key the key
	 * @param member the member
	 * @param increment the amount to add
	 * @param options {@code NX} or {@code XX}, if any
	 * @return the new score, or empty
	 */
	public Optional<Double> zaddIncr(String key, String member, double increment, ZAddOptions options) {
		return join(this.async.zaddIncr(key, member, increment, options));
	}

	/**
	 * {@code ZRANGE key start end}.
	 * @param key the key
	 * @param start first rank
	 * @param end last rank, inclusive
	 * @return the members
	 */
	public List<String> zrange(String key, long start, long end) {
		return join(this.async.zrange(key, start, end));
	}

	/**
	 * {@code ZREVRANGE key start end}.
	 * @param key the key
	 * @param start first rank
	 * @param end last rank, inclusive
	 * @return the members, highest score first
	 */
	public List<String> zrevrange(String key, long start, long end) {
		return join(this.async.zrevrange(key, start, end));
	}

	/**
	 * {@code ZRANGE key start end WITHSCORES}.
	 * @param key the key
	 * @param start first rank
	 * @param end last rank, inclusive
	 * @return members with scores
	 */
	public List<ScoredMember> zrangeWithScores(String key, long start, long end) {
		return join(this.async.zrangeWithScores(key, start, end));
	}

	/**
	 * {@code ZREVRANGE key start end WITHSCORES}.
	 * @param key the key
	 * @param start first rank
	 * @param end last rank, inclusive
	 * @return members with scores, highest first
	 */
	public List<ScoredMember> zrevrangeWithScores(String key, long start, long end) {
		return join(this.async.zrevrangeWithScores(key, start, end));
	}

	/**
	 * {@code ZRANGEBYSCORE key min max}.
	 * @param key the key
	 * @param min lowest score
	 * @param max highest score
	 * @return the members
	 */
	public List<String> zrangeByScore(String key, double min, double max) {
		return join(this.async.zrangeByScore(key, min, max));
	}

	/**
	 * {@code ZRANGEBYSCORE key min max LIMIT offset count}.
	 * @param key the key
	 * @param min lowest score
	 * @param max highest score
	 * @param offset members to skip
	 * @param count most members to return
	 * @return the members
	 */
	public List<String> zrangeByScore(String key, double min, double max, long offset, long count) {
		return join(this.async.zrangeByScore(key, min, max, offset, count));
	}

	/**
	 * {@code ZRANGEBYSCORE key min max WITHSCORES}.
	 * @param key the key
	 * @param min lowest score
	 * @param max highest score
	 * @return members with scores
	 */
	public List<ScoredMember> zrangeByScoreWithScores(String key, double min, double max) {
		return join(this.async.zrangeByScoreWithScores(key, min, max));
	}

	/**
	 * {@code ZRANGEBYSCORE key min max WITHSCORES LIMIT offset count}.
	 * @param key the key
	 * @param min lowest score
	 * @param max highest score
	 * @param offset members to skip
	 * @param count most members to return
	 * @return members with scores
	 */
	public List<ScoredMember> zrangeByScoreWithScores(String key, double min, double max, long offset, long count) {
		return join(this.async.zrangeByScoreWithScores(key, min, max, offset, count));
	}

	/**
	 * {@code ZREM key member [member ...]}.
	 * @param key the key
	 * @param members the members
	 * @return the number removed
	 */
	public long zrem(String key, String... members) {
		return join(this.async.zrem(key, members));
	}

	/**
	 * {@code ZCARD key}.
	 * @param key the key
	 * @return the number of members
	 */
	public long zcard(String key) {
		return join(this.async.zcard(key));
	}

	/**
	 * {@code SCAN} as a lazy stream: pages are fetched as the stream is consumed. Close
	 * the stream (try-with-resources) if you stop early.
	 * @param match glob-style pattern
	 * @param count page size hint
	 * @return the matching keys, each once
	 * @see AsyncResilientRedisTemplate#scan(String, long)
	 */
	public Stream<String> scan(String match, long count) {
		return this.async.scan(match, count).toStream((int) Math.min(Math.max(count, 1), 1024));
	}

	/**
	 * Apply a write, handled by its priority if Redis cannot take it now.
	 * @param write the write
	 * @param priority its priority
	 * @return the outcome (for {@code QUEUED}, {@link WriteOutcome#settlement()} completes
	 * later)
	 * @see AsyncResilientRedisTemplate#write(RedisWrite, Priority)
	 */
	public WriteOutcome write(RedisWrite write, Priority priority) {
		return join(this.async.write(write, priority));
	}

	/**
	 * Apply a write with a priority and, for {@code CRITICAL}, its own retries.
	 * @param write the write
	 * @param priority its priority
	 * @param retryPolicy retries of a {@code CRITICAL} write
	 * @return the outcome
	 * @see AsyncResilientRedisTemplate#write(RedisWrite, Priority, RetryPolicy)
	 */
	public WriteOutcome write(RedisWrite write, Priority priority, RetryPolicy retryPolicy) {
		return join(this.async.write(write, priority, retryPolicy));
	}

	/**
	 * The spec's {@code store_with_retry}.
	 * @param agentId the agent
	 * @param state its state
	 * @param storeFunction turns the state into writes
	 * @param priority how to handle writes that cannot be applied at once
	 * @return the outcome
	 * @see AsyncResilientRedisTemplate#storeWithRetry(String, Map, StoreFunction, Priority)
	 */
	public StoreOutcome storeWithRetry(String agentId, Map<String, String> state, StoreFunction storeFunction,
			Priority priority) {
		return join(this.async.storeWithRetry(agentId, state, storeFunction, priority));
	}

	/**
	 * The spec's {@code store_with_retry} with per-call retries.
	 * @param agentId the agent
	 * @param state its state
	 * @param storeFunction turns the state into writes
	 * @param priority how to handle writes that cannot be applied at once
	 * @param retryPolicy retries of a {@code CRITICAL} store
	 * @return the outcome
	 * @see AsyncResilientRedisTemplate#storeWithRetry(String, Map, StoreFunction, Priority, RetryPolicy)
	 */
	public StoreOutcome storeWithRetry(String agentId, Map<String, String> state, StoreFunction storeFunction,
			Priority priority, RetryPolicy retryPolicy) {
		return join(this.async.storeWithRetry(agentId, state, storeFunction, priority, retryPolicy));
	}

	/**
	 * Store an agent's state with the configured store function.
	 * @param agentId the agent
	 * @param state its state
	 * @param priority how to handle writes that cannot be applied at once
	 * @return the outcome
	 * @see AsyncResilientRedisTemplate#storeAgentState(String, Map, Priority)
	 */
	public StoreOutcome storeAgentState(String agentId, Map<String, String> state, Priority priority) {
		return join(this.async.storeAgentState(agentId, state, priority));
	}

	/**
	 * Run any other Lettuce command with the same protection.
	 * @param <T> the reply type
	 * @param command the command name
	 * @param retryable whether it may be retried
	 * @param call sends the command
	 * @return the reply
	 * @see AsyncResilientRedisTemplate#execute(String, boolean, Function)
	 */
	public <T> T execute(String command, boolean retryable,
			Function<RedisClusterAsyncCommands<byte[], byte[]>, ? extends CompletionStage<T>> call) {
		return join(this.async.execute(command, retryable, call));
	}

	private <T> T join(CompletableFuture<T> future) {
		try {
			return future.get(this.maxWait.toNanos(), TimeUnit.NANOSECONDS);
		}
		catch (ExecutionException ex) {
			if (ex.getCause() instanceof RuntimeException runtimeException) {
				throw runtimeException;
			}
			throw new CompletionException(ex.getCause());
		}
		catch (TimeoutException ex) {
			throw new QueryTimeoutException("No result within " + this.maxWait
					+ " (the longest a call's attempts and retries can take); the call may still complete", ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new QueryTimeoutException("Interrupted while waiting for Redis", ex);
		}
	}

}
