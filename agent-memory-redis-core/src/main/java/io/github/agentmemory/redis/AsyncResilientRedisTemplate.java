package io.github.agentmemory.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

import io.github.agentmemory.redis.command.Arguments;
import io.github.agentmemory.redis.command.Priority;
import io.github.agentmemory.redis.command.RedisWrite;
import io.github.agentmemory.redis.command.ScoredMember;
import io.github.agentmemory.redis.command.SetOptions;
import io.github.agentmemory.redis.command.StoreFunction;
import io.github.agentmemory.redis.command.StoreOutcome;
import io.github.agentmemory.redis.command.WriteOutcome;
import io.github.agentmemory.redis.command.ZAddOptions;
import io.github.agentmemory.redis.recovery.RecoveryQueue;
import io.github.agentmemory.redis.recovery.RecoveryStats;
import io.github.agentmemory.redis.recovery.WriteSequencer;
import io.github.agentmemory.redis.resilience.CircuitBreakerRouting;
import io.github.agentmemory.redis.resilience.RetryPolicy;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.cluster.api.async.RedisAdvancedClusterAsyncCommands;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.dao.DataAccessException;
import org.springframework.lang.Nullable;
import org.springframework.util.Assert;

/**
 * Asynchronous Redis operations on String keys and values that keep working when Redis
 * does not: every call goes through a circuit breaker (one, or on Redis Cluster the one
 * of the key's master, see {@link CircuitBreakerRouting}), idempotent calls are retried
 * with exponential backoff without blocking a thread, and every failure is reported as a
 * Spring {@link DataAccessException}.
 *
 * <h2>Results</h2> Every operation returns a {@link CompletableFuture}. A missing value
 * is an empty {@link Optional} ({@link #get}, {@link #hget}), an empty map or list (hash
 * and sorted-set reads) or {@code 0} (counts); futures never complete with {@code null}.
 *
 * <h2>Errors</h2> Bad input (a null or empty key, a null value, an empty map, a NaN
 * score, a ttl below one millisecond...) throws {@link IllegalArgumentException} at once:
 * nothing is sent and the circuit breaker does not count it. Everything else completes the
 * future exceptionally with a {@link DataAccessException}: while the circuit is open with
 * {@link io.github.agentmemory.redis.resilience.RedisCircuitOpenException}, which is a
 * {@link org.springframework.data.redis.RedisConnectionFailureException}.
 *
 * <h2>Threads</h2> Futures complete on Lettuce's I/O event loop thread (or on the
 * caller's thread when a call is rejected at once, or on the library's scheduler after a
 * retry). Callbacks attached with {@code thenApply}/{@code whenComplete} run on that
 * thread: keep them short and never block in them; use the {@code *Async} variants with
 * your own executor for slow work.
 *
 * <h2>Retries</h2> Reads and idempotent writes ({@code SET} without condition,
 * {@code DEL}, {@code PEXPIRE}, {@code HSET}, {@code HDEL}, {@code ZADD} without
 * {@code INCR}, {@code ZREM}) are retried after transient faults. Conditional {@code SET},
 * {@code ZADD INCR} and {@link #execute} calls marked non-retryable are not: after a
 * timeout the server may already have applied them.
 *
 * <h2>Writes, priorities and order</h2> Writes to one key take effect in the order they
 * were issued, also across retries and replays (see {@link WriteSequencer}); reads are
 * not ordered against waiting writes. The write methods above report failures as
 * exceptions. {@link #write(RedisWrite, Priority)} and
 * {@link #storeWithRetry(String, Map, StoreFunction, Priority)} handle a failed write by
 * its {@link Priority} (retry, queue for replay, or drop) and answer with a
 * {@link WriteOutcome} instead.
 *
 * @author agent-memory-redis
 * @see ResilientRedisTemplate
 */
public class AsyncResilientRedisTemplate {

	/** A write's reply as a count (one function for every call: a bound method reference allocates). */
	private static final Function<Object, Long> AS_LONG = Long.class::cast;

	/** A write's reply as whether Redis answered {@code 1} / true. */
	private static final Function<Object, Boolean> IS_TRUE = Boolean.TRUE::equals;

	private final ResilientRedisConnection connection;

	private final WriteSequencer writes;

	private final RecoveryQueue recoveryQueue;

	private final CircuitBreakerRouting circuitBreakers;

	private final StoreFunction agentStateStore;

	/**
	 * Create a template.
	 * @param connection the guarded connection every command goes through
	 * @param writes orders, retries and queues the writes
	 * @param recoveryQueue the writes waiting for Redis
	 * @param circuitBreaker the breaker every command goes through
	 * @param agentStateStore how {@link #storeAgentState} stores an agent's state
	 */
	public AsyncResilientRedisTemplate(ResilientRedisConnection connection, WriteSequencer writes,
			RecoveryQueue recoveryQueue, CircuitBreaker circuitBreaker, StoreFunction agentStateStore) {
		this(connection, writes, recoveryQueue, CircuitBreakerRouting.single(circuitBreaker), agentStateStore);
	}

	/**
	 * Create a template whose calls go through the breaker of their key (on Redis
	 * Cluster, of the key's master).
	 * @param connection the guarded connection every command goes through
	 * @param writes orders, retries and queues the writes
	 * @param recoveryQueue the writes waiting for Redis
	 * @param circuitBreakers the breaker of each key, as the connection routes calls
	 * @param agentStateStore how {@link #storeAgentState} stores an agent's state
	 */
	public AsyncResilientRedisTemplate(ResilientRedisConnection connection, WriteSequencer writes,
			RecoveryQueue recoveryQueue, CircuitBreakerRouting circuitBreakers, StoreFunction agentStateStore) {
		Assert.notNull(connection, "'connection' must not be null");
		Assert.notNull(writes, "'writes' must not be null");
		Assert.notNull(recoveryQueue, "'recoveryQueue' must not be null");
		Assert.notNull(circuitBreakers, "'circuitBreakers' must not be null");
		Assert.notNull(agentStateStore, "'agentStateStore' must not be null");
		this.connection = connection;
		this.writes = writes;
		this.recoveryQueue = recoveryQueue;
		this.circuitBreakers = circuitBreakers;
		this.agentStateStore = agentStateStore;
	}

	// ---- connection ----------------------------------------------------------------

	/**
	 * {@code PING}.
	 * @return {@code "PONG"}
	 */
	public CompletableFuture<String> ping() {
		return call("PING", true, RedisClusterAsyncCommands::ping);
	}

	/**
	 * Time one {@code PING} on an open connection, measured with the monotonic clock
	 * (opening the connection first, if needed, is not timed). The probe bypasses the
	 * circuit breaker: it neither waits for it nor counts against it, and it is not
	 * retried.
	 * @return the round-trip time; completes exceptionally when Redis is unavailable (a
	 * failed probe is never reported as a number)
	 */
	public CompletableFuture<Duration> latency() {
		long[] start = new long[1];
		return this.connection.callUnguarded("PING", (commands) -> {
			start[0] = System.nanoTime();
			return commands.ping();
		}).thenApply((pong) -> Duration.ofNanos(System.nanoTime() - start[0]));
	}

	// ---- strings and keys ------------------------------------------------------------

	/**
	 * {@code GET key}.
	 * @param key the key
	 * @return the value, or empty when the key does not exist
	 */
	public CompletableFuture<Optional<String>> get(String key) {
		byte[] rawKey = LettuceWrites.bytes(Arguments.key(key));
		return call(rawKey, "GET", true, (commands) -> commands.get(rawKey))
			.thenApply((value) -> Optional.ofNullable(LettuceWrites.string(value)));
	}

	/**
	 * {@code SET key value}.
	 * @param key the key
	 * @param value the value (may be empty, not null)
	 * @return {@code true} once set
	 */
	public CompletableFuture<Boolean> set(String key, String value) {
		return set(key, value, SetOptions.none());
	}

	/**
	 * {@code SET key value [PX ttl] [NX|XX]}.
	 * @param key the key
	 * @param value the value (may be empty, not null)
	 * @param options ttl and condition
	 * @return {@code true} if the value was set, {@code false} if the condition was not met
	 */
	public CompletableFuture<Boolean> set(String key, String value, SetOptions options) {
		return write(RedisWrite.set(key, value, options), (reply) -> reply != null);
	}

	/**
	 * {@code DEL key [key ...]}, sent as one {@code DEL} per key (not atomic across keys;
	 * on Redis Cluster the keys may live in different slots).
	 * @param keys the keys, at least one
	 * @return the number of keys that were removed
	 */
	public CompletableFuture<Long> delete(String... keys) {
		List<String> checked = Arguments.keys((keys != null) ? Arrays.asList(keys) : null);
		if (checked.size() == 1) {
			return write(RedisWrite.delete(checked.get(0)), AS_LONG);
		}
		// one DEL per key, so that each is ordered with the other writes to its key
		List<CompletableFuture<Long>> deletes = new ArrayList<>(checked.size());
		for (String key : checked) {
			deletes.add(write(RedisWrite.delete(key), AS_LONG));
		}
		return CompletableFuture.allOf(deletes.toArray(CompletableFuture[]::new))
			.thenApply((done) -> deletes.stream().mapToLong(CompletableFuture::join).sum());
	}

	/**
	 * {@code EXISTS key [key ...]}. On Redis Cluster the keys are grouped by master: one
	 * {@code EXISTS} per master, through that master's circuit breaker (Lettuce splits it
	 * further by slot), and the counts are added up (not atomic across slots). The count
	 * fails if any of the masters' calls fails: while one master's circuit is open, an
	 * {@code EXISTS} with a key of that master fails fast, one with keys of the other
	 * masters only is answered.
	 * @param keys the keys, at least one
	 * @return how many of the keys exist (a key named twice counts twice)
	 */
	public CompletableFuture<Long> exists(String... keys) {
		List<String> checked = Arguments.keys((keys != null) ? Arrays.asList(keys) : null);
		if (this.circuitBreakers.isSingle()) {
			byte[][] rawKeys = LettuceWrites.bytes(checked);
			return call("EXISTS", true, (commands) -> commands.exists(rawKeys));
		}
		Map<CircuitBreaker, List<String>> byMaster = new LinkedHashMap<>();
		for (String key : checked) {
			byMaster.computeIfAbsent(this.circuitBreakers.forKey(key), (breaker) -> new ArrayList<>()).add(key);
		}
		List<CompletableFuture<Long>> counts = new ArrayList<>(byMaster.size());
		for (List<String> group : byMaster.values()) {
			byte[][] rawKeys = LettuceWrites.bytes(group);
			counts.add(call(rawKeys[0], "EXISTS", true, (commands) -> commands.exists(rawKeys)));
		}
		return CompletableFuture.allOf(counts.toArray(CompletableFuture[]::new))
			.thenApply((done) -> counts.stream().mapToLong(CompletableFuture::join).sum());
	}

	/**
	 * {@code PEXPIRE key ttl}.
	 * @param key the key
	 * @param ttl the time to live, at least one millisecond
	 * @return {@code true} if the ttl was set, {@code false} if the key does not exist
	 */
	public CompletableFuture<Boolean> expire(String key, Duration ttl) {
		return write(RedisWrite.expire(key, ttl), IS_TRUE);
	}

	// ---- hashes ------------------------------------------------------------------------

	/**
	 * {@code HSET key field value}.
	 * @param key the key
	 * @param field the field
	 * @param value the value
	 * @return {@code true} if the field is new, {@code false} if it was updated
	 */
	public CompletableFuture<Boolean> hset(String key, String field, String value) {
		Map<String, String> fields = new LinkedHashMap<>(1);
		fields.put(Arguments.text(field, "field"), Arguments.value(value, "value"));
		return write(RedisWrite.hset(key, fields), (added) -> ((Long) added) > 0);
	}

	/**
	 * {@code HSET key field value [field value ...]}: the spec's {@code hset_dict}.
	 * @param key the key
	 * @param fields the fields and values, at least one
	 * @return the number of fields that were added (not updated)
	 */
	public CompletableFuture<Long> hsetAll(String key, Map<String, String> fields) {
		return write(RedisWrite.hset(key, fields), AS_LONG);
	}

	/**
	 * {@code HGET key field}.
	 * @param key the key
	 * @param field the field
	 * @return the value, or empty when the key or field does not exist
	 */
	public CompletableFuture<Optional<String>> hget(String key, String field) {
		byte[] rawKey = LettuceWrites.bytes(Arguments.key(key));
		byte[] rawField = LettuceWrites.bytes(Arguments.text(field, "field"));
		return call(rawKey, "HGET", true, (commands) -> commands.hget(rawKey, rawField))
			.thenApply((value) -> Optional.ofNullable(LettuceWrites.string(value)));
	}

	/**
	 * {@code HGETALL key}.
	 * @param key the key
	 * @return the fields and values in Redis's order; empty when the key does not exist
	 */
	public CompletableFuture<Map<String, String>> hgetAll(String key) {
		byte[] rawKey = LettuceWrites.bytes(Arguments.key(key));
		return call(rawKey, "HGETALL", true, (commands) -> commands.hgetall(rawKey)).thenApply((raw) -> {
			Map<String, String> fields = new LinkedHashMap<>(raw.size() * 2);
			raw.forEach((field, value) -> fields.put(LettuceWrites.string(field), LettuceWrites.string(value)));
			return fields;
		});
	}

	/**
	 * {@code HDEL key field [field ...]}.
	 * @param key the key
	 * @param fields the fields, at least one
	 * @return the number of fields that were removed
	 */
	public CompletableFuture<Long> hdel(String key, String... fields) {
		return write(RedisWrite.hdel(key, (fields != null) ? Arrays.asList(fields) : null), AS_LONG);
	}

	// ---- sorted sets ---------------------------------------------------------------------

	/**
	 * {@code ZADD key score member [score member ...]}.
	 * @param key the key
	 * @param members members and their scores (finite), at least one
	 * @return the number of members that were added
	 */
	public CompletableFuture<Long> zadd(String key, Map<String, Double> members) {
		return zadd(key, members, ZAddOptions.none());
	}

	/**
	 * {@code ZADD key [NX|XX] [CH] score member [score member ...]}.
	 * @param key the key
	 * @param members members and their scores (finite), at least one
	 * @param options the flags; {@code INCR} is {@link #zaddIncr}'s
	 * @return the number of members added (with {@code CH}: added or changed)
	 */
	public CompletableFuture<Long> zadd(String key, Map<String, Double> members, ZAddOptions options) {
		Arguments.notNull(options, "options");
		if (options.isIncrement()) {
			throw new IllegalArgumentException("ZADD INCR returns a score: use zaddIncr");
		}
		return write(RedisWrite.zadd(key, members, options), AS_LONG);
	}

	/**
	 * {@code ZADD key INCR [NX|XX] increment member}. Not idempotent, so never retried
	 * automatically.
	 * @param key the key
	 * @param member the member
	 * @param increment the finite amount to add to the member's score
	 * @param options {@code NX} or {@code XX}, if any
	 * @return the new score, or empty if {@code NX}/{@code XX} prevented the update
	 */
	public CompletableFuture<Optional<Double>> zaddIncr(String key, String member, double increment,
			ZAddOptions options) {
		Arguments.notNull(options, "options");
		ZAddOptions.Builder flags = ZAddOptions.builder().increment();
		if (options.isOnlyNew()) {
			flags.onlyNew();
		}
		if (options.isOnlyExisting()) {
			flags.onlyExisting();
		}
		Map<String, Double> single = new LinkedHashMap<>(1);
		single.put(Arguments.text(member, "member"), Arguments.score(increment, "increment"));
		return write(RedisWrite.zadd(key, single, flags.build()), (score) -> Optional.ofNullable((Double) score));
	}

	/**
	 * {@code ZRANGE key start end}: members by rank, lowest score first.
	 * @param key the key
	 * @param start first rank (0-based; negative counts from the end)
	 * @param end last rank, inclusive (-1 for the last)
	 * @return the members; empty when the key does not exist
	 */
	public CompletableFuture<List<String>> zrange(String key, long start, long end) {
		byte[] rawKey = LettuceWrites.bytes(Arguments.key(key));
		return call(rawKey, "ZRANGE", true, (commands) -> commands.zrange(rawKey, start, end))
			.thenApply(AsyncResilientRedisTemplate::strings);
	}

	/**
	 * {@code ZREVRANGE key start end}: members by rank, highest score first.
	 * @param key the key
	 * @param start first rank (0-based; negative counts from the end)
	 * @param end last rank, inclusive (-1 for the last)
	 * @return the members; empty when the key does not exist
	 */
	public CompletableFuture<List<String>> zrevrange(String key, long start, long end) {
		byte[] rawKey = LettuceWrites.bytes(Arguments.key(key));
		return call(rawKey, "ZREVRANGE", true, (commands) -> commands.zrevrange(rawKey, start, end))
			.thenApply(AsyncResilientRedisTemplate::strings);
	}

	/**
	 * {@code ZRANGE key start end WITHSCORES}.
	 * @param key the key
	 * @param start first rank
	 * @param end last rank, inclusive
	 * @return members with scores, lowest first; empty when the key does not exist
	 */
	public CompletableFuture<List<ScoredMember>> zrangeWithScores(String key, long start, long end) {
		byte[] rawKey = LettuceWrites.bytes(Arguments.key(key));
		return call(rawKey, "ZRANGE", true, (commands) -> commands.zrangeWithScores(rawKey, start, end))
			.thenApply(AsyncResilientRedisTemplate::scored);
	}

	/**
	 * {@code ZREVRANGE key start end WITHSCORES}.
	 * @param key the key
	 * @param start first rank
	 * @param end last rank, inclusive
	 * @return members with scores, highest first; empty when the key does not exist
	 */
	public CompletableFuture<List<ScoredMember>> zrevrangeWithScores(String key, long start, long end) {
		byte[] rawKey = LettuceWrites.bytes(Arguments.key(key));
		return call(rawKey, "ZREVRANGE", true, (commands) -> commands.zrevrangeWithScores(rawKey, start, end))
			.thenApply(AsyncResilientRedisTemplate::scored);
	}

	/**
	 * {@code ZRANGEBYSCORE key min max}: both bounds inclusive; use
	 * {@link Double#NEGATIVE_INFINITY}/{@link Double#POSITIVE_INFINITY} for none.
	 * @param key the key
	 * @param min lowest score (not NaN)
	 * @param max highest score (not NaN)
	 * @return the members, lowest score first
	 */
	public CompletableFuture<List<String>> zrangeByScore(String key, double min, double max) {
		byte[] rawKey = LettuceWrites.bytes(Arguments.key(key));
		checkBounds(min, max);
		return call(rawKey, "ZRANGEBYSCORE", true, (commands) -> commands.zrangebyscore(rawKey, Range.create(min, max)))
			.thenApply(AsyncResilientRedisTemplate::strings);
	}

	/**
	 * {@code ZRANGEBYSCORE key min max LIMIT offset count}.
	 * @param key the key
	 * @param min lowest score (not NaN)
	 * @param max highest score (not NaN)
	 * @param offset members to skip, 0 or more
	 * @param count most members to return, 1 or more
	 * @return the members, lowest score first
	 */
	public CompletableFuture<List<String>> zrangeByScore(String key, double min, double max, long offset, long count) {
		byte[] rawKey = LettuceWrites.bytes(Arguments.key(key));
		checkBounds(min, max);
		checkLimit(offset, count);
		return call(rawKey, "ZRANGEBYSCORE", true, (commands) -> commands.zrangebyscore(rawKey, Range.create(min, max), Limit.create(offset, count)))
			.thenApply(AsyncResilientRedisTemplate::strings);
	}

	/**
	 * {@code ZRANGEBYSCORE key min max WITHSCORES}.
	 * @param key the key
	 * @param min lowest score (not NaN)
	 * @param max highest score (not NaN)
	 * @return members with scores, lowest first
	 */
	public CompletableFuture<List<ScoredMember>> zrangeByScoreWithScores(String key, double min, double max) {
		byte[] rawKey = LettuceWrites.bytes(Arguments.key(key));
		checkBounds(min, max);
		return call(rawKey, "ZRANGEBYSCORE", true, (commands) -> commands.zrangebyscoreWithScores(rawKey, Range.create(min, max)))
			.thenApply(AsyncResilientRedisTemplate::scored);
	}

	/**
	 * {@code ZRANGEBYSCORE key min max WITHSCORES LIMIT offset count}.
	 * @param key the key
	 * @param min lowest score (not NaN)
	 * @param max highest score (not NaN)
	 * @param offset members to skip, 0 or more
	 * @param count most members to return, 1 or more
	 * @return members with scores, lowest first
	 */
	public CompletableFuture<List<ScoredMember>> zrangeByScoreWithScores(String key, double min, double max,
			long offset, long count) {
		byte[] rawKey = LettuceWrites.bytes(Arguments.key(key));
		checkBounds(min, max);
		checkLimit(offset, count);
		return call(rawKey, "ZRANGEBYSCORE", true,
				(commands) -> commands.zrangebyscoreWithScores(rawKey, Range.create(min, max),
						Limit.create(offset, count)))
			.thenApply(AsyncResilientRedisTemplate::scored);
	}

	/**
	 * {@code ZREM key member [member ...]}.
	 * @param key the key
	 * @param members the members, at least one
	 * @return the number of members that were removed
	 */
	public CompletableFuture<Long> zrem(String key, String... members) {
		return write(RedisWrite.zrem(key, (members != null) ? Arrays.asList(members) : null), AS_LONG);
	}

	/**
	 * {@code ZCARD key}.
	 * @param key the key
	 * @return the number of members; 0 when the key does not exist
	 */
	public CompletableFuture<Long> zcard(String key) {
		byte[] rawKey = LettuceWrites.bytes(Arguments.key(key));
		return call(rawKey, "ZCARD", true, (commands) -> commands.zcard(rawKey));
	}

	// ---- scan ------------------------------------------------------------------------------

	/**
	 * {@code SCAN} over all keys matching a pattern, streamed page by page: each page is
	 * fetched only when the subscriber asks for more, as its own guarded (and retried)
	 * call. A key that {@code SCAN} returns twice (it may while the keyspace is rehashed)
	 * is emitted once; the keys seen so far are remembered for that, so memory grows with
	 * the number of distinct keys emitted.
	 *
	 * <p>
	 * On Redis Cluster every master that serves slots is scanned, one after the other, as
	 * the client's topology names them when the scan starts. Masters without slots (such
	 * as a failed master whose replica took over) are skipped. A scan that runs while a
	 * master fails over fails with that master's connection error; start it again.
	 * @param match glob-style pattern, for example {@code agent:*} (an empty pattern
	 * matches only the empty key, as in Redis)
	 * @param count hint of how many keys each page holds, 1 or more
	 * @return the matching keys, each once
	 */
	public Flux<String> scan(String match, long count) {
		ScanArgs args = ScanArgs.Builder.matches(Arguments.pattern(match, "match")).limit(positiveCount(count));
		return Mono.fromFuture(() -> scanPage(null, args))
			.expand((page) -> page.isLast() ? Mono.empty() : Mono.fromFuture(() -> scanPage(page, args)))
			.concatMapIterable(ScanPage::keys)
			.map(LettuceWrites::string)
			.distinct();
	}

	// getStatefulConnection() is deprecated without a replacement on the async API; the node
	// connections and partitions of a cluster are reached through it
	@SuppressWarnings("deprecation")
	private CompletableFuture<ScanPage> scanPage(@Nullable ScanPage previous, ScanArgs args) {
		return call("SCAN", true, (commands) -> {
			if (!(commands instanceof RedisAdvancedClusterAsyncCommands<byte[], byte[]> cluster)) {
				ScanCursor cursor = (previous != null) ? previous.cursor() : ScanCursor.INITIAL;
				return commands.scan(cursor, args).thenApply((page) -> new ScanPage(List.of(), 0, page));
			}
			List<String> nodes = (previous != null) ? previous.nodes() : servingMasters(cluster);
			if (nodes.isEmpty()) {
				return CompletableFuture.completedFuture(new ScanPage(nodes, 0, null));
			}
			int node = (previous == null) ? 0 : previous.cursor().isFinished() ? previous.node() + 1 : previous.node();
			ScanCursor cursor = (previous == null || previous.cursor().isFinished()) ? ScanCursor.INITIAL
					: previous.cursor();
			return cluster.getStatefulConnection()
				.getConnectionAsync(nodes.get(node))
				.thenCompose((connection) -> connection.async().scan(cursor, args))
				.thenApply((page) -> new ScanPage(nodes, node, page));
		});
	}

	/**
	 * The masters that serve slots, in the client's current topology. Lettuce's own
	 * cluster {@code SCAN} also visits masters without slots, which fails for as long as a
	 * failed-over master stays down.
	 */
	@SuppressWarnings("deprecation")
	private static List<String> servingMasters(RedisAdvancedClusterAsyncCommands<byte[], byte[]> cluster) {
		List<String> nodes = new ArrayList<>();
		for (RedisClusterNode node : cluster.getStatefulConnection().getPartitions()) {
			if (node.is(RedisClusterNode.NodeFlag.UPSTREAM) && !node.hasNoSlots()) {
				nodes.add(node.getNodeId());
			}
		}
		nodes.sort(null);
		return nodes;
	}

	/**
	 * A page of a scan: its keys, and where the next page starts.
	 * @param nodes the cluster masters being scanned; empty when not on a cluster
	 * @param node the index of the master this page came from
	 * @param cursor the page's cursor on that master, {@code null} when there was none
	 */
	private record ScanPage(List<String> nodes, int node, @Nullable KeyScanCursor<byte[]> cursor) {

		List<byte[]> keys() {
			return (this.cursor != null) ? this.cursor.getKeys() : List.of();
		}

		boolean isLast() {
			return this.cursor == null || (this.cursor.isFinished() && this.node >= this.nodes.size() - 1);
		}

	}

	// ---- writes with a priority ----------------------------------------------------------------

	/**
	 * Apply a write and, if Redis cannot take it right now, handle it by its priority:
	 * {@code CRITICAL} is retried at once with the default retry policy, {@code HIGH} and
	 * {@code NORMAL} are queued for replay, {@code LOW} is dropped. Errors that retrying
	 * cannot fix (such as {@code WRONGTYPE}) come back as {@code FAILED}.
	 * @param write the write
	 * @param priority its priority
	 * @return the outcome; never completes exceptionally
	 */
	public CompletableFuture<WriteOutcome> write(RedisWrite write, Priority priority) {
		return this.writes.write(Arguments.notNull(write, "write"), Arguments.notNull(priority, "priority"), null);
	}

	/**
	 * Apply a write with a priority and, for {@code CRITICAL}, a retry policy of its own.
	 * @param write the write
	 * @param priority its priority
	 * @param retryPolicy retries of a {@code CRITICAL} write ({@link RetryPolicy#none()}:
	 * no retry); ignored for other priorities
	 * @return the outcome; never completes exceptionally
	 */
	public CompletableFuture<WriteOutcome> write(RedisWrite write, Priority priority, RetryPolicy retryPolicy) {
		return this.writes.write(Arguments.notNull(write, "write"), Arguments.notNull(priority, "priority"),
				Arguments.notNull(retryPolicy, "retryPolicy"));
	}

	/**
	 * The spec's {@code store_with_retry}: store an agent's state with the writes the
	 * store function yields, each handled by the priority.
	 * @param agentId the agent
	 * @param state its state
	 * @param storeFunction turns the state into writes
	 * @param priority how to handle writes that cannot be applied at once
	 * @return the outcome of every write and the overall status
	 */
	public CompletableFuture<StoreOutcome> storeWithRetry(String agentId, Map<String, String> state,
			StoreFunction storeFunction, Priority priority) {
		return store(agentId, state, storeFunction, priority, null);
	}

	/**
	 * The spec's {@code store_with_retry(..., retry_attempts, base_delay, max_delay)}:
	 * like {@link #storeWithRetry(String, Map, StoreFunction, Priority)}, with the retries
	 * of a {@code CRITICAL} store given per call.
	 * @param agentId the agent
	 * @param state its state
	 * @param storeFunction turns the state into writes
	 * @param priority how to handle writes that cannot be applied at once
	 * @param retryPolicy retries of a {@code CRITICAL} store ({@link RetryPolicy#none()}:
	 * no retry)
	 * @return the outcome of every write and the overall status
	 */
	public CompletableFuture<StoreOutcome> storeWithRetry(String agentId, Map<String, String> state,
			StoreFunction storeFunction, Priority priority, RetryPolicy retryPolicy) {
		return store(agentId, state, storeFunction, priority, Arguments.notNull(retryPolicy, "retryPolicy"));
	}

	/**
	 * Store an agent's state with the configured store function (by default one hash
	 * under {@code agent:{id}:state}).
	 * @param agentId the agent
	 * @param state its state, at least one field
	 * @param priority how to handle writes that cannot be applied at once
	 * @return the outcome
	 */
	public CompletableFuture<StoreOutcome> storeAgentState(String agentId, Map<String, String> state,
			Priority priority) {
		return store(agentId, state, this.agentStateStore, priority, null);
	}

	private CompletableFuture<StoreOutcome> store(String agentId, Map<String, String> state,
			StoreFunction storeFunction, Priority priority, RetryPolicy retryPolicy) {
		Arguments.text(agentId, "agentId");
		Arguments.notNull(storeFunction, "storeFunction");
		Arguments.notNull(priority, "priority");
		List<RedisWrite> writes = Arguments.notNull(storeFunction.writes(agentId, state), "writes of storeFunction");
		if (writes.isEmpty()) {
			throw new IllegalArgumentException("'storeFunction' returned no write");
		}
		List<CompletableFuture<WriteOutcome>> outcomes = new ArrayList<>(writes.size());
		for (RedisWrite write : writes) {
			outcomes.add(this.writes.write(Arguments.notNull(write, "write of storeFunction"), priority, retryPolicy));
		}
		return CompletableFuture.allOf(outcomes.toArray(CompletableFuture[]::new))
			.thenApply((done) -> new StoreOutcome(outcomes.stream().map(CompletableFuture::join).toList()));
	}

	/**
	 * What the recovery queue holds and what happened to failed writes so far: the
	 * queue's size per priority, and how many writes were enqueued, replayed, dropped
	 * (per reason) and retried.
	 * @return a snapshot
	 */
	public RecoveryStats recoveryStats() {
		return this.recoveryQueue.stats();
	}

	/**
	 * How many writes wait in the recovery queue per circuit breaker of their key (on
	 * Redis Cluster, per master as the current topology places the keys); visits every
	 * queued write in memory. Journaled writes parked in the recovery journal (their keys
	 * are not in memory) are counted under the breaker of the calls without a key.
	 * @return circuit breaker name to count, for breakers with queued writes
	 */
	public Map<String, Integer> queuedWritesByCircuitBreaker() {
		if (this.circuitBreakers.isSingle()) {
			int size = this.recoveryQueue.size();
			return (size > 0) ? Map.of(this.circuitBreakers.keyless().getName(), size) : Map.of();
		}
		Map<String, Integer> counts = new HashMap<>(
				this.recoveryQueue.countByKey((key) -> this.circuitBreakers.forKey(key).getName()));
		int parked = this.recoveryQueue.parkedSize();
		if (parked > 0) {
			// journaled writes parked on disk: their keys are not in memory
			counts.merge(this.circuitBreakers.keyless().getName(), parked, Integer::sum);
		}
		return counts;
	}

	/**
	 * The state of the circuit breaker of the calls without a key: the one breaker every
	 * command goes through, or on Redis Cluster the breaker of the whole cluster (see
	 * {@link #circuitState(String)}).
	 * @return the state
	 */
	public CircuitBreaker.State circuitState() {
		return this.circuitBreakers.keyless().getState();
	}

	/**
	 * The state of the circuit breaker a key's calls go through: on Redis Cluster, the
	 * breaker of the master that serves the key's slot now.
	 * @param key the key
	 * @return the state
	 */
	public CircuitBreaker.State circuitState(String key) {
		return this.circuitBreakers.forKey(Arguments.key(key)).getState();
	}

	// ---- escape hatch ------------------------------------------------------------------------

	/**
	 * Run any other Lettuce command with the same protection: the circuit breaker, error
	 * translation, and retries if the caller says the command is safe to run twice.
	 *
	 * <pre class="code">
	 * template.execute("INCR", false, (commands) -> commands.incr(key.getBytes(UTF_8)));
	 * </pre>
	 *
	 * <p>
	 * On Redis Cluster the connection routes a keyed command to its slot's master and
	 * splits the multi-key commands Lettuce knows how to split ({@code DEL},
	 * {@code UNLINK}, {@code EXISTS}, {@code TOUCH}, {@code MGET}, {@code MSET}...); any
	 * other multi-key command needs all its keys in one slot (hash tags), or Redis answers
	 * {@code CROSSSLOT}.
	 *
	 * <p>
	 * Calls made here are outside the per-key order of the template's writes: a write
	 * made with {@code execute} may overtake, or be overtaken by, a write to the same key
	 * that waits for replay. The connection is shared by every caller, so commands that
	 * change its state ({@code MULTI}/{@code EXEC}, {@code SELECT}, {@code WATCH},
	 * {@code CLIENT}, {@code AUTH}, blocking pops, subscriptions...) are refused before
	 * anything is sent: the future fails with an
	 * {@link org.springframework.dao.InvalidDataAccessApiUsageException} whose cause is an
	 * {@link IllegalArgumentException}.
	 * @param <T> the reply type
	 * @param command the command name, for messages and logs
	 * @param retryable whether the command is idempotent and may be retried after a
	 * transient fault
	 * @param call sends the command on the native connection (keys and values are byte
	 * arrays)
	 * @return the reply
	 */
	public <T> CompletableFuture<T> execute(String command, boolean retryable,
			Function<RedisClusterAsyncCommands<byte[], byte[]>, ? extends CompletionStage<T>> call) {
		Arguments.text(command, "command");
		Arguments.notNull(call, "call");
		return call(command, retryable, (commands) -> call.apply(SharedConnectionGuard.guard(commands)));
	}

	// ---- internals -------------------------------------------------------------------------

	/**
	 * Apply a write in order with the other writes to its key, retried if it is
	 * idempotent.
	 * @param write the write
	 * @return the raw reply
	 */
	CompletableFuture<Object> write(RedisWrite write) {
		return this.writes.write(write);
	}

	private <T> CompletableFuture<T> write(RedisWrite write, Function<Object, ? extends T> reply) {
		return this.writes.write(write, reply);
	}

	private <T> CompletableFuture<T> call(String command, boolean retryable,
			Function<RedisClusterAsyncCommands<byte[], byte[]>, ? extends CompletionStage<T>> call) {
		return this.connection.call(command, retryable, call);
	}

	private <T> CompletableFuture<T> call(byte[] key, String command, boolean retryable,
			Function<RedisClusterAsyncCommands<byte[], byte[]>, ? extends CompletionStage<T>> call) {
		return this.connection.call(key, command, retryable, call);
	}

	private static void checkBounds(double min, double max) {
		Arguments.bound(min, "min");
		Arguments.bound(max, "max");
	}

	private static void checkLimit(long offset, long count) {
		if (offset < 0) {
			throw new IllegalArgumentException("'offset' must not be negative, was " + offset);
		}
		positiveCount(count);
	}

	private static long positiveCount(long count) {
		if (count < 1) {
			throw new IllegalArgumentException("'count' must be at least 1, was " + count);
		}
		return count;
	}

	private static List<String> strings(List<byte[]> raw) {
		List<String> result = new ArrayList<>(raw.size());
		for (byte[] value : raw) {
			result.add(LettuceWrites.string(value));
		}
		return result;
	}

	private static List<ScoredMember> scored(List<ScoredValue<byte[]>> raw) {
		List<ScoredMember> result = new ArrayList<>(raw.size());
		for (ScoredValue<byte[]> value : raw) {
			result.add(new ScoredMember(LettuceWrites.string(value.getValue()), value.getScore()));
		}
		return result;
	}

}
